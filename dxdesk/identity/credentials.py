"""Where secrets kept outside the encrypted profile live: the OS keyring, or this
process's memory. Never a plain file.

Windows Credential Manager, macOS Keychain and the Secret Service on Linux are
secure places. When none is available (a bare Linux box) the store is memory: a
data key the user asked to remember lasts this process only, and login tokens go
into the encrypted profile instead (``sync.client_account.held_by``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # keyring is imported when a store is chosen: ~0.1 s off the first window
    import keyring.backend

log = logging.getLogger(__name__)

SERVICE = "dxdesk"

# Backends that store secrets in files we would not trust on a shared PC.
_INSECURE_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


class TokenStore(Protocol):
    persistent: bool
    description: str

    def get(self, account: str) -> str | None: ...

    def put(self, account: str, token: str) -> None: ...

    def delete(self, account: str) -> None: ...


class MemoryTokenStore:
    """Lives as long as the process; what we use when no secure keyring exists."""

    persistent = False
    description = (
        "memory (no secure keyring on this system: logins are kept in the encrypted "
        "profile, a remembered key only until the app closes)"
    )

    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}

    def get(self, account: str) -> str | None:
        return self._tokens.get(account)

    def put(self, account: str, token: str) -> None:
        self._tokens[account] = token

    def delete(self, account: str) -> None:
        self._tokens.pop(account, None)


class KeyringTokenStore:
    persistent = True

    def __init__(self, backend: keyring.backend.KeyringBackend) -> None:
        self.backend = backend
        self.description = f"OS keyring ({type(backend).__module__}.{type(backend).__name__})"

    def get(self, account: str) -> str | None:
        return self.backend.get_password(SERVICE, account)

    def put(self, account: str, token: str) -> None:
        self.backend.set_password(SERVICE, account, token)

    def delete(self, account: str) -> None:
        # Already gone is fine: logging out twice must not fail.
        import keyring.errors  # noqa: PLC0415

        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            self.backend.delete_password(SERVICE, account)


def is_secure(backend: keyring.backend.KeyringBackend) -> bool:
    backends = getattr(backend, "backends", None)
    if backends is not None:  # a chainer is as good as what it chains
        return any(is_secure(inner) for inner in backends)
    module = type(backend).__module__
    if module.startswith(_INSECURE_MODULES):
        return False
    try:
        return float(backend.priority) > 0
    except Exception:  # a backend whose priority check fails is not usable here
        return False


def choose(backend: keyring.backend.KeyringBackend | None = None) -> TokenStore:
    """The OS keyring when it is secure and answers, else memory (logged)."""
    if backend is None:
        try:
            import keyring  # noqa: PLC0415

            backend = keyring.get_keyring()
        except Exception as exc:  # e.g. PYTHON_KEYRING_BACKEND naming a missing class
            return _memory(f"the keyring configuration is broken: {exc}")
    if not is_secure(backend):
        return _memory("")
    try:
        backend.get_password(SERVICE, "probe")  # a locked or dead daemon fails here
    except Exception as exc:  # any backend failure means "not usable now"
        return _memory(f"keyring {type(backend).__name__} is not usable: {exc}")
    return KeyringTokenStore(backend)


def _memory(reason: str) -> MemoryTokenStore:
    store = MemoryTokenStore()
    _say_once(f"token store: {store.description}" + (f"; {reason}" if reason else ""))
    return store


@functools.cache
def _say_once(text: str) -> None:
    """Commands look the store up several times: one broken keyring is one line."""
    log.warning("%s", text)


def account_name(server_url: str, username: str) -> str:
    return f"{username}@{server_url.rstrip('/')}"
