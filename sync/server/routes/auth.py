"""Sign in (registering the device's key), sign out, who am I — and the
unauthenticated ping and server key."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dxdesk.clock import utcnow
from sync.protocol import LoginIn, LoginOut, OkOut, PingOut, ServerKeyOut, UserOut
from sync.server import accounts, devices, keys
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


@router.post("/auth/login", response_model=LoginOut, tags=["session"])
async def login(body: LoginIn, db: DbDep, cfg: ConfigDep, slots: PasswordSlotsDep) -> LoginOut:
    """The password is checked before the write transaction, a few logins at a time."""
    async with slots:
        checked = await run_in_threadpool(_check_password, db, body)
    return await run_in_threadpool(_login, db, cfg, body, checked)


def _check_password(db: Database, body: LoginIn) -> accounts.PasswordCheck:
    with db.read() as session:
        return accounts.check_password(session, body.username, body.password)


def _login(
    db: Database, cfg: ServerConfig, body: LoginIn, checked: accounts.PasswordCheck
) -> LoginOut:
    def work(session: Session) -> tuple[str, Token, User] | None:
        result = accounts.login(session, checked, cfg.token_ttl)
        if result is not None and body.device_id and body.device_public_key:
            # Only a password login registers a key: a stolen token cannot.
            devices.register(session, result[2], body.device_id, body.device_public_key)
        return result

    result = write(db, work)
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


@router.post("/auth/logout", response_model=OkOut, tags=["session"])
def logout(caller: PrincipalDep, db: DbDep) -> OkOut:
    write(db, lambda s: accounts.logout(s, caller))
    return OkOut()


@router.get("/me", response_model=UserOut, tags=["session"])
def me(caller: PrincipalDep) -> UserOut:
    return _user_out(caller.username, caller.role, caller.unit_code, caller.full_name)
