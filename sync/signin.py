"""Logging in online, which also opens (or, the first time here, creates) the
user's encrypted profile.

The server checks the password first; only then is anything created or re-wrapped
locally, so a mistyped password never leaves a folder or a key file behind.

One key per device: a login registers the key the user's profile here already signs
with, so the server's table does not grow by a key per login. A new key is made
only on the first login here, when the profile cannot be opened before the server
has vouched for the password (it was changed there), or when the server gives the
key to another user; the new key then replaces the profile's (a deliberate
rotation: the server retires the old one, docs/protocol.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dxdesk.errors import DxdeskError
from dxdesk.identity import device, users
from dxdesk.identity.credentials import TokenStore
from dxdesk.identity.users import KnownUser, UnlockedUser
from dxdesk.paths import Paths
from dxdesk.profile import Profile, open_profile
from dxdesk.settings import Settings
from sync import client_account
from sync.protocol import LoginOut
from sync.transport import Transport, TransportError


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
    here = device.device_id(paths)
    identity = _profile_identity(
        paths, settings, baked, tokens, username, transport.base_url, password, known_key
    ) or client_account.DeviceIdentity.fresh(here)
    pinned = settings.server_public_key or None
    try:
        out = client_account.authenticate(
            transport, username, password, identity, pinned_server_key=pinned
        )
    except TransportError as exc:
        if exc.code != client_account.KEY_TAKEN:
            raise
        # Another user registered this key first: a key of this profile's own.
        identity = client_account.DeviceIdentity.fresh(identity.device_id)
        out = client_account.authenticate(
            transport, username, password, identity, pinned_server_key=pinned
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


def _profile_identity(
    paths: Paths,
    settings: Settings,
    baked: Path | None,
    tokens: TokenStore,
    username: str,
    server_url: str,
    password: str,
    known_key: bytes | None,
) -> client_account.DeviceIdentity | None:
    """The key (and device id) this user's profile here already signs with, or None
    on a first login here or when the profile does not open yet."""
    known = users.UserIndex(paths).find(username, server_url)
    if known is None or not users.is_enrolled(paths, known):
        return None
    unlocked = _unlock_before_login(paths, known, tokens, password, known_key)
    if unlocked is None:
        return None
    try:
        profile = open_profile(paths, settings, baked, user=unlocked)
    except DxdeskError:
        return None
    try:
        with profile.db.session() as session:
            identity = client_account.DeviceIdentity.of_profile(session, device.device_id(paths))
            session.commit()  # a profile without a key yet keeps the one just made
    finally:
        profile.close()
    return identity


def _unlock_before_login(
    paths: Paths, known: KnownUser, tokens: TokenStore, password: str, known_key: bytes | None
) -> UnlockedUser | None:
    """The profile's data key from the open session, the keyring, or the password.
    A wrong password counts as a wrong try here, as it would offline; a password
    that no longer opens it (changed on the server) or a lockout only means a new
    key: the login itself goes on."""
    if known_key is not None:
        return UnlockedUser(known, known.folder(paths), known_key)
    remembered = users.unlock_with_keyring(paths, known, tokens)
    if remembered is not None:
        return remembered
    try:
        return users.unlock(paths, known, password)
    except DxdeskError:
        return None
