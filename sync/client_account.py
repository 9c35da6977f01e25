"""Who this profile logs in as, and the token that proves it (the client's side;
the server's user accounts are ``sync.server.accounts``).

The server address is a setting; the username and unit are facts kept in the
store; the token lives only in the token store (OS keyring or memory). A login
also registers this profile's signing key under this device's id, and brings the
server's sealing key (checked against the provisioned one, when there is one).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session, func, select

from dxdesk import audit, local_state, signing
from dxdesk.errors import DxdeskError
from dxdesk.identity import device, trusted_server_key
from dxdesk.identity.credentials import TokenStore, account_name
from dxdesk.identity.profile_tokens import ProfileTokenStore
from dxdesk.store.models import Report
from sync.protocol import ChallengeOut, LoginIn, LoginOut
from sync.transport import Transport, TransportError

USERNAME = "account.username"
UNIT = "account.unit_code"
ROLE = "account.role"
FULL_NAME = "account.full_name"
KEY_TAKEN = "device_key_taken"  # the server's refusal of a key another user registered


@dataclass(frozen=True)
class Account:
    username: str
    unit_code: str
    role: str
    full_name: str


def current(session: Session) -> Account | None:
    username = local_state.get(session, USERNAME)
    if not username:
        return None
    return Account(
        username,
        local_state.get(session, UNIT) or "",
        local_state.get(session, ROLE) or "",
        local_state.get(session, FULL_NAME) or "",
    )


class ProfileOwnedError(DxdeskError):
    exit_code = 2


@dataclass(frozen=True)
class DeviceIdentity:
    """What a login registers: this installation's id and the profile's signing key.

    When the user's store is not open before the login (a first login creates it),
    make one with :meth:`fresh` and hand the same object to :func:`remember`, which
    keeps the key."""

    device_id: str
    key: Ed25519PrivateKey

    @classmethod
    def of_profile(cls, session: Session, device_id: str | None = None) -> DeviceIdentity:
        """The profile's key (made if it has none) under ``device_id``, else under the
        device id it last registered as, else a new one."""
        chosen = device_id or device.last_device_id(session) or device.new_device_id()
        return cls(chosen, device.signing_key(session))

    @classmethod
    def fresh(cls, device_id: str) -> DeviceIdentity:
        return cls(device_id, signing.generate())


def authenticate(
    transport: Transport,
    username: str,
    password: str,
    identity: DeviceIdentity | None = None,
    *,
    pinned_server_key: str | None = None,
) -> LoginOut:
    """Ask the server; nothing local changes (the profile may not be open yet).

    With ``identity`` the server registers its key for this user and device, once
    the key has signed the server's challenge (proof that this device holds it).
    ``pinned_server_key``: the provisioned server key; another one is refused."""
    registration = _registration(transport, username, identity) if identity is not None else {}
    credentials = LoginIn(username=username, password=password, **registration)
    out = transport.call("POST", "/auth/login", LoginOut, credentials, auth=False)
    trusted_server_key.check(out.server_public_key, pinned_server_key)
    return out


def _registration(transport: Transport, username: str, identity: DeviceIdentity) -> dict[str, str]:
    """The login's device fields: the key, and its signature over a fresh challenge
    (none from a server older than challenges, which does not ask for it)."""
    fields = {"device_id": identity.device_id, "device_public_key": device.public_key(identity.key)}
    try:
        challenge = transport.call("POST", "/auth/challenge", ChallengeOut, auth=False)
    except TransportError as exc:
        if exc.status == 404:
            return fields
        raise
    proof = signing.sign_device_proof(identity.key, challenge.nonce, identity.device_id, username)
    return {**fields, "challenge": challenge.nonce, "device_proof": proof}


def remember(
    session: Session,
    transport: Transport,
    tokens: TokenStore,
    out: LoginOut,
    identity: DeviceIdentity | None = None,
) -> None:
    """Keep the token (token store only) and who we are (the encrypted store): the
    account facts, the server's sealing key, and — given the ``identity`` the login
    registered — the signing key and its registration."""
    if identity is not None:
        # A key made for this login replaces the profile's, and the server retires
        # the old one: reports still queued are signed again when they are sent,
        # and those it signed that are stored keep verifying (sync.server.devices).
        if local_state.get(session, device.SIGNING_KEY) != device.private_key_text(identity.key):
            device.keep_signing_key(session, identity.key)
        device.mark_registered(session, identity.device_id, identity.key)
    held_by(session, tokens).put(account_name(transport.base_url, out.user.username), out.token)
    local_state.put(session, USERNAME, out.user.username)
    local_state.put(session, UNIT, out.user.unit_code)
    local_state.put(session, ROLE, out.user.role)
    local_state.put(session, FULL_NAME, out.user.full_name)
    trusted_server_key.remember(session, out.server_public_key, out.user.username)
    if out.server_signing_key is not None:
        trusted_server_key.remember_signing(session, out.server_signing_key, out.user.username)
    registered = (
        {"device": identity.device_id, "key": signing.fingerprint(device.public_key(identity.key))}
        if identity is not None
        else {}
    )
    audit.record(
        session,
        "login",
        out.user.username,
        out.user.username,
        server=transport.base_url,
        **registered,
    )
    session.commit()
    transport.token = out.token


def login(
    session: Session,
    transport: Transport,
    tokens: TokenStore,
    username: str,
    password: str,
    *,
    device_id: str | None = None,
    pinned_server_key: str | None = None,
) -> LoginOut:
    """Log in again from an open profile (its user's own; a profile is one user's).

    ``device_id``: the installation's (``dxdesk.identity.device.device_id(paths)``).
    ``pinned_server_key``: the provisioned server key (settings), if any."""
    existing = current(session)
    if existing is not None and existing.username != username:
        has_reports = session.exec(select(func.count()).select_from(Report)).one()
        if has_reports:
            raise ProfileOwnedError(
                f"This profile holds reports of {existing.username}; log in as {username} "
                "with another profile (--home) so your data never mix."
            )
    if existing is not None and existing.username != username:
        # The profile's key stays its first user's: the server gives a key to one user.
        chosen = device_id or device.last_device_id(session) or device.new_device_id()
        identity = DeviceIdentity.fresh(chosen)
    else:
        identity = DeviceIdentity.of_profile(session, device_id)
    try:
        out = authenticate(
            transport, username, password, identity, pinned_server_key=pinned_server_key
        )
    except TransportError as exc:
        if exc.code != KEY_TAKEN:
            raise
        # The server gave this key to another user (it was registered by someone else
        # first): this profile signs with a key of its own from now on.
        identity = DeviceIdentity.fresh(identity.device_id)
        out = authenticate(
            transport, username, password, identity, pinned_server_key=pinned_server_key
        )
    remember(session, transport, tokens, out, identity)
    return out


def held_by(session: Session, tokens: TokenStore) -> TokenStore:
    """Where this profile's token lives: the OS keyring when it is secure, else the
    encrypted profile itself (never a plain file, and not only this process's memory:
    `login` once and `sync` later must work on a machine without a keyring)."""
    return tokens if tokens.persistent else ProfileTokenStore(session)


def token_for(session: Session, server_url: str, tokens: TokenStore) -> str | None:
    account = current(session)
    if account is None:
        return None
    return held_by(session, tokens).get(account_name(server_url, account.username))


def forget_token(session: Session, server_url: str, tokens: TokenStore) -> None:
    account = current(session)
    if account is not None:
        held_by(session, tokens).delete(account_name(server_url, account.username))
        session.commit()
