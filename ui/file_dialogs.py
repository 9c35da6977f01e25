"""The app's file dialogs: the system's where it speaks the UI's language, else
Qt's own, which ``ui.qt_vi`` translates.

An English Windows (common on donated commune PCs) shows its native dialog in
English whatever the app's language; Linux without a desktop theme already gets
Qt's dialog. Qt's dialog follows the app's language, so it is used whenever the
system's language differs from the one on screen. Its sizes and dates follow the
system's locale ("2.86 MiB", "2 bytes"); a proxy writes them in the UI's
(2,86 MiB, dd/MM/yyyy HH:mm).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QIdentityProxyModel, QLocale, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QFileDialog, QFileSystemModel, QWidget

from ui.i18n import language, qt_locale

if TYPE_CHECKING:
    from typing_extensions import override
else:  # typing_extensions costs ~20 ms before the first window; mypy alone needs it
    from ui.overrides import override

SIZE_COLUMN, DATE_COLUMN = 1, 3  # QFileSystemModel's columns


def options(system: QLocale | None = None) -> QFileDialog.Option:
    """Native only where the system speaks the language on screen."""
    system = system if system is not None else QLocale.system()
    if system.language() == qt_locale(language()).language():
        return QFileDialog.Option(0)
    return QFileDialog.Option.DontUseNativeDialog


class LocalFormats(QIdentityProxyModel):
    """File sizes and dates in the UI's language instead of the system's."""

    @override
    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        source = self.sourceModel()
        ours = role == Qt.ItemDataRole.DisplayRole and index.column() in (SIZE_COLUMN, DATE_COLUMN)
        if not ours or not isinstance(source, QFileSystemModel):
            return super().data(index, role)
        info = source.fileInfo(self.mapToSource(index))
        locale = qt_locale(language())
        if index.column() == SIZE_COLUMN:
            return locale.formattedDataSize(info.size()) if info.isFile() else ""
        return locale.toString(info.lastModified(), "dd/MM/yyyy HH:mm")


def make(parent: QWidget | None, title: str, path: str, name_filter: str) -> QFileDialog:
    """A dialog at ``path`` (a folder, or a file to preselect)."""
    dialog = QFileDialog(parent, title, path, name_filter)
    dialog.setOptions(options())
    if dialog.testOption(QFileDialog.Option.DontUseNativeDialog):
        dialog.setProxyModel(LocalFormats(dialog))
    return dialog


def open_files(parent: QWidget | None, title: str, path: str, name_filter: str) -> list[str]:
    dialog = make(parent, title, path, name_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    return dialog.selectedFiles() if dialog.exec() else []


def open_file(parent: QWidget | None, title: str, path: str, name_filter: str) -> str:
    dialog = make(parent, title, path, name_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    chosen = dialog.selectedFiles() if dialog.exec() else []
    return chosen[0] if chosen else ""


def save_file(parent: QWidget | None, title: str, path: str, name_filter: str) -> str:
    """Asks before replacing an existing file (Qt's dialog does)."""
    dialog = make(parent, title, path, name_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    chosen = dialog.selectedFiles() if dialog.exec() else []
    return chosen[0] if chosen else ""
