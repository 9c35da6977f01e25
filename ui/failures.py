"""Plain words for what can go wrong when talking to the server or opening data.

Kept apart from the dialogs so the lock screen can explain a failed login without
importing the login dialog's sync machinery before it is needed.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from dxdesk.errors import DxdeskError
from sync.transport import Failure, TransportError
from ui.i18n import language


def failure_text(failure: Failure) -> str:
    texts = {
        Failure.AUTH: QT_TRANSLATE_NOOP(
            "failures",
            "Wrong user name or password.",
        ),
        Failure.OFFLINE: QT_TRANSLATE_NOOP(
            "failures",
            "Cannot reach the server. Check the network or the address; "
            "your reports are safe on this computer.",
        ),
        Failure.CAPTIVE_PORTAL: QT_TRANSLATE_NOOP(
            "failures",
            "This network needs sign-in first: open a web browser, "
            "accept the Wi-Fi terms, then try again.",
        ),
        Failure.TLS: QT_TRANSLATE_NOOP(
            "failures",
            "The server's certificate is not trusted. Check the address, or ask "
            "your administrator for the site certificate (Settings).",
        ),
        Failure.OUTDATED: QT_TRANSLATE_NOOP(
            "failures",
            "This dxdesk is too old for the server; please update it.",
        ),
        Failure.SERVER: QT_TRANSLATE_NOOP(
            "failures",
            "The server has a problem right now; try again later.",
        ),
        Failure.REJECTED: QT_TRANSLATE_NOOP(
            "failures",
            "The server refused the request.",
        ),
        Failure.CONFIG: QT_TRANSLATE_NOOP(
            "failures",
            "The server address is not valid (expected https://…).",
        ),
    }
    return QCoreApplication.translate("failures", str(texts[failure]))


def error_text(error: BaseException) -> str:
    if isinstance(error, TransportError) and error.code == "too_many_attempts":
        return QCoreApplication.translate(
            "failures",
            "Too many wrong passwords: this account is locked for about 15 minutes. "
            "Try again later, or ask your administrator.",
        )
    if isinstance(error, TransportError):
        return failure_text(error.failure)
    if isinstance(error, DxdeskError):
        return error.render(language())
    return QCoreApplication.translate("failures", "Unexpected error; details are in the log.")
