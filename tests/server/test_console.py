"""The reviewer console over real HTTP against a real server (SQLite and PostgreSQL):
sign-in and sessions, CSRF, headers, language, unit isolation, the overview's
figures, the inbox, one report, its review reaching the officer's next sync."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import html as html_lib
import io
import re
import uuid
from collections.abc import Iterator

import openpyxl
import pytest
import requests
from sqlalchemy import select
from starlette.requests import Request

from dxdesk.clock import VIETNAM_TZ, utcnow
from sync.server import accounts, tasks
from sync.server.console import export, inbox, overview, sessions
from sync.server.db import Database
from sync.server.tables import AuditEvent, Report, Task, Token
from tests.server.conftest import PASSWORD, World, report_body, seed_task
from tests.support.console import ConsoleClient, attribute_of, csrf_of, element
from tests.support.device import seal


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


def test_a_stale_or_expired_review_form_gives_the_comment_back(
    world: World, reviewer: ConsoleClient, server_db: Database
) -> None:
    body = report_body(world.tasks_a[0])
    world.officer_a.sync(reports=[body])
    path = f"/reports/{body['id']}"
    stale = csrf_of(reviewer.get(path).text)
    words = "Đề nghị bổ sung <biên bản> nghiệm thu & ảnh hiện trường"
    typed = {"action": "return", "comment": words}
    # Signed in again elsewhere: the page's token belongs to the old session.
    reviewer.http.cookies.clear()
    assert reviewer.login(world.usernames["rv"], PASSWORD).status_code == 200
    again = reviewer.post(f"{path}/review", {**typed, "csrf": stale})
    assert again.status_code == 400 and "Phiên làm việc đã hết hạn" in again.text
    form = element(again.text, "id", "comment", tag="textarea")
    assert "Đề nghị bổ sung &lt;biên bản&gt; nghiệm thu &amp; ảnh hiện trường" in form
    resent = reviewer.post(f"{path}/review", {**typed, "csrf": csrf_of(again.text)})
    assert resent.status_code == 200
    with server_db.read() as session:
        returned = session.get(Report, body["id"])
        assert returned is not None and returned.review_comment == words

    other = report_body(world.tasks_a[0])
    world.officer_a.sync(reports=[other])
    token = csrf_of(reviewer.get(f"/reports/{other['id']}").text)
    hashed = hashlib.sha256(reviewer.http.cookies["dx_console"].encode()).hexdigest()
    with server_db.write() as session:  # the session ends while the comment is typed
        row = session.get(Token, hashed)
        assert row is not None
        row.expires_at = utcnow() - dt.timedelta(seconds=1)
    lost = reviewer.post(f"/reports/{other['id']}/review", {**typed, "csrf": token})
    assert lost.status_code == 401 and "đăng nhập lại" in lost.text
    kept = element(lost.text, "id", "kept", tag="textarea")
    assert "Đề nghị bổ sung &lt;biên bản&gt; nghiệm thu &amp; ảnh hiện trường" in kept
    with server_db.read() as session:
        assert session.get(Report, other["id"]).review_state is None  # type: ignore[union-attr]


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


# ---------------------------------------------------------------- slice 2: overview


def test_overview_counts_the_four_categories_and_drills_down_to_tasks(
    world: World, reviewer: ConsoleClient, server_db: Database
) -> None:
    today = tasks.today()
    p = world.prefix
    late = seed_task(server_db, f"{p}-LATE", world.unit_a, deadline=today - dt.timedelta(days=5),
                     indicators=[{"code": "HS", "name": "Hồ sơ số hoá", "unit": "hồ sơ",
                                  "target": 1200}])  # fmt: skip
    done_late = seed_task(server_db, f"{p}-DL", world.unit_a, deadline=today - dt.timedelta(3))
    done_ok = seed_task(server_db, f"{p}-DOK", world.unit_b, deadline=today,
                        indicators=[{"code": "HS", "name": "Hồ sơ số hoá", "unit": "hồ sơ",
                                     "target": 800}])  # fmt: skip
    with server_db.write() as session:
        for task_id, on in ((done_late, today - dt.timedelta(1)), (done_ok, today)):
            task = session.get(Task, task_id)
            assert task is not None
            tasks.complete(session, task, on, "test")
    # Unit A has reported (an indicator value); unit B never has.
    world.officer_a.sync(reports=[report_body(late, indicator_values={"HS": 480})])

    page = reviewer.get("/overview").text
    row_a = element(page, "data-unit", world.unit_a)
    row_b = element(page, "data-unit", world.unit_b)
    # A: two open tasks without deadline + one overdue + one done late; B: one + one on time.
    assert _count(row_a, "in_progress_on_time") == 2
    assert _count(row_a, "in_progress_overdue") == 1
    assert _count(row_a, "done_late") == 1
    assert _count(row_b, "done_on_time") == 1 and _count(row_b, "in_progress_on_time") == 1
    assert "(25%)" in row_a  # shares of the unit's tasks
    overdue = element(page, "data-overdue", f"{p}-LATE")
    assert attribute_of(overdue, "data-days") == "5"
    silent = element(page, "data-silent", world.unit_b)
    assert "Chưa từng báo cáo" in silent
    assert f'data-silent="{world.unit_a}"' not in page
    indicator = element(page, "data-indicator", "HS")
    assert float(attribute_of(indicator, "data-target")) == 2000.0
    assert float(attribute_of(indicator, "data-reached")) == 480.0
    this_week = overview.week_start(today).isoformat()
    assert int(attribute_of(element(page, "data-week", this_week, "g"), "data-count")) >= 1

    commune = reviewer.get(f"/overview?unit={world.unit_a}").text  # drill down
    task_row = element(commune, "data-task", f"{p}-LATE")
    assert "Chưa hoàn thành – quá hạn" in task_row and "(quá 5 ngày)" in task_row
    assert world.unit_b not in commune.split('<main id="main">')[1].split("h-weeks")[0]

    zero = reviewer.get("/overview?days=0")  # named, not a 500
    assert zero.status_code == 400 and "Số ngày phải từ 1 đến 3650" in zero.text


def _count(row: str, category: str) -> int:
    cell = element(row, "data-cat", category, "td")
    return int(cell.split(">", 1)[1].split(" ", 1)[0].strip())


# ---------------------------------------------------------------- slice 3: inbox, review


def test_inbox_lists_newest_first_filters_and_pages_by_keyset(
    world: World, reviewer: ConsoleClient, server_db: Database
) -> None:
    bodies = [report_body(world.tasks_a[0], progress=n, results=f"Lần {n}") for n in range(55)]
    world.officer_a.sync(reports=bodies[:30])
    world.officer_a.sync(reports=bodies[30:])
    b_body = report_body(world.tasks_b[0], results="Đã hoàn thành khảo sát")
    world.officer_b.sync(reports=[b_body])

    first = reviewer.get(f"/reports?unit={world.province}").text
    ids = _report_ids(first)
    assert len(ids) == inbox.PAGE and ids[0] == b_body["id"]  # the newest first
    next_link = attribute_of(element(first, "rel", "next", "a"), "href").replace("&amp;", "&")
    second = _report_ids(reviewer.get(next_link.removeprefix("/console")).text)
    assert not set(ids) & set(second)
    assert set(ids) | set(second) == {b["id"] for b in bodies} | {b_body["id"]}

    with server_db.write() as session:
        task = session.get(Task, world.tasks_b[0])
        assert task is not None
        tasks.patch(session, task, {"title": "Khảo sát phủ sóng di động"}, "test")
    searched = reviewer.get("/reports", params={"q": "khao SAT phu"}).text  # no accents
    assert _report_ids(searched) == [b_body["id"]]
    by_task = reviewer.get("/reports", params={"task": f"{world.prefix}-B0"}).text
    assert _report_ids(by_task) == [b_body["id"]]
    tomorrow = (dt.datetime.now(VIETNAM_TZ).date() + dt.timedelta(days=1)).isoformat()
    assert _report_ids(reviewer.get("/reports", params={"from": tomorrow}).text) == []
    bad = reviewer.get("/reports", params={"from": "31/02/2026"})
    assert bad.status_code == 400 and "Ngày không hợp lệ: 31/02/2026" in bad.text
    forged = reviewer.get("/reports", params={"after": "not-a-cursor"})
    assert forged.status_code == 400 and "Liên kết trang không hợp lệ" in forged.text


def test_the_inbox_search_finds_report_words_without_diacritics_but_never_sealed_words(
    world: World, reviewer: ConsoleClient, server_db: Database
) -> None:
    plain = report_body(world.tasks_a[0], results="Lắp đặt", difficulties="Thiếu kinh phí",
                        proposals="Đề nghị tỉnh hỗ trợ 50% máy chủ")  # fmt: skip
    other = report_body(world.tasks_a[0], results="Khác hẳn")
    assert world.officer_a.server_public_key is not None
    device_sealed = seal(report_body(world.tasks_a[0], difficulties="Thiếu kinh phí mật"),
                         world.officer_a.server_public_key)  # fmt: skip
    server_sealed = report_body(world.tasks_a[0], difficulties="Thiếu kinh phí mật",
                                classification="secret")  # fmt: skip
    world.officer_a.sync(reports=[plain, other, device_sealed, server_sealed])

    for query in ("thieu KINH phi", "đề nghị 50%", "ho tro may"):
        found = reviewer.get("/reports", params={"q": query}).text
        assert _report_ids(found) == [plain["id"]], query
    assert _report_ids(reviewer.get("/reports", params={"q": "50_"}).text) == []  # no wildcard
    assert _report_ids(reviewer.get("/reports", params={"q": "kinh phi mat"}).text) == []
    with server_db.read() as session:
        words = {r.id: r.search_words for r in session.scalars(select(Report))}
    assert words[plain["id"]] == "lap dat thieu kinh phi de nghi tinh ho tro 50% may chu"
    assert words[device_sealed["id"]] is None and words[server_sealed["id"]] is None


def _report_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-report="([^"]+)"', html)


def test_return_with_a_comment_reaches_the_officers_next_sync(
    world: World, reviewer: ConsoleClient, server_db: Database
) -> None:
    cursor = world.officer_a.sync()["cursor"]
    body = report_body(world.tasks_a[0], progress=70, results="Đã số hoá <b>480</b> hồ sơ")
    world.officer_a.sync(reports=[body])
    page = reviewer.get(f"/reports/{body['id']}")
    assert page.status_code == 200
    assert "Đã số hoá &lt;b&gt;480&lt;/b&gt; hồ sơ" in page.text
    assert "Hợp lệ" in page.text  # the device's signature checks out
    assert world.officer_a.device is not None and world.officer_a.device.device_id in page.text

    empty = reviewer.submit(f"/reports/{body['id']}", f"/reports/{body['id']}/review",
                            action="return", comment="   ")  # fmt: skip
    assert empty.status_code == 422 and "Cần ghi ý kiến khi trả lại" in empty.text
    with server_db.read() as session:
        assert session.get(Report, body["id"]).review_state is None  # type: ignore[union-attr]

    done = reviewer.submit(f"/reports/{body['id']}", f"/reports/{body['id']}/review",
                           action="return", comment="Bổ sung biên bản nghiệm thu")  # fmt: skip
    assert done.status_code == 200 and "Bổ sung biên bản nghiệm thu" in done.text
    pulled = world.officer_a.sync(cursor=cursor)
    assert [(r["report_id"], r["state"], r["comment"]) for r in pulled["reviews"]] == [
        (body["id"], "returned", "Bổ sung biên bản nghiệm thu")
    ]
    assert _events(server_db, world.usernames["rv"], "report.returned")


def test_a_classified_report_shows_no_words_until_opened_and_the_opening_is_audited(
    world: World, reviewer: ConsoleClient, server_db: Database
) -> None:
    assert world.officer_a.server_public_key is not None
    secret = seal(report_body(world.tasks_a[0], results="Số liệu mật 9731"),
                  world.officer_a.server_public_key)  # fmt: skip
    world.officer_a.sync(reports=[secret])
    listed = reviewer.get("/reports").text
    assert secret["id"] in listed and "9731" not in listed
    page = reviewer.get(f"/reports/{secret['id']}").text
    assert "9731" not in page and "nội dung được ẩn" in page
    assert not _events(server_db, world.usernames["rv"], "report.unseal")
    opened = reviewer.submit(f"/reports/{secret['id']}", f"/reports/{secret['id']}/open")
    assert opened.status_code == 200 and "Số liệu mật 9731" in opened.text
    assert _events(server_db, world.usernames["rv"], "report.unseal")


def test_attachments_download_as_files_never_inline(world: World, reviewer: ConsoleClient) -> None:
    data = b"<html><script>alert(1)</script></html>"
    sha = hashlib.sha256(data).hexdigest()
    attachment = {"id": uuid.uuid4().hex[:16], "sha256": sha, "size": len(data),
                  "file_name": "biên bản <x>.html", "mime_type": "text/html"}  # fmt: skip
    body = report_body(world.tasks_a[0], attachments=[attachment])
    world.officer_a.sync(reports=[body])
    put = world.officer_a.put(f"/blobs/{sha}", data, params={"offset": 0, "size": len(data)})
    assert put.status_code == 200, put.text
    page = reviewer.get(f"/reports/{body['id']}").text
    assert "biên bản &lt;x&gt;.html" in page
    got = reviewer.get(f"/reports/{body['id']}/files/{attachment['id']}")
    assert got.status_code == 200 and got.content == data
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert "bi%C3%AAn%20b%E1%BA%A3n%20%3Cx%3E.html" in got.headers["Content-Disposition"]
    assert got.headers["Content-Security-Policy"].startswith("sandbox")
    assert got.headers["X-Content-Type-Options"] == "nosniff"


# ---------------------------------------------------------------- slice 5: export


def test_the_tracking_table_exports_as_xlsx_and_csv_with_formulas_neutralised(
    world: World, reviewer: ConsoleClient, server_db: Database
) -> None:
    today = tasks.today()
    code = f"{world.prefix}-X"
    task_id = seed_task(server_db, code, world.unit_a, deadline=today - dt.timedelta(days=2),
                        doc_number="17-KH/BCĐ", doc_date=dt.date(2026, 1, 31))  # fmt: skip
    with server_db.write() as session:
        task = session.get(Task, task_id)
        assert task is not None
        tasks.patch(session, task, {"title": '=HYPERLINK("http://x","y")'}, "test")
    body = report_body(task_id, progress=40, results="@SUM(1+1)", difficulties="Mất điện")
    world.officer_a.sync(reports=[body])

    got = reviewer.get("/export.xlsx")
    assert got.status_code == 200
    assert got.headers["Content-Disposition"].startswith("attachment;")
    sheet = openpyxl.load_workbook(io.BytesIO(got.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == export.HEADERS_VI
    by_code = {row[1]: row for row in rows[2:]}
    assert set(by_code) == {f"{world.prefix}-A0", f"{world.prefix}-A1", f"{world.prefix}-B0", code}
    row = by_code[code]
    assert row[2] == '\'=HYPERLINK("http://x","y")'  # text, not a formula
    assert row[3] == "17-KH/BCĐ, ngày 31/01/2026"
    assert row[4] == "Xã A"
    assert row[5] == dt.datetime.combine(today - dt.timedelta(days=2), dt.time())
    assert row[6] == 40
    assert row[7] == "Chưa hoàn thành – quá hạn"
    assert (row[8], row[9]) == ("'@SUM(1+1)", "Mất điện")
    assert row[10] is not None
    assert [r[0] for r in rows[2:]] == list(range(1, len(rows) - 1))  # STT

    text = reviewer.get("/export.csv", params={"unit": world.unit_a}).content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == list(export.HEADERS_VI)
    assert {r[1] for r in table[1:]} == {f"{world.prefix}-A0", f"{world.prefix}-A1", code}
    line = next(r for r in table[1:] if r[1] == code)
    assert line[2].startswith("'=") and line[8] == "'@SUM(1+1)"
    assert reviewer.get("/export.xlsx", params={"unit": "NO-SUCH"}).status_code == 404


# ---------------------------------------------------------------- slice 5: tasks


def test_a_task_is_created_and_completed_from_the_page_and_bad_input_is_named(
    world: World, reviewer: ConsoleClient, server_db: Database
) -> None:
    code = f"{world.prefix}-NEW"
    fields = {"code": code, "title": "Lắp camera <giám sát>", "unit_code": world.unit_b,
              "deadline": "31/12/2026", "doc_number": "05/KH-UBND"}  # fmt: skip
    bad = reviewer.submit("/tasks", "/tasks", **{**fields, "deadline": "32/12/2026"})
    assert bad.status_code == 422 and "Ngày không hợp lệ: 32/12/2026" in bad.text
    assert 'value="Lắp camera &lt;giám sát&gt;"' in bad.text  # the form comes back filled
    other_reviewer, other_commune = _other_province(world, server_db)
    foreign = reviewer.submit("/tasks", "/tasks", **{**fields, "unit_code": other_commune})
    assert foreign.status_code == 422 and "đơn vị mình phụ trách" in foreign.text
    with server_db.read() as session:
        assert session.scalar(select(Task).where(Task.code == code)) is None

    made = reviewer.submit("/tasks", "/tasks", **fields)
    assert made.status_code == 200
    row = element(made.text, "data-task", code)
    assert "Lắp camera &lt;giám sát&gt;" in row and "31/12/2026" in row
    with server_db.read() as session:
        task = session.scalar(select(Task).where(Task.code == code))
        assert task is not None and task.unit_code == world.unit_b
    done = reviewer.submit("/tasks", f"/tasks/{task.id}/complete")
    assert "Đã hoàn thành – đúng hạn" in element(done.text, "data-task", code)
    stranger = ConsoleClient(world.server.base)
    assert stranger.login(other_reviewer, PASSWORD).status_code == 200
    assert stranger.submit("/tasks", f"/tasks/{task.id}/complete").status_code == 404


def _upload(client: ConsoleClient, name: str, content: bytes) -> requests.Response:
    page = client.get("/tasks")
    return client.http.post(
        client.url("/tasks/import"),
        data={"csrf": csrf_of(page.text)},
        files={"sheet": (name, content)},
        timeout=60,
    )


def test_a_sheet_with_bad_rows_lists_them_and_imports_nothing(
    world: World, reviewer: ConsoleClient, server_db: Database
) -> None:
    _other, other_commune = _other_province(world, server_db)
    p = world.prefix
    sheet = (
        "Mã;Tên nhiệm vụ;Đơn vị;Thời hạn\n"
        f"{p}-C1;Rà soát hồ sơ;{world.unit_a};15/01/2027\n"
        f"{p}-C2;Thiếu thời hạn;{world.unit_a};\n"
        f"{p}-C3;Đơn vị tỉnh khác;{other_commune};15/01/2027\n"
        f"{p}-C4;Ngày sai;{world.unit_b};31/02/2027\n"
    )
    refused = _upload(reviewer, "nhiem-vu.csv", ("\ufeff" + sheet).encode())
    assert refused.status_code == 422
    for number in (3, 4, 5):
        assert f"row {number}:" in refused.text
    assert "row 2:" not in refused.text
    with server_db.read() as session:
        assert session.scalar(select(Task).where(Task.code == f"{p}-C1")) is None  # nothing

    good = "\n".join(sheet.splitlines()[:2]) + "\n"
    imported = _upload(reviewer, "nhiem-vu.csv", good.encode())
    assert imported.status_code == 200 and "Đã nhập: 1 nhiệm vụ mới" in imported.text

    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["Mã", "Tên nhiệm vụ", "Đơn vị", "Thời hạn"])
    ws.append([f"{p}-X1", "Từ Excel", world.unit_b, dt.datetime(2027, 3, 1)])
    buffer = io.BytesIO()
    book.save(buffer)
    from_xlsx = _upload(reviewer, "nhiem-vu.xlsx", buffer.getvalue())
    assert from_xlsx.status_code == 200, from_xlsx.text
    with server_db.read() as session:
        task = session.scalar(select(Task).where(Task.code == f"{p}-X1"))
        assert task is not None and task.deadline == dt.date(2027, 3, 1)
    junk = _upload(reviewer, "nhiem-vu.xlsx", b"not a workbook")
    assert junk.status_code == 422 and "Không đọc được tệp .xlsx" in junk.text
    wrong = _upload(reviewer, "nhiem-vu.pdf", b"%PDF")
    assert wrong.status_code == 422 and "Chỉ nhận tệp .csv hoặc .xlsx" in wrong.text


def test_a_task_is_edited_with_the_apis_checks_and_done_only_after_a_confirmation(
    world: World, reviewer: ConsoleClient, server_db: Database
) -> None:
    code = f"{world.prefix}-ED"
    made = reviewer.submit("/tasks", "/tasks", code=code, title="Cũ", unit_code=world.unit_b,
                           deadline="31/12/2026")  # fmt: skip
    assert made.status_code == 200
    with server_db.read() as session:
        task = session.scalar(select(Task).where(Task.code == code))
        assert task is not None
        version = task.version
    page = reviewer.get(f"/tasks/{task.id}/edit")
    assert page.status_code == 200 and 'value="31/12/2026"' in page.text
    assert f'href="/console/tasks/{task.id}/edit"' in element(made.text, "data-task", code)

    fields = {"title": "Mới <b>", "description": "Mô tả", "doc_number": "07/KH",
              "doc_date": "02/01/2026", "doc_issuer": "UBND tỉnh", "start_date": "05/01/2026",
              "deadline": "30/06/2027", "expected_output": "Báo cáo"}  # fmt: skip
    path = f"/tasks/{task.id}/edit"
    for bad, named in (
        ({"deadline": "31/02/2027"}, "Thời hạn: Ngày không hợp lệ: 31/02/2027"),
        ({"title": "  "}, "Tên nhiệm vụ: Value should have at least 1"),
        ({"deadline": "01/01/2026"}, "the deadline is before the start"),
        ({"title": "x\u0007y"}, "Tên nhiệm vụ:"),
    ):
        refused = reviewer.submit(path, path, **{**fields, **bad})
        assert refused.status_code == 422 and named in refused.text, refused.text
        assert 'value="07/KH"' in refused.text  # the form comes back as typed
    with server_db.read() as session:
        kept = session.get(Task, task.id)
        assert kept is not None and kept.title == "Cũ" and kept.version == version

    saved = reviewer.submit(path, path, **fields)
    assert saved.status_code == 200
    assert "Mới &lt;b&gt;" in element(saved.text, "data-task", code)
    with server_db.read() as session:
        changed = session.get(Task, task.id)
        assert changed is not None and changed.version > version
        assert (changed.title, changed.deadline, changed.doc_issuer, changed.start_date) == (
            "Mới <b>",
            dt.date(2027, 6, 30),
            "UBND tỉnh",
            dt.date(2026, 1, 5),
        )
    assert _events(server_db, world.usernames["rv"], "task.update")

    # "Hoàn thành" is a link to a confirmation page: nothing is done until it is posted.
    confirm = reviewer.get(f"/tasks/{task.id}/complete")
    assert confirm.status_code == 200 and "Xác nhận hoàn thành" in confirm.text
    with server_db.read() as session:
        pending = session.get(Task, task.id)
        assert pending is not None and pending.completed_on is None
    done = reviewer.submit(f"/tasks/{task.id}/complete", f"/tasks/{task.id}/complete")
    assert "Đã hoàn thành" in element(done.text, "data-task", code)
    with server_db.write() as session:  # done some days ago
        finished = session.get(Task, task.id)
        assert finished is not None
        finished.completed_on = tasks.today() - dt.timedelta(days=3)
        version = finished.version
    again = reviewer.get(f"/tasks/{task.id}/complete")
    assert (
        "Nhiệm vụ đã hoàn thành ngày" in again.text
        and "Xác nhận hoàn thành</button>" not in again.text
    )
    reviewer.post(f"/tasks/{task.id}/complete", {"csrf": csrf_of(again.text)})  # resent
    with server_db.read() as session:
        kept = session.get(Task, task.id)
        assert kept is not None and kept.version == version
        assert kept.completed_on == tasks.today() - dt.timedelta(days=3)

    other_reviewer, _commune = _other_province(world, server_db)
    stranger = ConsoleClient(world.server.base)
    assert stranger.login(other_reviewer, PASSWORD).status_code == 200
    for url_path in (path, f"/tasks/{task.id}/complete", "/tasks/NO-SUCH/edit"):
        assert stranger.get(url_path).status_code == 404
    assert stranger.submit("/tasks", path, **fields).status_code == 404


def test_a_task_is_withdrawn_from_its_page_with_a_reason_and_leaves_the_list(
    world: World, reviewer: ConsoleClient, server_db: Database
) -> None:
    code = f"{world.prefix}-TH"
    made = reviewer.submit("/tasks", "/tasks", code=code, title="Sẽ thu hồi",
                           unit_code=world.unit_b, deadline="31/12/2026")  # fmt: skip
    assert made.status_code == 200
    with server_db.read() as session:
        task = session.scalar(select(Task).where(Task.code == code))
        assert task is not None
        version = task.version
    path = f"/tasks/{task.id}/edit"
    action = f"/tasks/{task.id}/withdraw"
    page = reviewer.get(path)
    assert f'action="/console{action}"' in page.text and "Thu hồi</button>" in page.text

    forged = reviewer.post(action, {"reason": "Không cần nữa", "csrf": "guess"})
    assert forged.status_code == 400
    blank = reviewer.submit(path, action, reason="   ")
    assert blank.status_code == 422 and "Lý do thu hồi" in blank.text
    with server_db.read() as session:
        kept = session.get(Task, task.id)
        assert kept is not None and kept.withdrawn_at is None and kept.version == version

    other_reviewer, _commune = _other_province(world, server_db)
    stranger = ConsoleClient(world.server.base)
    assert stranger.login(other_reviewer, PASSWORD).status_code == 200
    assert stranger.submit("/tasks", action, reason="Không cần nữa").status_code == 404

    assert code in reviewer.get("/export.csv").text  # on the tracking table until withdrawn
    done = reviewer.submit(path, action, reason="Đã có kế hoạch thay thế")
    assert done.status_code == 200 and done.url.endswith(f"/console/tasks?unit={world.unit_b}")
    exported = reviewer.get("/export.csv")
    assert exported.status_code == 200 and code not in exported.text
    assert f'data-task="{code}"' not in done.text  # no longer in the unit's list
    with server_db.read() as session:
        gone = session.get(Task, task.id)
        assert gone is not None and gone.version > version
        assert gone.withdrawn_reason == "Đã có kế hoạch thay thế"
    assert _events(server_db, world.usernames["rv"], "task.withdraw")
    shown = reviewer.get(path).text
    assert "Đã thu hồi ngày" in shown and "Thu hồi</button>" not in shown


def test_indicator_targets_are_set_and_edited_from_the_forms_with_the_apis_checks(
    world: World, reviewer: ConsoleClient, server_db: Database
) -> None:
    code = f"{world.prefix}-IND"
    rows = {"ind-0-code": "HS", "ind-0-name": "Hồ sơ số hoá", "ind-0-unit": "hồ sơ",
            "ind-0-target": "1200", "ind-1-code": "ND", "ind-1-name": "Người <tập huấn>",
            "ind-1-target": "12,5"}  # fmt: skip
    new = {"code": code, "title": "Số hoá", "unit_code": world.unit_a}
    for bad, named in (
        ({"ind-0-target": "1.200"}, "Chỉ tiêu 1: mục tiêu “1.200” không phải là một số"),
        ({"ind-1-target": "nhiều"}, "Chỉ tiêu 2: mục tiêu “nhiều”"),
        ({"ind-1-code": ""}, "Chỉ tiêu 2: cần cả mã và tên chỉ tiêu"),
        ({"ind-1-code": "HS"}, "Chỉ tiêu 2: mã “HS” đã dùng ở dòng trên"),
        ({"ind-1-code": "x" * 101}, "Chỉ tiêu 2 (Mã chỉ tiêu):"),
    ):
        refused = reviewer.submit("/tasks", "/tasks", **new, **{**rows, **bad})
        assert refused.status_code == 422 and named in refused.text, refused.text
        assert 'value="Người &lt;tập huấn&gt;"' in refused.text  # given back as typed
    with server_db.read() as session:
        assert session.scalar(select(Task).where(Task.code == code)) is None

    made = reviewer.submit("/tasks", "/tasks", **new, **rows)
    assert made.status_code == 200, made.text
    with server_db.read() as session:
        task = session.scalar(select(Task).where(Task.code == code))
        assert task is not None
        assert [(i["code"], i["unit"], i["target"]) for i in task.indicators] == [
            ("HS", "hồ sơ", 1200),
            ("ND", "", 12.5),
        ]
    world.officer_a.sync(reports=[report_body(task.id, indicator_values={"HS": 480, "ND": 4})])
    path = f"/tasks/{task.id}/edit"
    page = reviewer.get(path).text
    assert 'value="1200"' in page and 'value="12,5"' in page

    fields = {
        "title": "Số hoá",
        "ind-0-code": "HS",
        "ind-0-name": "Hồ sơ số hoá",
        "ind-0-unit": "hồ sơ",
        "ind-0-target": "1500",
    }  # ND's row cleared
    refused = reviewer.submit(path, path, **{**fields, "ind-0-target": "1,200"})
    assert refused.status_code == 422 and "Chỉ tiêu 1: mục tiêu “1,200”" in refused.text
    with server_db.read() as session:
        kept = session.get(Task, task.id)
        assert kept is not None and len(kept.indicators) == 2
    assert reviewer.submit(path, path, **fields).status_code == 200
    with server_db.read() as session:
        changed = session.get(Task, task.id)
        assert changed is not None
        assert [(i["code"], i["target"]) for i in changed.indicators] == [("HS", 1500)]
    # The overview sums the new target against the value reported before the edit.
    indicator = element(reviewer.get(f"/overview?unit={world.unit_a}").text, "data-indicator", "HS")
    assert float(attribute_of(indicator, "data-target")) == 1500.0
    assert float(attribute_of(indicator, "data-reached")) == 480.0
    assert 'data-indicator="ND"' not in reviewer.get(f"/overview?unit={world.unit_a}").text
    updates = _events(server_db, world.usernames["rv"], "task.update")
    assert any("indicators" in str(e.detail) for e in updates)


def _form_fields(html: str) -> dict[str, str]:
    """What a browser posts from the page's first form: inputs and textareas."""
    form = html.split("<form", 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"', form))
    for name, text in re.findall(r'<textarea[^>]*\bname="([^"]+)"[^>]*>(.*?)</textarea>', form,
                                 re.S):  # fmt: skip
        fields[name] = text.removeprefix("\n")  # the parser drops a newline after the tag
    return {k: html_lib.unescape(v) for k, v in fields.items()}


def test_a_comment_typed_while_the_session_expired_comes_back_after_signing_in(
    world: World, reviewer: ConsoleClient, server_db: Database
) -> None:
    body = report_body(world.tasks_a[0])
    world.officer_a.sync(reports=[body])
    path = f"/reports/{body['id']}"
    token = csrf_of(reviewer.get(path).text)
    words = "Đề nghị bổ sung <biên bản> & ảnh\nhiện trường (dòng 2)"
    hashed = hashlib.sha256(reviewer.http.cookies["dx_console"].encode()).hexdigest()
    with server_db.write() as session:  # the session ends while the comment is typed
        row = session.get(Token, hashed)
        assert row is not None
        row.expires_at = utcnow() - dt.timedelta(seconds=1)
    lost = reviewer.post(f"{path}/review", {"action": "return", "comment": words, "csrf": token})
    assert lost.status_code == 401 and "đăng nhập lại" in lost.text
    form = _form_fields(lost.text)  # the sign-in form, carrying the comment in its body
    assert form["resume_report"] == body["id"] and form["resume_comment"] == words

    # Its CSRF rule holds: without the sign-in form's token, no session and the draft kept.
    forged = reviewer.post("/login", {**form, "csrf": "guess", "username":
                                      world.usernames["rv"], "password": PASSWORD})  # fmt: skip
    assert forged.status_code == 400 and _form_fields(forged.text)["resume_comment"] == words
    wrong = reviewer.post("/login", {**form, "username": world.usernames["rv"], "password": "x"})
    assert wrong.status_code == 401 and _form_fields(wrong.text)["resume_comment"] == words

    signing = {**_form_fields(wrong.text), "username": world.usernames["rv"], "password": PASSWORD}
    back = reviewer.post("/login", signing)
    assert back.status_code == 200 and "được giữ lại" in back.text
    assert all(words not in r.url and "resume" not in r.url for r in [*back.history, back])
    review = _form_fields(back.text.split('id="h-review"', 1)[1])
    assert review["comment"] == words
    with server_db.read() as session:  # nothing was sent for the reviewer
        assert session.get(Report, body["id"]).review_state is None  # type: ignore[union-attr]
    sent = reviewer.post(f"{path}/review", {**review, "action": "return"})
    assert sent.status_code == 200 and sent.url.endswith(path)
    with server_db.read() as session:
        returned = session.get(Report, body["id"])
        assert returned is not None and returned.review_state == "returned"
        assert returned.review_comment == words
    assert "biên bản" not in world.server.log()

    # Another province's reviewer signing in with that draft sees nothing of the report.
    other, _commune = _other_province(world, server_db)
    stranger = ConsoleClient(world.server.base)
    page = stranger.get("/login").text
    moved = stranger.post("/login", {**_form_fields(page), "resume_report": body["id"],
                                     "resume_comment": "x", "username": other,
                                     "password": PASSWORD})  # fmt: skip
    assert moved.url.endswith("/console/overview") and body["id"] not in moved.text
