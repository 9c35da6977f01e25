"""The sync round: idempotent storage, conflicts, per-report rejections, the cursor."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

from sqlmodel import Session

from dxdesk import reports as client_reports
from dxdesk.identity import device as client_device
from dxdesk.profile import Profile
from sync.protocol import MAX_REPORTS_PER_SYNC
from sync.server.db import Database
from sync.server.tables import Task
from tests.conftest import make_task
from tests.server.conftest import World, login, report_body, seed_task
from tests.support.device import TestDevice, rehash


def _acks(response: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {ack["id"]: ack for ack in response["acks"]}


def test_repush_after_lost_response_is_a_duplicate(world: World) -> None:
    first = report_body(world.tasks_a[0])
    second = report_body(world.tasks_a[1], progress=10)
    # The response of this round is "lost": the client never saw it and resends.
    world.officer_a.sync(reports=[first, second])
    again = _acks(world.officer_a.sync(reports=[first, second]))
    assert again[first["id"]]["status"] == "duplicate"
    assert again[second["id"]]["status"] == "duplicate"
    listing = world.reviewer.get("/reports", params={"unit": world.unit_a}).json()["reports"]
    assert [r["id"] for r in listing].count(first["id"]) == 1


def test_same_id_other_content_is_a_conflict(world: World) -> None:
    body = report_body(world.tasks_a[0])
    assert world.officer_a.sync(reports=[body])["acks"][0]["status"] == "accepted"
    changed = report_body(world.tasks_a[0], id=body["id"], progress=90)
    ack = world.officer_a.sync(reports=[changed])["acks"][0]
    assert ack["status"] == "rejected" and ack["code"] == "conflict"
    stored = world.reviewer.get("/reports", params={"task_id": world.tasks_a[0]}).json()
    assert [r["progress"] for r in stored["reports"] if r["id"] == body["id"]] == [40]


def test_repeated_id_inside_one_batch(world: World) -> None:
    body = report_body(world.tasks_a[0])
    other = report_body(world.tasks_a[0], id=body["id"], results="khác")
    acks = world.officer_a.sync(reports=[body, body, other])["acks"]
    assert [a["status"] for a in acks] == ["accepted", "duplicate", "rejected"]
    assert acks[2]["code"] == "conflict"


def test_hash_mismatch_and_invalid_reports_are_rejected_one_by_one(world: World) -> None:
    assert world.officer_a.device is not None
    good = report_body(world.tasks_a[0])
    tampered = world.officer_a.device.sign(report_body(world.tasks_a[0]))
    tampered["progress"] = 99  # changed after signing: neither hash nor signature fit
    # Signed as it is, but claiming another hash (a client bug, not a forgery).
    misclaimed = world.officer_a.device.sign(report_body(world.tasks_a[0]))
    misclaimed["content_sha256"] = "0" * 64
    misclaimed["signature"] = world.officer_a.device.sign(rehash(misclaimed))["signature"]
    invalid = report_body(world.tasks_a[0], progress=150)
    # A key this server does not know is ignored when the sender's hash leaves it
    # out; when it covers it, the signature fails (it is checked over what was
    # parsed): a report is never stored half-read.
    unknown_key = {**report_body(world.tasks_a[0]), "surprise": 1}
    signed_unknown = rehash({**report_body(world.tasks_a[0]), "surprise": 1})
    batch = [good, tampered, misclaimed, invalid, unknown_key, signed_unknown]
    acks = _acks(world.officer_a.sync(reports=batch))
    assert acks[good["id"]]["status"] == "accepted"
    assert acks[tampered["id"]]["code"] == "bad_signature"
    assert acks[misclaimed["id"]]["code"] == "hash_mismatch"
    assert acks[invalid["id"]]["code"] == "invalid_report"
    assert acks[invalid["id"]]["field"] == "progress"
    assert acks[unknown_key["id"]]["status"] == "accepted"
    assert acks[signed_unknown["id"]]["code"] == "bad_signature"
    assert all(a["message"] for a in acks.values() if a["status"] == "rejected")


def test_too_many_reports_in_one_round(world: World) -> None:
    bodies = [report_body(world.tasks_a[0]) for _ in range(MAX_REPORTS_PER_SYNC + 1)]
    response = world.officer_a.post("/sync", {"reports": bodies})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "reports"


def test_pull_pages_and_resumes_from_the_cursor(world: World, server_db: Database) -> None:
    extra = [seed_task(server_db, f"{world.prefix}-P{i}", world.unit_a) for i in range(5)]
    seen: list[str] = []
    cursor = None
    for _round in range(10):
        page = world.officer_a.sync(cursor=cursor, limit=2)
        seen += [t["id"] for t in page["tasks"]]
        assert len(page["tasks"]) <= 2
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert sorted(seen) == sorted(world.tasks_a + extra)
    quiet = world.officer_a.sync(cursor=cursor)
    assert quiet["tasks"] == [] and quiet["reviews"] == [] and not quiet["has_more"]
    assert quiet["cursor"] == cursor


def test_bad_cursor_means_full_refresh(world: World) -> None:
    for cursor in ("garbage!", "MToxOjI6Mw", "", "x" * 400):
        page = world.officer_a.sync(cursor=cursor)
        assert page["full_refresh"] is True
        assert {t["id"] for t in page["tasks"]} == set(world.tasks_a)
    assert world.officer_a.sync(cursor=None)["full_refresh"] is False


def test_task_fields_on_the_wire(world: World, server_db: Database) -> None:
    task_id = seed_task(
        server_db,
        f"{world.prefix}-W",
        world.unit_a,
        deadline=dt.date(2026, 12, 31),
        doc_number="17-KH/BCĐ",
        indicators=[{"code": "HS", "name": "Hồ sơ", "unit": "hồ sơ", "target": 1200}],
    )
    task = next(t for t in world.officer_a.sync()["tasks"] if t["id"] == task_id)
    assert task["deadline"] == "2026-12-31"
    assert task["doc_number"] == "17-KH/BCĐ"
    assert task["indicators"][0]["target"] == 1200
    assert task["completed_on"] is None and task["progress"] == 0
    assert isinstance(task["version"], int)


def test_review_and_completion_flow_down(world: World) -> None:
    cursor = world.officer_a.sync()["cursor"]
    body = report_body(world.tasks_a[0], progress=70)
    assert world.officer_a.sync(reports=[body])["acks"][0]["status"] == "accepted"
    returned = world.reviewer.post(f"/reports/{body['id']}/return", {"comment": "Bổ sung số liệu"})
    assert returned.status_code == 200, returned.text
    done = world.reviewer.post(f"/tasks/{world.tasks_a[1]}/complete", {})
    assert done.status_code == 200, done.text
    page = world.officer_a.sync(cursor=cursor)
    assert [(r["report_id"], r["state"], r["comment"]) for r in page["reviews"]] == [
        (body["id"], "returned", "Bổ sung số liệu")
    ]
    by_id = {t["id"]: t for t in page["tasks"]}
    # Progress is published by the server within about a second of the push.
    deadline = time.monotonic() + 15
    while world.tasks_a[0] not in by_id and time.monotonic() < deadline:
        time.sleep(0.2)
        later = world.officer_a.sync(cursor=cursor)
        by_id |= {t["id"]: t for t in later["tasks"]}
    assert by_id[world.tasks_a[0]]["progress"] == 70  # the report moved the task
    assert by_id[world.tasks_a[1]]["completed_on"] is not None
    assert by_id[world.tasks_a[1]]["progress"] == 100
    # Officer B's unit sees none of it.
    other = world.officer_b.sync()
    assert other["reviews"] == [] and {t["id"] for t in other["tasks"]} == set(world.tasks_b)


def test_accept_and_validation_of_review_actions(world: World) -> None:
    body = report_body(world.tasks_a[0])
    world.officer_a.sync(reports=[body])
    empty = world.reviewer.post(f"/reports/{body['id']}/return", {"comment": ""})
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "comment"
    accepted = world.reviewer.post(f"/reports/{body['id']}/accept", {"comment": "Tốt"})
    assert accepted.json()["state"] == "accepted"
    future = world.reviewer.post(
        f"/tasks/{world.tasks_a[0]}/complete", {"completed_on": "2999-01-01"}
    )
    assert future.status_code == 422 and future.json()["error"]["code"] == "date_in_future"


def test_the_real_client_body_is_accepted(world: World, session: Session, profile: Profile) -> None:
    """A report finalized by dxdesk's own report lifecycle hashes the same on the server."""
    task = make_task(session, code=f"{world.prefix}-C", id=world.tasks_a[0])
    content = client_reports.ReportContent(progress=55, results="Đã hoàn thành 55%")
    draft = client_reports.create_draft(session, task, content, author="Trần Thị Bình")
    final = client_reports.finalize(session, profile.attachments, draft.id)
    # This profile's key, registered by a login, signs it as it is sent.
    device = TestDevice(key=client_device.signing_key(session))
    officer = login(world.server.base, world.usernames["oa"], device=device)
    client_reports.sign_for_sending(session, final, device.key, device.device_id)
    body = client_reports.canonical_body(final, [])
    body["content_sha256"] = final.content_sha256
    body["signature"], body["device_id"] = final.signature, final.device_id
    try:
        ack = officer.sync(reports=[body])["acks"][0]
    finally:
        officer.close()
    assert ack["status"] == "accepted", ack


