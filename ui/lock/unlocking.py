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
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dxdesk.identity import unlock, users
from dxdesk.identity.users import KnownUser, UnlockedUser, UserIndex
from dxdesk.paths import Paths
from dxdesk.settings import Settings
from ui.token_access import Tokens
from ui.warmup import importing, warm_up

if TYPE_CHECKING:
    from dxdesk.identity.unlock import Opened
    from dxdesk.profile import Profile
    from sync.session import ClientSession

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserSession:
    """A user's data, open, and the one client session their desktop syncs through
    (the sign-in's own; made here after an offline unlock)."""

    client: ClientSession
    unlocked: UnlockedUser
    remembered: bool = False  # the data key was just put in the keyring

    @property
    def profile(self) -> Profile:
        return self.client.profile


def session_of(opened: Opened) -> UserSession:
    """The client session of a profile the core opened offline (runner thread)."""
    from sync.session import ClientSession  # noqa: PLC0415 (warmed up: the server client)

    client = ClientSession(opened.profile, opened.tokens, unlocked=opened.unlocked)
    return UserSession(client, opened.unlocked, opened.remembered)


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

    def with_password(self, user: KnownUser, password: str, *, remember: bool) -> UserSession:
        """Offline: the password opens the key file; the server is never asked."""
        warm_up()
        opened = unlock.with_password(
            self.paths, self.settings, user, password, self.tokens.get(),
            remember=remember, clock=self._clock,
        )  # fmt: skip
        return session_of(opened)

    def with_keyring(self, user: KnownUser) -> UserSession | None:
        """None when the keyring no longer holds this user's key."""
        warm_up()
        opened = unlock.with_keyring(self.paths, self.settings, user, self.tokens.get())
        return None if opened is None else session_of(opened)

    def forget(self, user: KnownUser) -> None:
        users.forget_key(self.tokens.get(), user)

    def sign_in(self, request: SignInRequest) -> UserSession:
        """Online: the server checks the password, then the user's folder is created
        (first login here) or opened, re-wrapped if the password changed. The
        desktop syncs through the session the sign-in returns."""
        warm_up()
        from sync.session import first_sign_in  # noqa: PLC0415 (the server client: only now)

        signed = first_sign_in(
            self.paths, self.settings, self.tokens.get(), request.username, request.password,
            server_url=request.server_url, previous_password=request.previous_password,
            keep_key=request.remember,
        )  # fmt: skip
        return UserSession(signed.client, signed.unlocked, remembered=request.remember)
