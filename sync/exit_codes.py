"""The sync commands' exit codes (docs/cli.md), shared by ``sync.cli`` and ``sync.bundle_cli``.

Beyond the core's: 10 the server cannot be reached (nothing lost, everything still
queued) · 11 login needed · 12 some reports were rejected (see ``dxdesk outbox``) ·
13 this network needs sign-in in a browser · 14 the server's certificate is not
trusted · 15 this dxdesk is too old for the server.
"""

from __future__ import annotations

from sync.session import SessionError
from sync.transport import Failure, TransportError

EXIT_OFFLINE = 10
EXIT_LOGIN = 11
EXIT_REJECTED = 12
EXIT_CAPTIVE = 13
EXIT_TLS = 14
EXIT_OUTDATED = 15

FAILURE_EXIT = {
    Failure.OFFLINE: EXIT_OFFLINE,
    Failure.NO_NETWORK: EXIT_OFFLINE,
    Failure.SERVER: EXIT_OFFLINE,
    Failure.AUTH: EXIT_LOGIN,
    Failure.CAPTIVE_PORTAL: EXIT_CAPTIVE,
    Failure.TLS: EXIT_TLS,
    Failure.OUTDATED: EXIT_OUTDATED,
    Failure.SERVER_OUTDATED: EXIT_OUTDATED,
    Failure.CONFIG: 2,
    Failure.REJECTED: 1,
}


class SyncCommandError(SessionError):
    """A transport failure ending a command: the session's message, and its exit code."""

    def __init__(self, error: TransportError, *, login: bool = False) -> None:
        super().__init__(error, login=login)
        self.exit_code = FAILURE_EXIT[error.failure]
