"""Device clocks are often wrong; server addresses are often mistyped."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from pathlib import Path

import pytest

from dxdesk import clock, local_state
from sync.engine import SyncEngine
from sync.transport import Failure, Transport, TransportError, check_server_url
from tests.support.profiles import new_user_profile
from tests.support.stub_http import stub_server

EMPTY_ROUND = json.dumps(
    {
        "acks": [],
        "tasks": [],
        "reviews": [],
        "cursor": "c1",
        "has_more": False,
        "full_refresh": False,
        "server_time": "2026-11-24T12:00:00+00:00",
    }
).encode()


def test_clock_skew_is_detected_and_the_server_date_decides(tmp_path: Path) -> None:
    server_now = dt.datetime.now(dt.UTC) + dt.timedelta(days=2, minutes=3)
    stamp = email.utils.format_datetime(server_now, usegmt=True)
    profile = new_user_profile(tmp_path / "p")
    with stub_server(200, EMPTY_ROUND, "application/json", date=stamp) as stub:
        transport = Transport(f"http://127.0.0.1:{stub.port}")
        transport.token = "t"
        summary = SyncEngine(profile.db, profile.attachments, transport).run()
        transport.close()
    assert summary.failure is None
    assert summary.clock_warning
    assert summary.clock_offset_s == pytest.approx(2 * 86400 + 180, abs=2)
    with profile.db.session() as session:
        offset = local_state.server_offset(session)
        assert local_state.get(session, "cursor") == "c1"
    assert clock.reference_date(offset) == server_now.astimezone(clock.VIETNAM_TZ).date()
    profile.close()


def test_small_offsets_do_not_warn(tmp_path: Path) -> None:
    stamp = email.utils.format_datetime(dt.datetime.now(dt.UTC), usegmt=True)
    profile = new_user_profile(tmp_path / "p")
    with stub_server(200, EMPTY_ROUND, "application/json", date=stamp) as stub:
        transport = Transport(f"http://127.0.0.1:{stub.port}")
        transport.token = "t"
        summary = SyncEngine(profile.db, profile.attachments, transport).run()
        transport.close()
    assert not summary.clock_warning
    profile.close()


@pytest.mark.parametrize(
    "url",
    ["https://dx.quangninh.gov.vn", "https://10.1.2.3:8443/", "http://127.0.0.1:8765",
     "http://localhost:8765", "http://[::1]:8765"],
)  # fmt: skip
def test_accepted_server_addresses(url: str) -> None:
    assert check_server_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "allow_http"),
    [("http://dx.quangninh.gov.vn", False), ("http://192.168.1.10", False), ("ftp://x", True),
     ("dx.quangninh.gov.vn", True), ("https://", True), ("", True)],
)  # fmt: skip
def test_refused_server_addresses(url: str, allow_http: bool) -> None:
    with pytest.raises(TransportError) as caught:
        check_server_url(url, allow_http=allow_http)
    assert caught.value.failure is Failure.CONFIG


def test_plain_http_allowed_when_the_user_says_so() -> None:
    assert check_server_url("http://dx.test.lan", allow_http=True) == "http://dx.test.lan"
