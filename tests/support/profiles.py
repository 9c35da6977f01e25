"""Opening a user's encrypted profile from a test, as the app would after unlock."""

from __future__ import annotations

from pathlib import Path

from dxdesk.identity import users
from dxdesk.identity.vault import KdfParams
from dxdesk.paths import Paths
from dxdesk.profile import Profile, open_profile

# Unit tests create many vaults; the real cost (64 MiB) is for real users.
FAST_KDF = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)


def open_user_profile(home: Path, password: str, username: str | None = None) -> Profile:
    """The profile of ``username`` (default: the last user) under ``home``."""
    paths = Paths.under(home)
    user = users.require_user(paths, username)
    return open_profile(paths, user=users.unlock(paths, user, password))


def new_user_profile(
    home: Path, username: str = "officer", password: str = "correct horse", server: str = "local"
) -> Profile:
    """A user enrolled offline (as a first login would), with a cheap KDF."""
    paths = Paths.under(home)
    user = users.KnownUser(username, server)
    return open_profile(paths, user=users.enroll(paths, user, password, params=FAST_KDF))
