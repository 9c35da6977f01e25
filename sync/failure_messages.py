"""One message code per way talking to the server can fail (words: dxdesk/messages.py).

The command line and the desktop both say these, so a failure reads the same in
both, in the user's language. Light on purpose (the transport's types only): the
lock screen explains a failed login without loading the sync engine.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from dxdesk.messages import Message
from dxdesk.text import for_terminal
from sync.transport import PLAIN_HTTP, Failure, TransportError, check_server_url

# What each failure means to the person who asked (dxdesk/messages.py has the words).
SYNC_FAILURE_CODES = {
    Failure.OFFLINE: "server_unreachable",
    Failure.NO_NETWORK: "no_network",
    Failure.SERVER: "server_trouble",
    Failure.AUTH: "login_needed",
    Failure.CAPTIVE_PORTAL: "captive_portal",
    Failure.TLS: "certificate_untrusted",
    Failure.OUTDATED: "client_outdated",
    Failure.SERVER_OUTDATED: "server_outdated",
    Failure.CONFIG: "server_address_invalid",
    Failure.REJECTED: "server_refused",
}
# A login that failed: the server said no to this name and password.
LOGIN_FAILURE_CODES = {**SYNC_FAILURE_CODES, Failure.AUTH: "wrong_credentials"}
TOO_MANY_ATTEMPTS = "too_many_attempts"  # the server's code for a locked account
# Failures whose one-line cause only the detail tells (the server's reason for a
# refusal; what is wrong with an address): said after the translated words.
WITH_DETAIL = {
    Failure.REJECTED: "server_refused_detail",
    Failure.CONFIG: "server_address_invalid_detail",
}


def failure_message(
    failure: Failure, *, login: bool = False, code: str | None = None, detail: str | None = None
) -> Message:
    """The message for a failure of a sync, or (``login``) of a login; ``code`` is
    the server's error code when it gave one, ``detail`` its (or our) explanation."""
    if code == TOO_MANY_ATTEMPTS:
        return Message("account_locked")
    if detail and failure in WITH_DETAIL:
        return Message(WITH_DETAIL[failure], {"detail": for_terminal(detail)})
    return Message((LOGIN_FAILURE_CODES if login else SYNC_FAILURE_CODES)[failure])


def error_message(error: TransportError, *, login: bool = False) -> Message:
    return failure_message(error.failure, login=login, code=error.code, detail=str(error))


def address_problem(url: str, *, allow_http: bool = False) -> Message | None:
    """What is wrong with a server address, by the rules every connection follows
    (``check_server_url``), said in the user's words; None when it can be used."""
    try:
        check_server_url(url, allow_http=allow_http)
    except TransportError as exc:
        if exc.code == PLAIN_HTTP:
            return Message("server_url_plain_http", {"host": urlsplit(url.strip()).hostname})
        return Message("server_url_not_address", {"url": for_terminal(url.strip())})
    return None
