"""No network at all: reports go to the server on a USB stick (issue #8).

The real ``dxdesk`` and ``dxdesk-server`` commands: an officer writes reports while
the server is unreachable, exports them, a relay logged in as another unit's
officer delivers the file, and the receipt comes back on the stick; the server
holds each report exactly once and the officer's outbox shows them accepted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sync.bundle_cli import EXIT_REFUSED
from sync.cli import EXIT_OFFLINE
from tests.support.server import REVIEWER, RunningServer
from tests.sync.conftest import Client

OFFICER, RELAY = "cb.binhlieu", "cb.hoanhmo"  # units QN-BINHLIEU and QN-HOANHMO
MARKER = "USB-MARKER-5e1d"


def _outbox(client: Client) -> dict[str, dict[str, object]]:
    items = client("outbox", "--all", "--json").json()["items"]
    return {item["id"]: item for item in items}


def _server_copies(server: RunningServer, ids: list[str]) -> dict[str, int]:
    rows = server.reports()
    return {i: sum(1 for row in rows if row["id"] == i) for i in ids}


# Many real commands (two logins with Argon2, export, import, relay): 250 s were seen
# on a loaded 2-core machine, near the global 300 s.
@pytest.mark.timeout(900)
@pytest.mark.slow
def test_reports_travel_on_a_stick_and_the_receipt_comes_back(
    server: RunningServer, client: Client, tmp_path: Path
) -> None:
    assert client.login(server.url, OFFICER).code == 0
    assert client("sync").code == 0
    code = client("tasks", "--json").json()["tasks"][0]["code"]

    # No network at all: the server is gone.
    server.stop()
    photo = tmp_path / "bien-ban.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(40_000))
    made = [
        client("report", code, "--progress", "40", "--summary", f"Đã số hoá 480 hồ sơ {MARKER}",
               "--attach", str(photo), "--json"),
        client("report", code, "--progress", "45", "--summary", "Thêm 60 hồ sơ", "--json"),
        client("report", code, "--progress", "50", "--summary", f"Mật {MARKER}",
               "--classification", "secret", "--json"),
    ]  # fmt: skip
    assert [m.code for m in made] == [0, 0, 0], [m.err for m in made]
    ids = [m.json()["id"] for m in made]
    assert client("sync").code == EXIT_OFFLINE

    stick = tmp_path / "stick"
    stick.mkdir()
    bundle = stick / "binhlieu.dxbundle"
    exported = client("export-bundle", str(bundle), "--json")
    assert exported.code == 0, exported.err
    assert exported.json()["reports"] == 3 and exported.json()["attachments"] == 1
    assert MARKER.encode() not in bundle.read_bytes()  # sealed to the server
    outbox = _outbox(client)
    assert all(outbox[i]["state"] == "queued" and outbox[i]["awaiting_receipt"] for i in ids)
    assert "exported, awaiting receipt" in client("outbox").out
    again = client("export-bundle", str(bundle))
    assert again.code == 2 and "already exists" in again.err

    # At the district: a colleague of another commune delivers the file.
    server.start(demo=False)
    relay = Client(tmp_path / "relay", tmp_path / "relay-keyring.json")
    assert relay.login(server.url, RELAY).code == 0
    delivered = relay("deliver-bundle", str(bundle), "--json")
    assert delivered.code == 0, delivered.err
    assert (delivered.json()["accepted"], delivered.json()["rejected"]) == (3, 0)
    receipt = Path(f"{bundle}.receipt")
    assert receipt.exists()
    assert _server_copies(server, ids) == dict.fromkeys(ids, 1)
    assert {r["submitted_by"] for r in server.reports() if r["id"] in ids} == {OFFICER}
    # The relay's own data holds nothing of it, and it cannot use the receipt.
    assert relay("outbox", "--all", "--json").json()["count"] == 0
    foreign = relay("import-receipt", str(receipt))
    assert foreign.code == EXIT_REFUSED and "not this computer" in foreign.err
    twice = relay("deliver-bundle", str(bundle), "--json")
    assert twice.code == 0 and twice.json()["replayed"] is True
    assert _server_copies(server, ids) == dict.fromkeys(ids, 1)

    # Back at the commune: a tampered receipt is refused, the real one applied.
    forged = stick / "forged.receipt"
    forged.write_bytes(receipt.read_bytes().replace(b'"accepted"', b'"rejected"', 1))
    refused = client("import-receipt", str(forged))
    assert refused.code == EXIT_REFUSED and "valid signature" in refused.err
    assert all(_outbox(client)[i]["state"] == "queued" for i in ids)
    applied = client("import-receipt", str(receipt), "--json")
    assert applied.code == 0, applied.err
    assert (applied.json()["accepted"], applied.json()["rejected"]) == (3, 0)
    outbox = _outbox(client)
    assert all(outbox[i]["state"] == "accepted" and not outbox[i]["awaiting_receipt"] for i in ids)
    repeat = client("import-receipt", str(receipt), "--json")
    assert repeat.code == 0 and repeat.json()["unchanged"] == 3
    assert client("sync", "--json").json()["pushed"] == 0

    # A second bundle whose receipt never comes back: the next sync settles it as
    # a harmless duplicate, and the late receipt then changes nothing.
    later = client("report", code, "--progress", "60", "--summary", "Đợt 2", "--json")
    later_id = later.json()["id"]
    second = stick / "binhlieu-2.dxbundle"
    assert client("export-bundle", str(second), "--new-only", "--json").json()["reports"] == 1
    assert relay("deliver-bundle", str(second)).code == 0
    synced = client("sync", "--json").json()
    assert (synced["pushed"], synced["accepted"]) == (1, 1)
    assert _outbox(client)[later_id]["state"] == "accepted"
    late = client("import-receipt", f"{second}.receipt", "--json")
    assert late.code == 0 and late.json()["unchanged"] == 1
    assert _server_copies(server, [*ids, later_id]) == dict.fromkeys([*ids, later_id], 1)
    shown = json.loads(server.admin("reports", "--show", ids[2], "--json").stdout)
    assert shown["results"] == f"Mật {MARKER}" and shown["signature_status"] == "valid"


def test_a_task_package_updates_a_disconnected_officer(
    server: RunningServer, client: Client, tmp_path: Path
) -> None:
    assert client.login(server.url, OFFICER).code == 0
    assert client("sync").code == 0
    tasks = client("tasks", "--json").json()["tasks"]
    code = tasks[0]["code"]
    made = client("report", code, "--progress", "30", "--summary", "Lần 1", "--json")
    report_id = made.json()["id"]
    assert client("sync").code == 0

    # At the province: the deadline moves and the report is returned.
    listed = server.api("GET", "/reports?unit=QN-BINHLIEU&limit=500", REVIEWER)["reports"]
    task_id = next(r["task_id"] for r in listed if r["id"] == report_id)
    server.api("PATCH", f"/tasks/{task_id}", REVIEWER, {"deadline": "2030-06-30"})
    server.api("POST", f"/reports/{report_id}/return", REVIEWER, {"comment": "Bổ sung số liệu"})
    package = tmp_path / "binhlieu.dxtasks"
    server.admin("export-tasks", "--unit", "QN-BINHLIEU", str(package))

    # Offline, the package is applied; twice is harmless.
    applied = client("import-tasks", str(package), "--json")
    assert applied.code == 0, applied.err
    assert applied.json()["tasks_changed"] >= 1 and applied.json()["reviews_changed"] == 1
    moved = {t["code"]: t["deadline"] for t in client("tasks", "--json").json()["tasks"]}
    assert moved[code] == "2030-06-30"
    item = _outbox(client)[report_id]
    assert (item["state"], item["review_comment"]) == ("returned", "Bổ sung số liệu")
    again = client("import-tasks", str(package), "--json").json()
    assert (again["tasks_changed"], again["reviews_changed"]) == (0, 0)

    # Refused: another unit's package, and a tampered one; nothing changes.
    relay = Client(tmp_path / "relay", tmp_path / "relay-keyring.json")
    assert relay.login(server.url, RELAY).code == 0
    other = relay("import-tasks", str(package))
    assert other.code == EXIT_REFUSED
    assert "for unit QN-BINHLIEU, not your unit (QN-HOANHMO)" in other.err
    tampered = tmp_path / "tampered.dxtasks"
    tampered.write_bytes(package.read_bytes().replace(b"2030-06-30", b"2031-06-30"))
    refused = client("import-tasks", str(tampered))
    assert refused.code == EXIT_REFUSED and "valid signature" in refused.err
    assert {t["code"]: t["deadline"] for t in client("tasks", "--json").json()["tasks"]}[code] == (
        "2030-06-30"
    )