# -- dates: impossible ones are rejected per report; progress follows receipt ------

IMPOSSIBLE_DATES = (
    "9999-12-31T23:30:00-05:00",  # past year 9999 in UTC: OverflowError
    "0001-01-01T00:10:00+05:00",  # before year 1 in UTC
    "1969-12-31T23:59:59+00:00",
    "2100-01-01T00:00:00+00:00",
)


def test_impossible_dates_are_rejected_one_by_one(world: World) -> None:
    good = report_body(world.tasks_a[0], progress=30)
    bad = [report_body(world.tasks_a[0], created_at=when) for when in IMPOSSIBLE_DATES]
    acks = _acks(world.officer_a.sync(reports=[*bad, good]))
    assert acks[good["id"]]["status"] == "accepted"
    for body in bad:
        ack = acks[body["id"]]
        assert (ack["status"], ack["code"], ack["field"]) == (
            "rejected", "invalid_report", "created_at"
        ), ack  # fmt: skip
        assert "impossible date" in ack["message"] and "clock" in ack["message"]


def _progress(server_db: Database, task_id: str) -> int:
    with server_db.read() as session:
        task = session.get(Task, task_id)
        assert task is not None
        return task.progress


def test_progress_follows_the_servers_receipt_not_the_device_clock(
    world: World, server_db: Database
) -> None:
    task = world.tasks_a[0]
    ahead = report_body(task, progress=90, created_at="2099-01-01T00:00:00+07:00")
    assert world.officer_a.sync(reports=[ahead])["acks"][0]["status"] == "accepted"
    assert _progress(server_db, task) == 90
    # A later report from a correct clock counts: the far future pins nothing.
    now = report_body(task, progress=50, created_at="2026-11-21T08:00:00+07:00")
    assert world.officer_a.sync(reports=[now])["acks"][0]["status"] == "accepted"
    assert _progress(server_db, task) == 50
    # A device whose clock went back (a dead CMOS battery) still moves the task.
    behind = report_body(task, progress=60, created_at="1980-01-01T00:00:00+07:00")
    assert world.officer_a.sync(reports=[behind])["acks"][0]["status"] == "accepted"
    assert _progress(server_db, task) == 60
    # The device's time is kept for display.
    listed = world.reviewer.get("/reports", params={"task_id": task}).json()["reports"]
    created = {r["id"]: r["created_at"] for r in listed}
    assert dt.datetime.fromisoformat(created[ahead["id"]]).year in (2098, 2099)


