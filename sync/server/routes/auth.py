"""Sign in (registering the device's key, with a proof that the device holds it),
sign out, who am I — and the unauthenticated ping, server key and login challenge."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dxdesk import signing
from dxdesk.clock import utcnow
from sync.protocol import (
    ChallengeOut,
    ErrorOut,
    LoginIn,
    LoginOut,
    OkOut,
    PingOut,
    ServerKeyOut,
    UserOut,
)
from sync.server import accounts, audit, challenges, devices, keys
from sync.server.config import ServerConfig
from sync.server.db import Database
from sync.server.errors import ApiError
from sync.server.routes.deps import ConfigDep, DbDep, PasswordSlotsDep, PrincipalDep, write
from sync.server.tables import Token, User

router = APIRouter()


def _now() -> str:
    return utcnow().isoformat()


def _user_out(username: str, role: str, unit_code: str, full_name: str) -> UserOut:
    # Validated: a role outside the protocol's three would be a bug worth a 500.
    return UserOut.model_validate(
        {"username": username, "role": role, "unit_code": unit_code, "full_name": full_name}
    )


@router.get("/ping", response_model=PingOut, tags=["session"])
def ping() -> PingOut:
    """Cheap probe; its exact shape tells our server from a captive portal."""
    return PingOut(server_time=_now())


@router.get("/server-key", response_model=ServerKeyOut, tags=["session"])
def server_key(cfg: ConfigDep) -> ServerKeyOut:
    """The key classified reports are sealed to (admins bake it into installers), and
    the key that signs bundle receipts and task packages."""
    return ServerKeyOut(
        public_key=keys.public_text(cfg.server_key),
        fingerprint=keys.public_fingerprint(cfg.server_key),
        signing_key=keys.signing_text(cfg.signing_key),
        signing_fingerprint=keys.signing_fingerprint(cfg.signing_key),
    )


@router.post("/auth/challenge", response_model=ChallengeOut, tags=["session"])
def challenge(cfg: ConfigDep) -> ChallengeOut:
    """A single-use nonce for the next login to sign with the device key it registers.
    Nothing is stored until a login spends it, so asking costs the server nothing."""
    nonce, expires = challenges.issue(challenges.mac_key(cfg.signing_key), utcnow())
    return ChallengeOut(nonce=nonce, expires_at=expires.isoformat())


_LOGIN_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 409, 422, 426, 429)
}


@router.post("/auth/login", response_model=LoginOut, tags=["session"], responses=_LOGIN_ERRORS)
async def login(body: LoginIn, db: DbDep, cfg: ConfigDep, slots: PasswordSlotsDep) -> LoginOut:
    """The password is checked before the write transaction, a few logins at a time;
    a device key's proof of possession before the password (it costs nothing)."""
    registration = _check_proof(cfg, body)
    async with slots:
        checked = await run_in_threadpool(_check_password, db, body)
    return await run_in_threadpool(_login, db, cfg, body, checked, registration)


@dataclass(frozen=True)
class _Registration:
    """A device key whose possession the login proved, and the challenge it answered."""

    device_id: str
    public_key: str
    nonce: str
    expires: dt.datetime


def _check_proof(cfg: ServerConfig, body: LoginIn) -> _Registration | None:
    """The key this login registers (None: it registers none); raises unless the proof
    is that key's signature over a live challenge for this device, key and user name."""
    if body.device_id is None or body.device_public_key is None:
        return None
    if body.challenge is None or body.device_proof is None:
        raise ApiError(
            426,
            "device_proof_required",
            "This server needs proof of the device key at sign-in; update dxdesk.",
            field="device_proof",
        )
    expires = challenges.check(challenges.mac_key(cfg.signing_key), body.challenge, utcnow())
    if not signing.device_proof_valid(
        body.device_public_key, body.device_proof, body.challenge, body.device_id, body.username
    ):
        raise ApiError(
            400,
            "bad_device_proof",
            "The device key's proof does not verify: this device does not hold the key "
            "it tried to register.",
            field="device_proof",
        )
    return _Registration(body.device_id, body.device_public_key, body.challenge, expires)


def _check_password(db: Database, body: LoginIn) -> accounts.PasswordCheck:
    with db.read() as session:
        return accounts.check_password(session, body.username, body.password)


def _login(
    db: Database,
    cfg: ServerConfig,
    body: LoginIn,
    checked: accounts.PasswordCheck,
    registration: _Registration | None,
) -> LoginOut:
    def work(session: Session) -> tuple[str, Token, User] | None:
        result = accounts.login(session, checked, cfg.token_ttl)
        if result is not None and registration is not None:
            # Only a password login registers a key (a stolen token cannot), and only
            # with a proof, checked above, over a challenge no login has used.
            challenges.spend(session, registration.nonce, registration.expires, utcnow())
            devices.register(session, result[2], registration.device_id, registration.public_key)
        return result

    try:
        result = write(db, work)
    except devices.KeyTakenError:
        # The login is refused as a whole (no token); the attempt is kept.
        assert registration is not None
        write(db, lambda s: _audit_key_taken(s, checked.username, registration))
        raise
    if result is None:  # the failed attempt is audited and committed
        raise ApiError(401, "bad_credentials", "Wrong username or password.")
    token, row, user = result
    return LoginOut(
        token=token,
        expires_at=row.expires_at.isoformat(),
        user=_user_out(user.username, user.role, user.unit_code, user.full_name),
        server_time=_now(),
        server_public_key=keys.public_text(cfg.server_key),
        server_signing_key=keys.signing_text(cfg.signing_key),
    )


def _audit_key_taken(session: Session, username: str, registration: _Registration) -> None:
    key = signing.fingerprint(registration.public_key)
    audit.record(session, username, "device.key_taken", registration.device_id, key=key)


@router.post("/auth/logout", response_model=OkOut, tags=["session"])
def logout(caller: PrincipalDep, db: DbDep) -> OkOut:
    write(db, lambda s: accounts.logout(s, caller))
    return OkOut()


@router.get("/me", response_model=UserOut, tags=["session"])
def me(caller: PrincipalDep) -> UserOut:
    return _user_out(caller.username, caller.role, caller.unit_code, caller.full_name)
