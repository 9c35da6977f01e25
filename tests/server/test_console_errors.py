"""Under /console every refusal is the console's page — in the reader's language,
with its security headers and a way back — while /api/ keeps answering JSON:
an oversized upload refused by the body layer (413), a post without a session,
an unknown address (404), a wrong method (405), an unexpected failure (500)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from sync.protocol import API_PREFIX, MAX_LOGIN_BYTES
from sync.server.bodies import MAX_CONSOLE_SHEET_BYTES
from sync.server.console.headers import CSP
from sync.server.db import Database
from sync.server.tables import Task
from tests.server.conftest import PASSWORD, World
from tests.support.console import ConsoleClient, attribute_of, csrf_of, element
from tests.support.server import START_TIMEOUT_S, ZygoteServer


@pytest.fixture
def reviewer(world: World) -> Iterator[ConsoleClient]:
    client = ConsoleClient(world.server.base)
    assert client.login(world.usernames["rv"], PASSWORD).status_code == 200
    yield client
    client.close()


def _page(response: requests.Response, status: int) -> str:
    """The console's error page with ``status``: its message."""
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    alert = element(response.text, "role", "alert", "p")
    assert attribute_of(alert, "data-status") == str(status)
    assert 'href="/console/overview"' in response.text.split('<main id="main">')[1]
    return alert


def _json(response: requests.Response, status: int) -> str:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/json"
    code = response.json()["error"]["code"]
    assert isinstance(code, str)
    return code


def test_an_oversized_sheet_is_a_page_in_the_readers_language_and_imports_nothing(
    world: World, reviewer: ConsoleClient, server_db: Database
) -> None:
    with server_db.read() as session:
        before = session.scalar(select(func.count()).select_from(Task))
    sheet = f"Mã;Tên nhiệm vụ;Đơn vị\n{world.prefix}-Z;Quá lớn;{world.unit_a}\n".encode()
    big = sheet + b"#" * MAX_CONSOLE_SHEET_BYTES
    token = csrf_of(reviewer.get("/tasks").text)

    def upload() -> requests.Response:
        return reviewer.http.post(reviewer.url("/tasks/import"), data={"csrf": token},
                                  files={"sheet": ("nhiem-vu.csv", big)}, timeout=60)  # fmt: skip

    assert "quá lớn (tối đa 8 MiB)" in _page(upload(), 413)
    assert reviewer.get("/lang/en", params={"next": "/console/tasks"}).status_code == 200
    assert "too large (at most 8 MiB)" in _page(upload(), 413)
    with server_db.read() as session:
        assert session.scalar(select(func.count()).select_from(Task)) == before

    api = requests.post(f"{world.server.base}{API_PREFIX}/auth/login",
                        data=b"{" + b" " * MAX_LOGIN_BYTES + b"}", timeout=30)  # fmt: skip
    assert _json(api, 413) == "body_too_large"


def test_unknown_addresses_wrong_methods_and_sessionless_posts_are_pages(
    world: World, reviewer: ConsoleClient
) -> None:
    base = world.server.base
    missing = reviewer.get("/no-such-page")
    assert missing.status_code == 404 and "Không tìm thấy" in missing.text
    assert missing.headers["content-type"].startswith("text/html")
    assert "không nhận kiểu yêu cầu" in _page(reviewer.http.put(reviewer.url("/overview")), 405)
    assert "không nhận kiểu yêu cầu" in _page(reviewer.http.delete(reviewer.url("/tasks")), 405)

    anonymous = requests.Session()
    sent = anonymous.post(f"{base}/console/tasks", data={"code": "X"}, timeout=30)
    assert sent.url.endswith("/console/login") and sent.status_code == 200
    assert sent.headers["content-type"].startswith("text/html")
    review = anonymous.post(f"{base}/console/reports/x/review", data={"comment": "a"}, timeout=30)
    assert review.status_code == 401 and review.headers["content-type"].startswith("text/html")
    assert "đăng nhập lại" in review.text

    assert _json(requests.get(f"{base}{API_PREFIX}/no-such-thing", timeout=30), 404)
    assert _json(requests.put(f"{base}{API_PREFIX}/sync", timeout=30), 405)


def test_an_unexpected_failure_is_the_consoles_page_not_a_json_or_a_stack(tmp_path: Path) -> None:
    """The database loses a table under a running server: the overview fails. (Its
    figures are kept by the process; the change counter is read on every request.)"""
    server = ZygoteServer(tmp_path).start(demo=True, timeout_s=START_TIMEOUT_S)
    try:
        client = ConsoleClient(server.url)
        assert client.login("ld.qn", "lanhdao-demo-2026").url.endswith("/console/overview")
        with sqlite3.connect(server.db_url.removeprefix("sqlite:///")) as broken:
            broken.execute("DROP TABLE change_counter")
        failed = client.get("/overview")
        message = _page(failed, 500)
        assert "Máy chủ gặp lỗi" in message and "Traceback" not in failed.text
        assert "change_counter" not in failed.text
        client.close()
    finally:
        server.stop()
