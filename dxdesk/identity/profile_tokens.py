"""Login tokens kept inside the user's encrypted profile, where no secure keyring is.

A headless Linux box or a bare desktop has no Secret Service; a plain file would be
readable by anyone with the disk. The profile is already encrypted with a key only
the user's password (or their kept key) opens, and every command that syncs opens
it first, so the token is as safe there as the reports it sends.
"""

from __future__ import annotations

from sqlmodel import Session

from dxdesk import local_state

_PREFIX = "login_token:"


class ProfileTokenStore:
    """A token store over an open profile's session; the caller commits."""

    persistent = True
    description = "the encrypted profile (no secure keyring on this system)"

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, account: str) -> str | None:
        return local_state.get(self.session, _PREFIX + account)

    def put(self, account: str, token: str) -> None:
        local_state.put(self.session, _PREFIX + account, token)

    def delete(self, account: str) -> None:
        local_state.delete(self.session, _PREFIX + account)
