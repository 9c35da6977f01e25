"""Windows that fit the officer's screen.

A commune netbook is 1024×600; after the title bar and the taskbar about
1024×540 is left. Every window and dialog must be usable in that much room, and
the main window opens sized to the screen's available area, not at a fixed size
that pushes the status bar below the taskbar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from typing_extensions import override
else:  # typing_extensions costs ~20 ms before the first window; mypy alone needs it
    from ui.overrides import override

# Title bar and borders, until the window manager has framed the window (the
# frame is only known once the window is shown).
FRAME_ESTIMATE = QSize(8, 38)


def available_area(widget: QWidget | None = None) -> QRect:
    """The screen area free of taskbars (of the widget's screen, else the primary)."""
    screen = widget.screen() if widget is not None else QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def _frame(window: QWidget) -> QSize:
    frame = window.frameGeometry().size() - window.geometry().size()
    return frame if frame.width() > 0 or frame.height() > 0 else FRAME_ESTIMATE


def initial_size(preferred: QSize, room: QSize, saved: QSize | None = None) -> QSize:
    """A saved size if it still fits ``room`` (the screen may have changed since),
    else ``preferred`` shrunk to fit."""
    if saved is not None and saved.isValid() and saved.boundedTo(room) == saved:
        return saved
    return preferred.boundedTo(room)


def place(
    window: QWidget, preferred: QSize, saved: QSize | None = None, area: QRect | None = None
) -> QSize:
    """Size ``window`` for the available area (frame included) and centre it there."""
    area = area if area is not None else available_area(window)
    frame = _frame(window)
    room = (area.size() - frame).expandedTo(QSize(1, 1))
    size = initial_size(preferred, room, saved).expandedTo(window.minimumSize())
    window.resize(size)
    left = area.left() + max(0, (area.width() - size.width() - frame.width()) // 2)
    top = area.top() + max(0, (area.height() - size.height() - frame.height()) // 2)
    window.move(left, top)  # move() places the frame's corner
    return size


def _room(window: QWidget) -> QSize:
    area = available_area(window)
    return (area.size() - _frame(window)).expandedTo(QSize(1, 1))


def _needed_height(window: QWidget) -> int:
    """The height the window's content needs at its width: a wrapped message two
    lines high included (Qt leaves it out of a window's minimum size)."""
    layout = window.layout()
    if layout is None:
        return window.minimumSizeHint().height()
    layout.activate()
    if layout.hasHeightForWidth():
        return layout.totalHeightForWidth(window.width())
    return layout.totalMinimumSize().height()


def fit(window: QWidget) -> None:
    """Within the screen's room: no larger than it (scroll areas take the
    difference), and tall enough that nothing is squashed."""
    room = _room(window)
    size = window.size().boundedTo(room)
    need = min(_needed_height(window), room.height())
    window.setMinimumHeight(need)
    size.setHeight(max(size.height(), need))
    if size != window.size():
        window.resize(size)


_REFIT = (QEvent.Type.Show, QEvent.Type.LayoutRequest, QEvent.Type.Resize)


class _KeepFitted(QObject):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._busy = False
        window.installEventFilter(self)

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        # Only while shown: a closed dialog may outlive the window it belonged to.
        if event.type() in _REFIT and not self._busy and self._window.isVisible():
            self._busy = True  # fit() resizes, which sends a Resize event of its own
            try:
                fit(self._window)
            finally:
                self._busy = False
        return False


def keep_fitted(window: QWidget) -> None:
    """``fit`` the window when it opens and whenever its content changes (an error
    message appears, the language switches)."""
    _KeepFitted(window)
