"""Logging in online, which also opens (or, the first time here, creates) the
user's encrypted profile.

The server checks the password first; only then is anything created or re-wrapped
locally, so a mistyped password never leaves a folder or a key file behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dxdesk import device, users
from dxdesk.credentials import TokenStore
from dxdesk.paths import Paths
from dxdesk.profile import Profile, open_profile
from dxdesk.settings import Settings
from dxdesk.users import KnownUser, UnlockedUser
from sync import client_account
from sync.protocol import LoginOut
from sync.transport import Transport


@dataclass
class SignedIn:
    profile: Profile
    login: LoginOut
    unlocked: UnlockedUser


def sign_in(
    paths: Paths,
    settings: Settings,
    transport: Transport,
    tokens: TokenStore,
    username: str,
    password: str,
    *,
    known_key: bytes | None = None,
    previous_password: str | None = None,
    keep_key: bool = False,
    baked: Path | None = None,
) -> SignedIn:
    """``known_key``: the data key of a session already unlocked (so a password
    changed on the server can re-wrap it); ``keep_key``: also keep the data key in
    the OS keyring, so this user's data opens without the password."""
    # A fresh signing key each login: the server keeps every key a password login
    # registered, and the engine re-signs reports still queued under an older one.
    identity = client_account.DeviceIdentity.fresh(device.device_id(paths))
    out = client_account.authenticate(
        transport,
        username,
        password,
        identity,
        pinned_server_key=settings.server_public_key or None,
    )
    user = KnownUser(out.user.username, transport.base_url, out.user.full_name, out.user.unit_code)
    unlocked = users.enroll(
        paths, user, password, known_key=known_key, previous_password=previous_password
    )
    if keep_key:
        users.remember_key(tokens, unlocked)
    profile = open_profile(paths, settings, baked, user=unlocked)
    try:
        with profile.db.session() as session:
            client_account.remember(session, transport, tokens, out, identity)
    except BaseException:
        profile.close()
        raise
    return SignedIn(profile, out, unlocked)
