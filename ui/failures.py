"""Plain words for what can go wrong when talking to the server or opening data.

The words are the client session's (``sync.session``: one message code per failure,
the same on the command line), rendered in the UI's language. Kept apart from the
dialogs so the lock screen can explain a failed login without importing the login
dialog's sync machinery before it is needed.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from dxdesk.errors import DxdeskError
from sync.failure_messages import error_message, failure_message
from sync.transport import Failure, TransportError
from ui.i18n import language


def failure_text(failure: Failure, detail: str | None = None) -> str:
    """Why a sync failed (``detail``: the summary's explanation, said only where the
    failure's own words cannot tell the cause, as on the command line)."""
    return failure_message(failure, detail=detail).text(language())


def error_text(error: BaseException) -> str:
    """Why a login (or another job that talks to the server) failed."""
    if isinstance(error, TransportError):
        return error_message(error, login=True).text(language())
    if isinstance(error, DxdeskError):
        return error.render(language())
    return QCoreApplication.translate("failures", "Unexpected error; details are in the log.")
