"""Console sign-in: the API's accounts, lockout and tokens, carried in a cookie.

A console session *is* an API token (``auth_token``), with a short lifetime: the same
lockout, the same ``auth.login``/``auth.logout`` audit trail, and signing out or an
admin's ``revoke-tokens`` ends it server-side. The cookie is ``HttpOnly`` and
``SameSite=Strict``, and ``Secure`` whenever the browser reached us over TLS.

CSRF: every form carries a token derived from the session token (HMAC), so it needs
no storage and dies with the session. Before sign-in, a random cookie and the same
value in the form (double submit) protect the login form itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import os
import secrets
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from sync.server import accounts, audit, bodies
from sync.server.accounts import Principal
from sync.server.db import Database
from sync.server.errors import ApiError
from sync.server.reviews import REVIEWER_ROLES
from sync.server.routes.deps import write
from sync.server.tables import User

SESSION_COOKIE = bodies.CONSOLE_SESSION_COOKIE  # the body middleware reads it too
PRE_COOKIE = "dx_pre"  # the login form's double-submit CSRF value
LANG_COOKIE = "dx_lang"
SESSION_TTL = dt.timedelta(hours=8)  # a working day; the API's tokens last 30 days
# Comma-separated addresses of reverse proxies whose X-Forwarded-Proto is believed.
TRUSTED_PROXIES_ENV = "DXDESK_CONSOLE_TRUSTED_PROXIES"


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to: a token, or the reason there is none."""

    token: str | None = None
    refused_role: bool = False  # the right password, but an officer's account
    locked_minutes: int | None = None


def _trusted_proxies() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    raw = os.environ.get(TRUSTED_PROXIES_ENV, "")
    return [ipaddress.ip_network(part.strip()) for part in raw.split(",") if part.strip()]


def over_tls(request: Request) -> bool:
    """Did the browser use https? Directly, or via a proxy we were told to trust."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client is not None else None
    if peer is None:
        return False
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    if not any(address in net for net in _trusted_proxies()):
        return False
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded == "https"


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/console",
        httponly=True,
        samesite="strict",
        secure=over_tls(request),
    )


def sign_in(db: Database, username: str, password: str, ttl: dt.timedelta) -> SignIn:
    try:
        with db.read() as session:
            checked = accounts.check_password(session, username, password)
            user = session.get(User, checked.user_id) if checked.user_id is not None else None
            role = user.role if user is not None else None
    except ApiError as exc:  # the lockout
        seconds = int(exc.headers.get("Retry-After", "60"))
        return SignIn(locked_minutes=seconds // 60 + 1)
    if role is not None and role not in REVIEWER_ROLES:
        write(db, lambda s: audit.record(s, checked.username, "console.refused_role"))
        return SignIn(refused_role=True)
    try:
        result = write(db, lambda s: accounts.login(s, checked, ttl))
    except ApiError as exc:
        seconds = int(exc.headers.get("Retry-After", "60"))
        return SignIn(locked_minutes=seconds // 60 + 1)
    if result is None:
        return SignIn()
    return SignIn(token=result[0])


def current(db: Database, request: Request) -> Principal | None:
    """The signed-in reviewer or admin, or None (no cookie, expired, revoked)."""
    return principal_of(db, request.cookies.get(SESSION_COOKIE))


def principal_of(db: Database, token: str | None) -> Principal | None:
    """The reviewer or admin a session token stands for, or None."""
    if not token or len(token) > 100:
        return None
    try:
        with db.read() as session:
            principal = accounts.authenticate(session, token)
    except ApiError:
        return None
    # A role changed since sign-in (or an officer's API token pasted in as a cookie).
    return principal if principal.role in REVIEWER_ROLES else None


def sign_out(db: Database, principal: Principal) -> None:
    write(db, lambda s: accounts.logout(s, principal))


def csrf_token(request: Request) -> str:
    """The token every form of this session carries."""
    session_token = request.cookies.get(SESSION_COOKIE, "")
    if session_token:
        return csrf_for(session_token)
    return request.cookies.get(PRE_COOKIE, "")


def csrf_for(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"dxdesk-console-csrf", hashlib.sha256).hexdigest()


def new_pre_token() -> str:
    return secrets.token_urlsafe(24)


def pre_csrf_ok(request: Request, submitted: str) -> bool:
    """The login form's double-submit check (there is no session yet)."""
    expected = request.cookies.get(PRE_COOKIE, "")
    return bool(expected) and hmac.compare_digest(expected.encode(), submitted.encode())


def csrf_ok(request: Request, submitted: str) -> bool:
    expected = csrf_token(request)
    return bool(expected) and hmac.compare_digest(expected.encode(), submitted.encode())
