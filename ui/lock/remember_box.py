"""The "remember on this computer" choice, with the warning that belongs to it.

Remembering keeps the user's data key in the OS keyring, so their data opens
without the password: fine on a PC one officer has to themselves, wrong on the
commune's shared one. Off by default; unavailable without a secure keyring.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from ui.i18n import follow_language


class RememberBox(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = QCheckBox()
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555; font-size: 90%;")
        self._persistent = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.check)
        layout.addWidget(self.hint)
        follow_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.check.setText(self.tr("Remember on this computer (do not ask for the password)"))
        self.hint.setText(
            self.tr(
                "Only on a computer nobody else uses: anyone who can open this computer "
                "could then read your reports."
            )
            if self._persistent
            else self.tr(
                "This computer has no secure keyring, so the password is asked every time."
            )
        )

    def set_persistent(self, persistent: bool) -> None:
        """Without a real OS keyring, a remembered key would not outlive this run."""
        self._persistent = persistent
        self.check.setEnabled(persistent)
        if not persistent:
            self.check.setChecked(False)
        self.retranslate()

    @property
    def chosen(self) -> bool:
        return self._persistent and self.check.isChecked()

    def reset(self) -> None:
        self.check.setChecked(False)