# -- contradictions: a "done" below 100%, a correction of nothing ------------------


def test_a_done_claim_needs_full_progress(world: World) -> None:
    short = report_body(world.tasks_a[0], status_claim="done", progress=40)
    full = report_body(world.tasks_a[0], status_claim="done", progress=100)
    acks = _acks(world.officer_a.sync(reports=[short, full]))
    assert acks[full["id"]]["status"] == "accepted"
    ack = acks[short["id"]]
    assert (ack["status"], ack["code"], ack["field"]) == ("rejected", "invalid_report", "progress")
    assert "100%" in ack["message"] and "40%" in ack["message"]


def test_a_correction_must_name_a_report_of_its_task(world: World) -> None:
    task, other_task = world.tasks_a
    stored = report_body(task, progress=10)
    theirs = report_body(world.tasks_b[0])  # unit B's report: not a target for unit A
    assert world.officer_a.sync(reports=[stored])["acks"][0]["status"] == "accepted"
    assert world.officer_b.sync(reports=[theirs])["acks"][0]["status"] == "accepted"

    def correcting(target: str, on: str = task) -> dict[str, Any]:
        return report_body(on, corrects_id=target, progress=20)

    later_in_batch = report_body(task, progress=15)
    of_stored = correcting(stored["id"])
    before_its_target = correcting(later_in_batch["id"])  # the target comes later
    of_nothing = correcting(str(uuid.uuid4()))
    of_other_unit = correcting(theirs["id"])
    of_other_task = correcting(stored["id"], on=other_task)
    of_rejected = correcting(of_nothing["id"])
    of_itself = report_body(task, progress=20)
    of_itself = report_body(task, id=of_itself["id"], corrects_id=of_itself["id"])
    ok = [of_stored, before_its_target, later_in_batch]
    bad = [of_nothing, of_other_unit, of_other_task, of_rejected, of_itself]
    acks = _acks(world.officer_a.sync(reports=[*ok[:2], *bad, ok[2]]))
    assert [acks[b["id"]]["status"] for b in ok] == ["accepted"] * 3
    for body in bad:
        ack = acks[body["id"]]
        assert (ack["status"], ack["code"], ack["field"]) == (
            "rejected", "invalid_report", "corrects_id"
        ), ack  # fmt: skip
    assert len({acks[b["id"]]["message"] for b in bad}) == 1  # no oracle across units
    # Resent, the accepted ones are duplicates and the rejected stay rejected.
    again = _acks(world.officer_a.sync(reports=[of_stored, of_nothing]))
    assert again[of_stored["id"]]["status"] == "duplicate"
    assert again[of_nothing["id"]]["code"] == "invalid_report"
