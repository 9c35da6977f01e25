"""Units, users and their tokens: what the CLI administers and the API authenticates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from dxdesk.clock import utcnow
from dxdesk.text import clean, escaped, first_control
from sync.server import audit, tasks
from sync.server.errors import ApiError
from sync.server.scope import ROLES, Scope
from sync.server.security import hash_password, new_token, token_hash, verify_password
from sync.server.tables import AuditEvent, Token, Unit, User

LEVELS = ("central", "province", "commune", "ward", "special_zone", "district", "agency")


class AdminError(Exception):
    """A command-line administration request that cannot be done, and why."""


def _plain(what: str, value: str) -> None:
    # Names are shown in terminals and on devices: controls there are obeyed.
    control = first_control(value)
    if control is not None:
        raise AdminError(f"{what} must not contain control characters (found {escaped(control)})")


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of a request."""

    user_id: int
    username: str
    role: str
    unit_code: str
    full_name: str
    token_hash: str

    def scope(self, session: Session) -> Scope:
        return Scope.of(session, self.role, self.unit_code)


def add_unit(
    session: Session, code: str, name: str, parent: str | None = None, level: str = "commune"
) -> Unit:
    code = code.strip()
    if not code or len(code) > 64 or any(ch.isspace() for ch in code):
        raise AdminError(f"unit code {code!r} must be 1-64 characters without spaces")
    _plain("the unit code", code)
    _plain("the unit name", name)
    if level not in LEVELS:
        raise AdminError(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")
    if parent is not None and session.get(Unit, parent) is None:
        raise AdminError(f"parent unit {parent!r} does not exist")
    if parent == code:
        raise AdminError("a unit cannot be its own parent")
    unit = session.get(Unit, code)
    moved = unit is not None and (unit.parent_code, unit.level) != (parent, level)
    unit = unit or Unit(code=code)
    unit.name, unit.parent_code, unit.level = clean(name), parent, level
    session.add(unit)
    session.flush()
    if moved:  # its tasks' codes may now belong to another province
        try:
            tasks.renamespace(session)
        except tasks.TaskError as exc:
            raise AdminError(str(exc)) from exc
    return unit


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    unit_code: str,
    full_name: str = "",
    replace: bool = False,
) -> User:
    username = username.strip()
    if not username or len(username) > 150 or any(ch.isspace() for ch in username):
        raise AdminError(f"username {username!r} must be 1-150 characters without spaces")
    _plain("the username", username)
    _plain("the full name", full_name)
    if role not in ROLES:
        raise AdminError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if session.get(Unit, unit_code) is None:
        raise AdminError(f"unit {unit_code!r} does not exist; add it with 'unit add' first")
    if len(password) < 8:
        raise AdminError("the password must have at least 8 characters")
    user = session.scalar(select(User).where(User.username == username))
    if user is not None and not replace:
        raise AdminError(f"user {username!r} already exists")
    if user is None:
        user = User(username=username, created_at=utcnow())
    user.password_hash = hash_password(password)
    user.role, user.unit_code, user.full_name = role, unit_code, clean(full_name)
    session.add(user)
    session.flush()
    audit.record(session, "admin", "user.add", username, role=role, unit=unit_code)
    return user


def revoke_tokens(session: Session, username: str) -> int:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AdminError(f"no user {username!r}")
    result = session.execute(
        update(Token)
        .where(Token.user_id == user.id, Token.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    audit.record(session, "admin", "user.revoke_tokens", username)
    return int(getattr(result, "rowcount", 0) or 0)


# Password guessing: after this many wrong passwords within the window (counted
# since the last good login), the account refuses logins, right or wrong, until
# the window has passed. Argon2 already makes each guess cost ~0.1 s of CPU.
MAX_FAILED_LOGINS = 5
LOCKOUT_WINDOW = dt.timedelta(minutes=15)


def _check_lockout(session: Session, username: str) -> None:
    now = utcnow()
    since = now - LOCKOUT_WINDOW
    last_good = session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.actor == username, AuditEvent.action == "auth.login"
        )
    )
    if last_good is not None and last_good > since:
        since = last_good
    failures = session.scalars(
        select(AuditEvent.at)
        .where(AuditEvent.actor == username, AuditEvent.action == "auth.login_failed")
        .where(AuditEvent.at > since)
        .order_by(AuditEvent.at)
    ).all()
    if len(failures) >= MAX_FAILED_LOGINS:
        unlock = failures[-MAX_FAILED_LOGINS] + LOCKOUT_WINDOW
        wait = max(1, int((unlock - now).total_seconds()))
        raise ApiError(
            429,
            "too_many_attempts",
            f"Too many wrong passwords for this account; try again in {wait // 60 + 1} minutes.",
            headers={"Retry-After": str(wait)},
        )


@dataclass(frozen=True)
class PasswordCheck:
    """A password checked outside the write transaction (Argon2 takes ~0.1 s of CPU)."""

    username: str  # as typed, trimmed
    user_id: int | None  # None: no such user, or the wrong password
    password_hash: str | None  # the hash it matched, to notice a change since


def check_password(session: Session, username: str, password: str) -> PasswordCheck:
    name = username.strip()[:150]
    _check_lockout(session, name)
    user = session.scalar(select(User).where(User.username == name))
    stored = user.password_hash if user is not None else None
    if user is None or not verify_password(stored, password):
        return PasswordCheck(name, None, None)
    return PasswordCheck(name, user.id, stored)


def login(
    session: Session, checked: PasswordCheck, ttl: dt.timedelta
) -> tuple[str, Token, User] | None:
    """A new token, or None (after auditing the attempt) when the login is wrong.

    In the write transaction, the lockout is checked again: guesses whose passwords
    were checked at the same time are counted here one after another, so a burst
    of them is refused after the fifth failure just as a sequence is."""
    # The account's row is locked first: PostgreSQL runs write transactions side by
    # side, and the failures counted next must include those of every earlier login.
    user = session.scalar(select(User).where(User.username == checked.username).with_for_update())
    _check_lockout(session, checked.username)
    if user is None or user.id != checked.user_id or user.password_hash != checked.password_hash:
        audit.record(session, checked.username, "auth.login_failed")
        return None
    token = new_token()
    now = utcnow()
    row = Token(token_hash=token_hash(token), user_id=user.id, created_at=now, expires_at=now + ttl)
    session.add(row)
    audit.record(session, user.username, "auth.login")
    return token, row, user


# Built once: every request authenticates, and building a statement costs more
# than running it.
_TOKEN_LOOKUP = (
    select(
        Token.revoked_at,
        Token.expires_at,
        User.id,
        User.username,
        User.role,
        User.unit_code,
        User.full_name,
    )
    .join(User, User.id == Token.user_id)
    .where(Token.token_hash == bindparam("hashed"))
)


def require_bearer(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header, or a 401."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "auth_required",
            "Sign in first: send 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return token.strip()


def authenticate(session: Session, token: str) -> Principal:
    hashed = token_hash(token)
    found = session.connection().execute(_TOKEN_LOOKUP, {"hashed": hashed}).first()
    if found is None or found.revoked_at is not None:
        raise ApiError(
            401,
            "token_invalid",
            "Your session is not valid (signed out or revoked); sign in again.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if found.expires_at <= utcnow():
        raise ApiError(
            401,
            "token_expired",
            "Your session has expired; sign in again.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Principal(found.id, found.username, found.role, found.unit_code, found.full_name, hashed)


def logout(session: Session, principal: Principal) -> None:
    session.execute(
        update(Token).where(Token.token_hash == principal.token_hash).values(revoked_at=utcnow())
    )
    audit.record(session, principal.username, "auth.logout")
