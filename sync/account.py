"""Who this profile logs in as, and the token that proves it.

The server address is a setting; the username and unit are facts kept in the
store; the token lives only in the token store (OS keyring or memory).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, func, select

from dxdesk import audit, local_state
from dxdesk.credentials import TokenStore, account_name
from dxdesk.errors import DxdeskError
from dxdesk.models import Report
from sync.protocol import LoginIn, LoginOut
from sync.transport import Transport

USERNAME = "account.username"
UNIT = "account.unit_code"
ROLE = "account.role"
FULL_NAME = "account.full_name"


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


def login(
    session: Session, transport: Transport, tokens: TokenStore, username: str, password: str
) -> LoginOut:
    """Log in and remember the token; one profile belongs to one user."""
    existing = current(session)
    if existing is not None and existing.username != username:
        has_reports = session.exec(select(func.count()).select_from(Report)).one()
        if has_reports:
            raise ProfileOwnedError(
                f"This profile holds reports of {existing.username}; log in as {username} "
                "with another profile (--home) so your data never mix."
            )
    credentials = LoginIn(username=username, password=password)
    out = transport.call("POST", "/auth/login", LoginOut, credentials, auth=False)
    tokens.put(account_name(transport.base_url, out.user.username), out.token)
    local_state.put(session, USERNAME, out.user.username)
    local_state.put(session, UNIT, out.user.unit_code)
    local_state.put(session, ROLE, out.user.role)
    local_state.put(session, FULL_NAME, out.user.full_name)
    audit.record(session, "login", out.user.username, out.user.username, server=transport.base_url)
    session.commit()
    transport.token = out.token
    return out


def token_for(session: Session, server_url: str, tokens: TokenStore) -> str | None:
    account = current(session)
    return tokens.get(account_name(server_url, account.username)) if account else None


def forget_token(session: Session, server_url: str, tokens: TokenStore) -> None:
    account = current(session)
    if account is not None:
        tokens.delete(account_name(server_url, account.username))
