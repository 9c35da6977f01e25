"""The main window's size, kept per user between runs (``sync_state``), so it opens
as the officer left it; ``ui.screen_fit`` uses it only while it fits the screen."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget

from dxdesk import local_state
from dxdesk.profile import Profile

KEY = "ui_main_window_size"


def parse(text: str | None) -> QSize | None:
    """``"1200x720"`` → QSize; anything else (missing, damaged) → None."""
    width, _, height = (text or "").partition("x")
    if not (width.isdigit() and height.isdigit()):
        return None
    size = QSize(int(width), int(height))
    return size if size.width() > 0 and size.height() > 0 else None


def saved(profile: Profile) -> QSize | None:
    with profile.db.session() as session:
        return parse(local_state.get(session, KEY))


def remember(profile: Profile, window: QWidget) -> None:
    """The size as left, not the maximized one (a maximized window reopens in the
    area it then has)."""
    size = window.normalGeometry().size() if window.isMaximized() else window.size()
    if not size.isValid():
        return
    with profile.db.session() as session:
        local_state.put(session, KEY, f"{size.width()}x{size.height()}")
        session.commit()
