"""One message code per way talking to the server can fail (words: dxdesk/messages.py).

The command line and the desktop both say these, so a failure reads the same in
both, in the user's language. Light on purpose (the transport's types only): the
lock screen explains a failed login without loading the sync engine.
"""

from __future__ import annotations

from dxdesk.messages import Message
from sync.transport import Failure, TransportError

# What each failure means to the person who asked (dxdesk/messages.py has the words).
SYNC_FAILURE_CODES = {
    Failure.OFFLINE: "server_unreachable",
    Failure.SERVER: "server_trouble",
    Failure.AUTH: "login_needed",
    Failure.CAPTIVE_PORTAL: "captive_portal",
    Failure.TLS: "certificate_untrusted",
    Failure.OUTDATED: "client_outdated",
    Failure.CONFIG: "server_address_invalid",
    Failure.REJECTED: "server_refused",
}
# A login that failed: the server said no to this name and password.
LOGIN_FAILURE_CODES = {**SYNC_FAILURE_CODES, Failure.AUTH: "wrong_credentials"}
TOO_MANY_ATTEMPTS = "too_many_attempts"  # the server's code for a locked account


def failure_message(failure: Failure, *, login: bool = False, code: str | None = None) -> Message:
    """The message for a failure of a sync, or (``login``) of a login; ``code`` is
    the server's error code when it gave one."""
    if code == TOO_MANY_ATTEMPTS:
        return Message("account_locked")
    return Message((LOGIN_FAILURE_CODES if login else SYNC_FAILURE_CODES)[failure])


def error_message(error: TransportError, *, login: bool = False) -> Message:
    return failure_message(error.failure, login=login, code=error.code)
