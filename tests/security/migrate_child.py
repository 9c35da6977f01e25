"""Child process for the migration crash test: unlock and open the user's profile,
which takes over the unencrypted store. Killed at random moments by the test."""

from __future__ import annotations

import sys
from pathlib import Path

from dxdesk.identity import users
from dxdesk.paths import Paths
from dxdesk.profile import open_profile


def main(home: str, password: str) -> None:
    print("ready", flush=True)  # imports done: the test's kill clock starts now
    paths = Paths.under(Path(home))
    user = users.require_user(paths, None)
    profile = open_profile(paths, user=users.unlock(paths, user, password))
    profile.close()
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
