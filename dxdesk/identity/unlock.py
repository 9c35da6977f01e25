"""Opening one user's data offline: unlock their key, open their store, audit it.

One implementation for the command line (``dxdesk.cli``) and the lock screen
(``ui.lock.unlocking``, which runs these on its worker thread). The server is never
asked: the password opens the key file, or the OS keyring hands back the key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dxdesk.identity import users
from dxdesk.identity.users import KnownUser, UnlockedUser
from dxdesk.identity.vault import VaultError
from dxdesk.messages import Message
from dxdesk.paths import Paths
from dxdesk.settings import Settings

if TYPE_CHECKING:
    from dxdesk.identity.credentials import TokenStore
    from dxdesk.profile import Profile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Opened:
    """A user's profile, open, with what their desktop needs."""

    profile: Profile
    unlocked: UnlockedUser
    tokens: TokenStore
    remembered: bool = False  # the data key was just put in the keyring


def open_unlocked(
    paths: Paths, settings: Settings, unlocked: UnlockedUser, tokens: TokenStore, method: str
) -> Opened:
    """Open the store of a user whose key is in hand, and record who opened it how."""
    # The store (SQLCipher, SQLAlchemy, migrations) is imported here, not with this
    # module: the lock screen imports this module before its first window.
    from dxdesk import audit  # noqa: PLC0415
    from dxdesk.profile import open_profile  # noqa: PLC0415

    profile = open_profile(paths, settings, user=unlocked)
    try:
        with profile.db.session() as session:
            name = unlocked.user.username
            audit.record(session, "unlock", name, name, method=method)
            session.commit()
    except BaseException:
        profile.close()
        raise
    return Opened(profile, unlocked, tokens)


def with_keyring(
    paths: Paths, settings: Settings, user: KnownUser, tokens: TokenStore
) -> Opened | None:
    """None when the keyring does not hold this user's key."""
    unlocked = users.unlock_with_keyring(paths, user, tokens)
    return None if unlocked is None else open_unlocked(paths, settings, unlocked, tokens, "keyring")


def with_password(
    paths: Paths,
    settings: Settings,
    user: KnownUser,
    password: str,
    tokens: TokenStore,
    *,
    remember: bool = False,
    clock: Callable[[], float] | None = None,
) -> Opened:
    """The password opens the key file (VaultError when it does not); ``remember``
    also keeps the key in the keyring, as far as the keyring lets it."""
    try:
        unlocked = users.unlock(paths, user, password, clock=clock)
    except Exception:
        log.warning("unlock of %s refused", user.username)
        raise
    kept = remember and keep_key(tokens, unlocked)
    opened = open_unlocked(paths, settings, unlocked, tokens, "password")
    return Opened(opened.profile, opened.unlocked, tokens, remembered=kept)


def offline(paths: Paths, username: str | None, ask_password: Callable[[], str | None]) -> Opened:
    """What a command does before touching a user's data: that user's profile (the
    only one here when ``username`` is None), opened with the key their OS keyring
    keeps, else with the password ``ask_password`` returns (VaultError when it
    returns None). Offline: the server is never asked."""
    # Not before the lock screen's first window: the keyring, and the site profile.
    from dxdesk.first_start import load_settings  # noqa: PLC0415
    from dxdesk.identity import credentials  # noqa: PLC0415

    settings = load_settings(paths)  # a broken settings file is said first
    user = users.require_user(paths, username)
    tokens = credentials.choose()
    opened = with_keyring(paths, settings, user, tokens)
    if opened is not None:
        return opened
    given = ask_password()
    if given is None:
        message = Message("password_needed", {"user": user.username})
        raise VaultError(message.text("en"), message)
    return with_password(paths, settings, user, given, tokens)


def keep_key(tokens: TokenStore, unlocked: UnlockedUser) -> bool:
    """Best effort: a keyring that refuses only means the password is asked next time."""
    try:
        users.remember_key(tokens, unlocked)
    except Exception as exc:  # any backend failure; the key itself is never logged
        log.warning("could not keep %s's key in the keyring: %s", unlocked.user.username,
                    type(exc).__name__)  # fmt: skip
        return False
    return True
