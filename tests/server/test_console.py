"""The reviewer console over real HTTP against a real server (SQLite and PostgreSQL):
sign-in and sessions, CSRF, headers, language, unit isolation, the overview's
figures, the inbox, one report, its review reaching the officer's next sync."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from starlette.requests import Request

from dxdesk.clock import utcnow
from sync.server import accounts
from sync.server.console import sessions
from sync.server.db import Database
from sync.server.tables import AuditEvent, Report, Token
from tests.server.conftest import PASSWORD, World, report_body
from tests.support.console import ConsoleClient, csrf_of


@pytest.fixture
def reviewer(world: World) -> Iterator[ConsoleClient]:
    client = ConsoleClient(world.server.base)
    signed = client.login(world.usernames["rv"], PASSWORD)
    assert signed.status_code == 200 and signed.url.endswith("/console/overview"), signed.text
    yield client
    client.close()


def _other_province(world: World, server_db: Database) -> tuple[str, str]:
    """A second province with a reviewer: (its reviewer's username, a commune's code)."""
    code = f"Q{world.prefix}"
    with server_db.write() as session:
        accounts.add_unit(session, code, "Tỉnh Khác", None, "province")
        accounts.add_unit(session, f"{code}-X", "Xã Khác", code, "commune")
        accounts.add_user(session, username=f"rv2.{world.prefix.lower()}", password=PASSWORD,
                          role="reviewer", unit_code=code)  # fmt: skip
    return f"rv2.{world.prefix.lower()}", f"{code}-X"


def _main(html: str) -> str:
    return html.split('<main id="main">', 1)[1]


def _events(server_db: Database, actor: str, action: str) -> list[AuditEvent]:
    with server_db.read() as session:
        query = select(AuditEvent).where(AuditEvent.actor == actor, AuditEvent.action == action)
        return list(session.scalars(query))


# ---------------------------------------------------------------- slice 1: sessions


def test_sign_in_sets_a_strict_http_only_cookie_and_strict_headers(world: World) -> None:
    client = ConsoleClient(world.server.base)
    page = client.get("/overview")
    assert page.url.endswith("/console/login") and "Đăng nhập" in page.text  # Vietnamese
    for response in (page, client.login(world.usernames["rv"], PASSWORD)):
        headers = response.headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
    fresh = ConsoleClient(world.server.base)
    signed = fresh.http.post(
        fresh.url("/login"),
        data={"username": world.usernames["rv"], "password": PASSWORD,
              "csrf": csrf_of(fresh.get("/login").text)},
        allow_redirects=False, timeout=30,
    )  # fmt: skip
    assert signed.status_code == 303
    cookie = next(c for c in signed.raw.headers.getlist("Set-Cookie") if "dx_console=" in c)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http on loopback: a Secure cookie would be dropped
    token = cookie.split("dx_console=", 1)[1].split(";", 1)[0]
    assert token not in signed.headers.get("Location", "")


def test_the_login_form_needs_its_csrf_value_and_wrong_passwords_lock(
    world: World, server_db: Database
) -> None:
    client = ConsoleClient(world.server.base)
    forged = client.post("/login", {"username": world.usernames["rv"], "password": PASSWORD})
    assert forged.status_code == 400 and "dx_console" not in client.http.cookies
    assert "hết hạn" in forged.text  # "the form has expired": named, not a 500
    name = f"lock.{uuid.uuid4().hex[:6]}"
    with server_db.write() as session:
        accounts.add_user(session, username=name, password=PASSWORD, role="reviewer",
                          unit_code=world.province)  # fmt: skip
    for _ in range(accounts.MAX_FAILED_LOGINS):
        wrong = client.login(name, "not-the-password")
        assert wrong.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in wrong.text
    locked = client.login(name, PASSWORD)  # right password, but locked out
    assert locked.status_code == 429 and "thử lại sau" in locked.text
    assert "dx_console" not in client.http.cookies
    assert len(_events(server_db, name, "auth.login_failed")) == accounts.MAX_FAILED_LOGINS


def test_officers_are_refused_with_a_page_that_sends_them_to_the_desktop_app(
    world: World, server_db: Database
) -> None:
    client = ConsoleClient(world.server.base)
    refused = client.login(world.usernames["oa"], PASSWORD)
    assert refused.status_code == 403
    assert "ứng dụng dxdesk" in refused.text and "dx_console" not in client.http.cookies
    assert _events(server_db, world.usernames["oa"], "console.refused_role")


def test_sign_out_and_expiry_end_the_session(world: World, server_db: Database) -> None:
    client = ConsoleClient(world.server.base)
    assert client.login(world.usernames["rv"], PASSWORD).status_code == 200
    assert _events(server_db, world.usernames["rv"], "auth.login")
    cookie = client.http.cookies["dx_console"]
    out = client.submit("/overview", "/logout")
    assert out.url.endswith("/console/login")
    assert _events(server_db, world.usernames["rv"], "auth.logout")
    client.http.cookies.set("dx_console", cookie, path="/console")  # replayed
    assert client.get("/overview").url.endswith("/console/login")

    client.http.cookies.clear()
    assert client.login(world.usernames["rv"], PASSWORD).status_code == 200
    assert client.get("/overview").url.endswith("/console/overview")
    hashed = hashlib.sha256(client.http.cookies["dx_console"].encode()).hexdigest()
    with server_db.write() as session:  # the clock moves past the session's end
        row = session.get(Token, hashed)
        assert row is not None
        assert row.expires_at - row.created_at <= sessions.SESSION_TTL
        row.expires_at = utcnow() - dt.timedelta(seconds=1)
    assert client.get("/overview").url.endswith("/console/login")


def test_posts_without_the_sessions_csrf_token_change_nothing(
    world: World, reviewer: ConsoleClient, server_db: Database
) -> None:
    body = report_body(world.tasks_a[0])
    world.officer_a.sync(reports=[body])
    forged = reviewer.post(
        f"/reports/{body['id']}/review", {"action": "return", "comment": "x", "csrf": "guess"}
    )
    assert forged.status_code == 400
    with server_db.read() as session:
        assert session.get(Report, body["id"]).review_state is None  # type: ignore[union-attr]
    assert reviewer.post("/logout", {}).status_code == 400
    assert reviewer.get("/overview").url.endswith("/console/overview")  # still signed in


def test_english_is_a_switch_away(world: World, reviewer: ConsoleClient) -> None:
    assert "Tổng quan" in reviewer.get("/overview").text
    switched = reviewer.get("/lang/en", params={"next": "/console/reports"})
    assert switched.url.endswith("/console/reports") and "Progress reports" in switched.text
    assert "Overview" in reviewer.get("/overview").text
    elsewhere = reviewer.get("/lang/vi", params={"next": "https://evil.example/"})
    assert elsewhere.url.endswith("/console/overview") and "Tổng quan" in elsewhere.text


def test_secure_cookies_behind_a_trusted_tls_proxy_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def request(peer: str, proto: str | None) -> Request:
        headers = [(b"x-forwarded-proto", proto.encode())] if proto else []
        return Request({"type": "http", "scheme": "http", "path": "/console/login",
                        "headers": headers, "client": (peer, 5000), "server": ("x", 80),
                        "query_string": b""})  # fmt: skip

    monkeypatch.delenv(sessions.TRUSTED_PROXIES_ENV, raising=False)
    assert not sessions.over_tls(request("10.0.0.5", "https"))  # nobody is trusted
    monkeypatch.setenv(sessions.TRUSTED_PROXIES_ENV, "10.0.0.5, 192.168.1.0/24")
    assert sessions.over_tls(request("10.0.0.5", "https"))
    assert sessions.over_tls(request("192.168.1.7", "https"))
    assert not sessions.over_tls(request("10.0.0.6", "https"))  # not the proxy
    assert not sessions.over_tls(request("10.0.0.5", "http"))


def test_other_units_are_404_by_every_url(
    world: World, reviewer: ConsoleClient, server_db: Database
) -> None:
    body = report_body(world.tasks_a[0])
    world.officer_a.sync(reports=[body])
    other_reviewer, other_commune = _other_province(world, server_db)
    stranger = ConsoleClient(world.server.base)
    assert stranger.login(other_reviewer, PASSWORD).status_code == 200
    missing = stranger.get(f"/reports/{uuid.uuid4()}")
    for path in (
        f"/reports/{body['id']}",
        f"/reports/{body['id']}/files/{uuid.uuid4().hex}",
        f"/overview?unit={world.unit_a}",
        f"/reports?unit={world.unit_a}",
    ):
        seen = stranger.get(path)
        assert seen.status_code == 404, path
        assert _main(seen.text) == _main(missing.text)  # exists or not: the same page
    opened = stranger.submit("/overview", f"/reports/{body['id']}/open")
    assert opened.status_code == 404
    returned = stranger.submit(
        "/overview", f"/reports/{body['id']}/review", action="return", comment="x"
    )
    assert returned.status_code == 404
    assert reviewer.get(f"/overview?unit={other_commune}").status_code == 404
    listed = stranger.get("/reports").text  # not listed either
    assert body["id"] not in listed and world.unit_a not in listed
