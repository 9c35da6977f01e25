"""`dxdesk login` and `dxdesk sync` against the real server process."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from dxdesk import reports, tasks
from dxdesk.reports import ReportContent
from sync.cli import EXIT_LOGIN, EXIT_REJECTED
from tests.support.server import REVIEWER, RunningServer
from tests.sync.conftest import Client

SUMMARY_KEYS = {
    "pushed", "accepted", "rejected", "pulled_tasks", "pulled_reviews", "attachments_uploaded",
    "attachment_bytes", "rounds", "bytes_sent", "bytes_received", "duration_s", "still_queued",
    "clock_offset_s", "clock_warning", "failure", "message", "rejected_reports", "exit_code",
    "update_offered",
}  # fmt: skip


def photo(folder: Path, size: int = 300_000) -> Path:
    path = folder / f"anh-{uuid.uuid4().hex[:6]}.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(size))
    return path


def test_login_pull_report_sync_accepted_once(
    server: RunningServer, client: Client, tmp_path: Path
) -> None:
    login = client.login(server.url, "cb.bache")
    assert login.code == 0, login.err
    first = client("sync", "--json")
    assert first.code == 0, first.err
    summary = first.json()
    assert set(summary) == SUMMARY_KEYS
    assert summary["pulled_tasks"] == 6  # Ba Chẽ's tasks only
    listed = client("tasks", "--json").json()["tasks"]
    assert {t["unit"] for t in listed} == {"QN-BACHE"}

    code = listed[0]["code"]
    attached = photo(tmp_path)
    made = client(
        "report", code, "--progress", "70", "--summary", "Đã lắp 10 máy tính",
        "--attach", str(attached), "--json",
    )  # fmt: skip
    assert made.code == 0, made.err
    report_id = made.json()["id"]
    plain = client("report", code, "--progress", "75", "--summary", "Thêm 2 máy", "--json")
    assert plain.code == 0, plain.err

    sent = client("sync", "--json")
    assert sent.code == 0, sent.err
    assert sent.json()["accepted"] == 2
    assert sent.json()["attachments_uploaded"] == 1
    assert sent.json()["still_queued"] == 0
    states = {i["id"]: i["state"] for i in client("outbox", "--all", "--json").json()["items"]}
    assert states[report_id] == "accepted"
    assert set(states.values()) == {"accepted"}

    again = client("sync", "--json").json()
    assert (again["pushed"], again["accepted"]) == (0, 0)
    on_server = [r for r in server.reports() if r["id"] in states]
    assert len(on_server) == 2
    with_photo = next(r for r in on_server if r["id"] == report_id)
    assert with_photo["complete"] is True


def test_returned_report_comes_back_with_the_comment(server: RunningServer, client: Client) -> None:
    assert client.login(server.url, "cb.coto").code == 0
    assert client("sync").code == 0
    code = client("tasks", "--json").json()["tasks"][0]["code"]
    report_id = client("report", code, "--progress", "5", "--summary", "Sơ sài", "--json").json()[
        "id"
    ]
    assert client("sync").code == 0
    comment = "Đề nghị bổ sung số liệu cụ thể về số hồ sơ đã số hoá."
    server.api("POST", f"/reports/{report_id}/return", REVIEWER, {"comment": comment})
    pulled = client("sync", "--json").json()
    assert pulled["pulled_reviews"] == 1
    item = next(i for i in client("outbox", "--json").json()["items"] if i["id"] == report_id)
    assert (item["state"], item["review_comment"]) == ("returned", comment)


def test_rejected_report_does_not_block_the_queue(server: RunningServer, client: Client) -> None:
    assert client.login(server.url, "cb.halong").code == 0
    assert client("sync").code == 0
    code = client("tasks", "--json").json()["tasks"][0]["code"]
    good = client("report", code, "--progress", "40", "--summary", "Đúng", "--json").json()["id"]
    # A task the server never assigned to this unit (e.g. left from an old import).
    profile = client.open()
    with profile.db.session() as session:
        stray = tasks.upsert(
            session, {"id": str(uuid.uuid4()), "code": "NV-LAC", "title": "Lạc", "unit_code": "X"}
        )
        session.commit()
        draft = reports.create_draft(session, stray, ReportContent(progress=10, results="x"))
        bad = reports.finalize(session, profile.attachments, draft.id).id
    profile.close()

    result = client("sync", "--json")
    assert result.code == EXIT_REJECTED
    summary = result.json()
    assert (summary["accepted"], summary["rejected"]) == (1, 1)
    assert [r["id"] for r in summary["rejected_reports"]] == [bad]
    items = {i["id"]: i for i in client("outbox", "--all", "--json").json()["items"]}
    assert items[good]["state"] == "accepted"
    assert items[bad]["state"] == "rejected"
    assert items[bad]["reject_code"]
    assert items[bad]["reject_message"]
    assert "NV-LAC" in client("outbox").out


def test_sync_without_login_exits_login_needed_and_keeps_reports(
    server: RunningServer, client: Client
) -> None:
    client.settings(server_url=server.url)
    assert client("demo", "--local").code == 0
    made = client("report", "NV-2026-001", "--progress", "10", "--summary", "x")
    assert made.code == 0
    result = client("sync")
    assert result.code == EXIT_LOGIN
    assert "login" in result.err.lower()
    assert client("outbox", "--json").json()["items"][0]["state"] == "queued"


def test_wrong_password(server: RunningServer, client: Client) -> None:
    result = client.login(server.url, "cb.bache", "sai-mat-khau")
    assert result.code == EXIT_LOGIN
    assert result.err.startswith("dxdesk: ")


def test_logout_forgets_the_token(server: RunningServer, client: Client) -> None:
    assert client.login(server.url, "cb.hoanhmo").code == 0
    assert client("sync").code == 0
    assert client("logout").code == 0
    assert client("sync").code == EXIT_LOGIN


def test_plain_http_to_a_remote_host_is_refused(client: Client) -> None:
    result = client.login("http://dx.quangninh.gov.vn", "cb.bache")
    assert result.code == 2
    assert "https" in result.err
