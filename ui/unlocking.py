"""Opening one user's data: what the lock screen asks of the core, as jobs.

Every method that derives a key, touches the keyring, opens the store or talks to
the server runs on the runner's thread, never on the GUI thread (the password's
key derivation alone takes ~0.3 s). Qt-free. The store, the server client and the
sync engine are imported only inside the jobs (through ``ui.warmup``, one thread
at a time), so the lock screen, the first window, appears without them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from dxdesk import users
from dxdesk.paths import Paths
from dxdesk.settings import Settings
from dxdesk.users import KnownUser, UnlockedUser, UserIndex
from ui.token_access import Tokens
from ui.warmup import importing, warm_up

if TYPE_CHECKING:
    from dxdesk.credentials import TokenStore
    from dxdesk.profile import Profile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Opened:
    """A user's profile, open, with what their desktop needs."""

    profile: Profile
    unlocked: UnlockedUser
    tokens: TokenStore
    server_url: str = ""  # after an online login: the address that answered
    remembered: bool = False  # the data key was just put in the keyring


@dataclass(frozen=True)
class KeyringState:
    persistent: bool  # a real OS keyring: remembering a key survives a restart
    remembered: frozenset[str]  # accounts whose data key it holds


@dataclass(frozen=True)
class SignInRequest:
    server_url: str
    username: str
    password: str
    previous_password: str | None = None  # the password was changed on the server
    remember: bool = False


class Unlocker:
    def __init__(
        self,
        paths: Paths,
        settings: Settings,
        tokens: Tokens,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.paths = paths
        self.settings = settings
        self.tokens = tokens
        self._clock = clock

    def known_users(self) -> list[KnownUser]:
        """Who has logged in here, most recent first (a small JSON file: GUI thread)."""
        return UserIndex(self.paths).all()

    # -- jobs (runner thread) ------------------------------------------------------

    def keyring_state(self, known: Sequence[KnownUser]) -> KeyringState:
        store = self.tokens.get()
        with importing():  # a keyring backend may import on its first call too
            held = frozenset(
                user.account
                for user in known
                if users.unlock_with_keyring(self.paths, user, store) is not None
            )
        return KeyringState(store.persistent, held)

    def with_password(self, user: KnownUser, password: str, *, remember: bool) -> Opened:
        """Offline: the password opens the key file; the server is never asked."""
        warm_up()
        unlocked = users.unlock(self.paths, user, password, clock=self._clock)
        store = self.tokens.get()
        kept = remember and _keep_key(store, unlocked)
        opened = self._open(unlocked, store, "password")
        return replace(opened, remembered=kept)

    def with_keyring(self, user: KnownUser) -> Opened | None:
        """None when the keyring no longer holds this user's key."""
        warm_up()
        store = self.tokens.get()
        unlocked = users.unlock_with_keyring(self.paths, user, store)
        return None if unlocked is None else self._open(unlocked, store, "keyring")

    def forget(self, user: KnownUser) -> None:
        users.forget_key(self.tokens.get(), user)

    def sign_in(self, request: SignInRequest) -> Opened:
        """Online: the server checks the password, then the user's folder is created
        (first login here) or opened, re-wrapped if the password changed."""
        warm_up()
        from sync.session import first_sign_in  # noqa: PLC0415 (the server client: only now)

        store = self.tokens.get()
        signed = first_sign_in(
            self.paths, self.settings, store, request.username, request.password,
            server_url=request.server_url, previous_password=request.previous_password,
            keep_key=request.remember,
        )  # fmt: skip
        server_url = self.settings.server_url
        return Opened(signed.profile, signed.unlocked, store, server_url, request.remember)

    def _open(self, unlocked: UnlockedUser, store: TokenStore, method: str) -> Opened:
        from dxdesk import audit  # noqa: PLC0415 (the store: imported behind the first window)
        from dxdesk.profile import open_profile  # noqa: PLC0415

        profile = open_profile(self.paths, self.settings, user=unlocked)
        try:
            with profile.db.session() as session:
                name = unlocked.user.username
                audit.record(session, "unlock", name, name, method=method)
                session.commit()
        except BaseException:
            profile.close()
            raise
        return Opened(profile, unlocked, store)


def _keep_key(store: TokenStore, unlocked: UnlockedUser) -> bool:
    """Best effort: a keyring that refuses only means the password is asked next time."""
    try:
        users.remember_key(store, unlocked)
    except Exception as exc:  # any backend failure; the key itself is never logged
        log.warning("could not keep %s's key in the keyring: %s", unlocked.user.username,
                    type(exc).__name__)  # fmt: skip
        return False
    return True
