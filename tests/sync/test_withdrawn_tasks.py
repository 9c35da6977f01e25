"""Tasks withdrawn (thu hồi) or moved to another unit flow down to devices: the real
server process, the real ``dxdesk`` command, a device that was offline meanwhile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from sqlmodel import select

from dxdesk import local_state, reports, tasks
from dxdesk.store.models import Task, TaskRemoval
from sync.apply import CURSOR
from sync.protocol import PROTOCOL_HEADER
from tests.support.server import DEMO_PASSWORD, REVIEWER, RunningServer
from tests.sync.conftest import Client

REASON = "Đã có Kế hoạch 25-KH/UBND thay thế"


def officer(tmp_path: Path, server: RunningServer, user: str) -> Client:
    device = Client(tmp_path / user, tmp_path / f"{user}-keyring.json")
    assert device.login(server.url, user).code == 0
    assert device("sync").code == 0
    return device


def listed(device: Client) -> list[str]:
    return sorted(t["code"] for t in device("tasks", "--json").json()["tasks"])


def removals(device: Client) -> dict[str, tuple[TaskRemoval | None, str | None]]:
    profile = device.open()
    try:
        with profile.db.session() as session:
            return {
                t.code: (t.removed_why, t.removed_reason) for t in session.exec(select(Task)).all()
            }
    finally:
        profile.close()


def queue_on(device: Client, code: str) -> str:
    """Finalize a report on the task ``code``, in-process; its id."""
    profile = device.open()
    try:
        with profile.db.session() as session:
            task = reports.find_task(session, code)
            content = reports.ReportContent(progress=30, results="Đã khảo sát 12 thôn")
            draft = reports.create_draft(session, task, content, author="test")
            return reports.finalize(session, profile.attachments, draft.id).id
    finally:
        profile.close()


def token(server: RunningServer, user: str, password: str = DEMO_PASSWORD) -> str:
    answer = requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"username": user, "password": password},
        timeout=30,
    )
    answer.raise_for_status()
    return str(answer.json()["token"])


def call(
    server: RunningServer, method: str, path: str, bearer: str, body: Any = None, protocol: int = 2
) -> requests.Response:
    return requests.request(
        method,
        f"{server.url}/api/v1{path}",
        json=body,
        headers={"Authorization": f"Bearer {bearer}", PROTOCOL_HEADER: str(protocol)},
        timeout=30,
    )


def test_withdrawn_and_moved_tasks_reach_a_device_that_was_offline(
    server: RunningServer, tmp_path: Path
) -> None:
    device = officer(tmp_path, server, "cb.binhlieu")
    neighbour = officer(tmp_path, server, "cb.hoanhmo")
    codes = listed(device)
    withdrawn, moved = codes[0], codes[1]
    [before] = device.queue(1)  # on the first task, while it is assigned
    on_moved = queue_on(device, moved)

    # The device is offline now; at the server the task is withdrawn, another moved.
    server.admin("task", "withdraw", withdrawn, "--reason", REASON)
    server.admin("task", "move", moved, "--unit", "QN-HOANHMO")
    [after] = device.queue(1)  # written after the withdrawal, before the device knew

    sent = device("sync", "--json")
    assert sent.json()["accepted"] == 2, sent.out
    assert sent.json()["rejected"] == 1
    assert listed(device) == codes[2:]
    assert removals(device)[withdrawn] == (TaskRemoval.WITHDRAWN, REASON)
    assert removals(device)[moved] == (TaskRemoval.MOVED, "")
    assert device.states() == {before: "accepted", on_moved: "accepted", after: "rejected"}
    stored = {r["id"]: r for r in server.reports()}
    assert before in stored
    # Written while the task was the commune's: stored for it, though the task moved.
    assert stored[on_moved]["unit_code"] == "QN-BINHLIEU"

    # The refused report stays in the outbox, naming its task and why, in English
    # and in Vietnamese.
    items = {i["id"]: i for i in device("outbox", "--json").json()["items"]}
    assert items[after]["task_code"] == withdrawn
    assert items[after]["reject_code"] == "task_withdrawn"
    assert items[after]["task_removal"] == f"The task was withdrawn: {REASON}"
    shown = device("--lang", "vi", "outbox").out
    assert f"Nhiệm vụ đã bị thu hồi: {REASON}" in shown

    # No new report on it: the officer is told why, and nothing is written.
    refused = device("report", withdrawn, "--progress", "90", "--summary", "Xong")
    assert refused.code != 0
    assert "was withdrawn or is no longer assigned to your unit" in refused.err
    assert len(device.states()) == 3

    # The unit that took the moved task gets it at its next sync.
    assert neighbour("sync").code == 0
    assert moved in listed(neighbour)


def test_a_full_refresh_drops_what_the_server_no_longer_lists(
    server: RunningServer, tmp_path: Path
) -> None:
    device = officer(tmp_path, server, "cb.bache")
    codes = listed(device)
    server.admin("task", "withdraw", codes[0], "--reason", REASON)
    server.admin("task", "move", codes[1], "--unit", "QN-COTO")
    # The cursor is lost (a full refresh), and the device holds a task the server
    # never gave this user (a stale copy): the refresh drops it too.
    profile = device.open()
    try:
        with profile.db.session() as session:
            local_state.delete(session, CURSOR)
            tasks.upsert(
                session,
                {"id": "stale-1", "code": "NV-CU-01", "title": "Nhiệm vụ cũ",
                 "unit_code": "QN-BACHE"},
            )  # fmt: skip
            session.commit()
    finally:
        profile.close()
    assert "NV-CU-01" in listed(device)

    assert device("sync").code == 0
    assert listed(device) == codes[2:]
    gone = removals(device)
    assert gone[codes[0]] == (TaskRemoval.WITHDRAWN, REASON)
    assert gone[codes[1]] == (TaskRemoval.MOVED, "")
    assert gone["NV-CU-01"][0] is TaskRemoval.UNLISTED


def test_a_protocol_1_client_still_syncs_and_is_not_told_of_removals(
    server: RunningServer, tmp_path: Path
) -> None:
    device = officer(tmp_path, server, "cb.halong")
    codes = listed(device)
    server.admin("task", "withdraw", codes[0], "--reason", REASON)
    bearer = token(server, "cb.halong")

    old = call(server, "POST", "/sync", bearer, {"cursor": None}, protocol=1)
    assert old.status_code == 200, old.text
    assert old.headers[PROTOCOL_HEADER] == "1"
    assert "removed" not in old.json()  # protocol 1 refuses keys it does not know
    assert sorted(t["code"] for t in old.json()["tasks"]) == codes[1:]

    new = call(server, "POST", "/sync", bearer, {"cursor": None})
    assert [(r["why"], r["reason"]) for r in new.json()["removed"]] == [("withdrawn", REASON)]
    assert sorted(t["code"] for t in new.json()["tasks"]) == codes[1:]


def test_withdraw_and_move_over_the_api_keep_to_the_callers_units(
    server: RunningServer, tmp_path: Path
) -> None:
    server.admin(
        "user", "add", "rv.bache", "--role", "reviewer", "--unit", "QN-BACHE",
        "--password-stdin", stdin="mat-khau-rv-bache\n",
    )  # fmt: skip
    commune = token(server, "rv.bache", "mat-khau-rv-bache")
    province = token(server, *REVIEWER)
    everything = call(server, "POST", "/sync", province, {"cursor": None}).json()["tasks"]
    elsewhere = next(t for t in everything if t["unit_code"] == "QN-COTO")
    own = next(t for t in everything if t["unit_code"] == "QN-BACHE")

    # Another unit's task looks exactly like a missing one.
    for path, body in ((f"/tasks/{elsewhere['id']}/withdraw", {"reason": REASON}),
                       (f"/tasks/{elsewhere['id']}/move", {"unit_code": "QN-BACHE"})):  # fmt: skip
        answer = call(server, "POST", path, commune, body)
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == "not_found"
    moved_out = call(server, "POST", f"/tasks/{own['id']}/move", commune, {"unit_code": "QN-COTO"})
    assert moved_out.status_code == 403
    assert moved_out.json()["error"]["code"] == "forbidden_unit"
    blank = call(server, "POST", f"/tasks/{own['id']}/withdraw", commune, {"reason": ""})
    assert blank.status_code == 422

    done = call(server, "POST", f"/tasks/{elsewhere['id']}/withdraw", province, {"reason": REASON})
    assert done.status_code == 200, done.text
    assert (done.json()["id"], done.json()["why"]) == (elsewhere["id"], "withdrawn")
    assert done.json()["version"] > elsewhere["version"]
    again = call(server, "POST", f"/tasks/{elsewhere['id']}/withdraw", province, {"reason": "x"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "task_withdrawn"
    audit = server.admin("audit", "--json").stdout
    assert "task.withdraw" in audit


def pull_all(server: RunningServer, bearer: str, cursor: str | None, limit: int) -> dict[str, Any]:
    """Every page from ``cursor`` on, ``limit`` changes a page: tasks and removals."""
    seen: dict[str, Any] = {"tasks": [], "removed": []}
    while True:
        page = call(server, "POST", "/sync", bearer, {"cursor": cursor, "limit": limit}).json()
        seen["tasks"] += page["tasks"]
        seen["removed"] += page["removed"]
        cursor = page["cursor"]
        if not page["has_more"]:
            seen["cursor"] = cursor
            return seen


def test_a_move_inside_the_users_units_is_no_departure_and_pages_cut_exactly(
    server: RunningServer,
) -> None:
    province = token(server, *REVIEWER)
    commune = token(server, "cb.coto")
    start = pull_all(server, province, None, 500)
    start_commune = pull_all(server, commune, None, 500)
    mine = sorted(t["code"] for t in start_commune["tasks"])
    for code in mine[-2:]:  # two moves: four change versions, two of them departures
        server.admin("task", "move", code, "--unit", "QN-HALONG")

    # The province reviewer sees both communes: the tasks arrive changed, nothing to
    # drop, whatever the page size.
    for limit in (1, 2, 500):
        seen = pull_all(server, province, start["cursor"], limit)
        assert seen["removed"] == []
        moved = {t["code"]: t["unit_code"] for t in seen["tasks"] if t["code"] in mine[-2:]}
        assert moved == dict.fromkeys(mine[-2:], "QN-HALONG")
    # The commune they left is told to drop them, one page each.
    left = pull_all(server, commune, start_commune["cursor"], 1)
    ids = {t["code"]: t["id"] for t in start_commune["tasks"]}
    assert sorted(r["id"] for r in left["removed"]) == sorted(ids[c] for c in mine[-2:])
    assert {r["why"] for r in left["removed"]} == {"moved"}
