"""Attachments are proven per uploader: no oracle across units, no interference with
someone else's upload, a unit quota for unfinished uploads, and their expiry."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from typing import Any

from sqlalchemy import func, select

from dxdesk.clock import utcnow
from sync.protocol import MAX_BLOB_BYTES
from sync.server.config import DEFAULT_UPLOAD_QUOTA, DEFAULT_UPLOAD_TTL
from sync.server.db import Database
from sync.server.sweeper import UploadSweeper
from sync.server.tables import BlobUpload, UploadChunk
from tests.server.conftest import Api, World, report_body
from tests.server.test_cli import run_cli


def _attachment(sha: str, size: int) -> dict[str, Any]:
    return {"id": os.urandom(8).hex(), "sha256": sha, "size": size,
            "file_name": "biên bản.pdf", "mime_type": "application/pdf"}  # fmt: skip


def _progress(api: Api, task_id: str) -> int:
    task = next(t for t in api.sync()["tasks"] if t["id"] == task_id)
    progress: int = task["progress"]
    return progress


def _complete_flags(world: World, task_id: str) -> dict[str, bool]:
    listed = world.reviewer.get("/reports", params={"task_id": task_id}).json()
    return {r["id"]: r["complete"] for r in listed["reports"]}


def test_another_units_attachment_is_no_oracle(world: World) -> None:
    """Declaring a hash unit A holds tells unit B nothing, and B's report waits until
    B itself uploads the bytes."""
    data = os.urandom(20_000)
    sha = hashlib.sha256(data).hexdigest()
    mine = report_body(world.tasks_a[0], progress=70, attachments=[_attachment(sha, len(data))])
    assert world.officer_a.sync(reports=[mine])["acks"][0]["status"] == "incomplete"
    done = world.officer_a.put(f"/blobs/{sha}", data, params={"offset": 0, "size": len(data)})
    assert done.json()["complete"] is True

    unknown = hashlib.sha256(os.urandom(20_000)).hexdigest()  # held by nobody
    b = world.officer_b
    task_b = world.tasks_b[0]
    # Before declaring: the same refusal and the same status for both.
    for probe in (sha, unknown):
        assert b.get(f"/blobs/{probe}").json() == {
            "sha256": probe, "received": 0, "complete": False, "size": None
        }  # fmt: skip
        refused = b.put(f"/blobs/{probe}", b"x", params={"offset": 0, "size": len(data)})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "blob_not_declared"
    # Declared with the right size: held like any content nobody has, never accepted.
    acks = b.sync(
        reports=[
            report_body(task_b, progress=90, attachments=[_attachment(sha, len(data))]),
            report_body(task_b, progress=90, attachments=[_attachment(unknown, len(data))]),
        ]
    )["acks"]
    assert [(a["status"], a["missing_blobs"]) for a in acks] == [
        ("incomplete", [sha]),
        ("incomplete", [unknown]),
    ]
    assert acks[0]["message"] == acks[1]["message"]
    for probe in (sha, unknown):
        assert b.get(f"/blobs/{probe}").json() == {
            "sha256": probe, "received": 0, "complete": False, "size": len(data)
        }  # fmt: skip
    # Declared with a wrong size: also held, and no error names the size A uploaded.
    wrong = b.sync(reports=[report_body(task_b, progress=90, attachments=[_attachment(sha, 7)])])[
        "acks"
    ][0]
    assert wrong["status"] == "incomplete" and str(len(data)) not in json.dumps(wrong)
    assert _progress(b, task_b) == 0  # nothing of B's counts

    # B proves it has the bytes by uploading them: its right-size report counts.
    half = b.put(f"/blobs/{sha}", data[:5000], params={"offset": 0, "size": len(data)})
    assert half.json() == {"sha256": sha, "received": 5000, "complete": False, "size": len(data)}
    rest = b.put(f"/blobs/{sha}", data[5000:], params={"offset": 5000, "size": len(data)})
    assert rest.json()["complete"] is True
    flags = _complete_flags(world, task_b)
    assert flags[acks[0]["id"]] is True and flags[wrong["id"]] is False
    assert _progress(b, task_b) == 90


def test_an_upload_in_progress_belongs_to_its_uploader(world: World) -> None:
    """Unit B re-declaring A's hash with another size and writing one byte touches
    only B's own upload: A resumes where it was."""
    data = os.urandom(60_000)
    sha = hashlib.sha256(data).hexdigest()
    mine = report_body(world.tasks_a[0], progress=60, attachments=[_attachment(sha, len(data))])
    world.officer_a.sync(reports=[mine])
    first = world.officer_a.put(f"/blobs/{sha}", data[:30_000], params={"offset": 0})
    assert first.json()["received"] == 30_000

    attack = report_body(world.tasks_b[0], attachments=[_attachment(sha, 999)])
    assert world.officer_b.sync(reports=[attack])["acks"][0]["status"] == "incomplete"
    one = world.officer_b.put(f"/blobs/{sha}", b"\0", params={"offset": 0, "size": 999})
    assert one.status_code == 200 and one.json()["received"] == 1
    again = world.officer_b.put(f"/blobs/{sha}", b"\0", params={"offset": 0, "size": 5})
    assert again.status_code == 200 and again.json()["size"] == 5  # B restarts only B's

    assert world.officer_a.get(f"/blobs/{sha}").json() == {
        "sha256": sha, "received": 30_000, "complete": False, "size": len(data)
    }  # fmt: skip
    rest = world.officer_a.put(f"/blobs/{sha}", data[30_000:], params={"offset": 30_000})
    assert rest.status_code == 200 and rest.json()["complete"] is True, rest.text
    assert world.officer_a.sync(reports=[mine])["acks"][0]["status"] == "duplicate"
    assert world.officer_b.get(f"/blobs/{sha}").json()["received"] == 1


def test_a_report_counts_only_with_the_size_it_declares(world: World) -> None:
    """A 50,000-byte upload of a hash does not complete a report declaring 7 bytes."""
    data = os.urandom(50_000)
    sha = hashlib.sha256(data).hexdigest()
    api = world.officer_a
    small = report_body(world.tasks_a[0], progress=95, attachments=[_attachment(sha, 7)])
    true = report_body(world.tasks_a[1], progress=30, attachments=[_attachment(sha, len(data))])
    acks = api.sync(reports=[small, true])["acks"]
    assert [a["status"] for a in acks] == ["incomplete", "incomplete"]
    done = api.put(f"/blobs/{sha}", data, params={"offset": 0, "size": len(data)})
    assert done.json()["complete"] is True

    again = api.sync(reports=[small, true])["acks"]
    assert [(a["status"], a["missing_blobs"]) for a in again] == [
        ("incomplete", [sha]),
        ("duplicate", []),
    ]
    assert _complete_flags(world, world.tasks_a[0])[small["id"]] is False
    assert _progress(api, world.tasks_a[0]) == 0
    assert _progress(api, world.tasks_a[1]) == 30


def _chunk_copies(db: Database, sha: str) -> int:
    with db.read() as session:
        return int(
            session.scalar(
                select(func.count(func.distinct(UploadChunk.upload_id)))
                .join(BlobUpload, BlobUpload.id == UploadChunk.upload_id)
                .where(BlobUpload.sha256 == sha)
            )
            or 0
        )


def test_unfinished_uploads_have_a_unit_quota_and_expire(world: World, server_db: Database) -> None:
    """Junk declared as 100 MiB attachments: the unit's declared bytes in flight are
    capped, and abandoned uploads are dropped by the server's sweeper."""
    api = world.officer_a
    fits = DEFAULT_UPLOAD_QUOTA // MAX_BLOB_BYTES
    shas = [hashlib.sha256(os.urandom(16)).hexdigest() for _ in range(fits + 1)]
    junk = report_body(
        world.tasks_a[0], attachments=[_attachment(sha, MAX_BLOB_BYTES) for sha in shas]
    )
    assert api.sync(reports=[junk])["acks"][0]["status"] == "incomplete"
    for sha in shas[:fits]:
        assert api.put(f"/blobs/{sha}", b"junk", params={"offset": 0}).status_code == 200
    over = api.put(f"/blobs/{shas[-1]}", b"junk", params={"offset": 0})
    assert over.status_code == 429, over.text
    assert over.json()["error"]["code"] == "upload_quota_exceeded"
    # Another unit's quota is its own.
    other = hashlib.sha256(os.urandom(16)).hexdigest()
    world.officer_b.sync(
        reports=[report_body(world.tasks_b[0], attachments=[_attachment(other, MAX_BLOB_BYTES)])]
    )
    assert world.officer_b.put(f"/blobs/{other}", b"b", params={"offset": 0}).status_code == 200

    # Progress within the expiry keeps an upload; none for longer drops it.
    ttl = DEFAULT_UPLOAD_TTL
    soon = UploadSweeper(server_db, ttl, clock=lambda: utcnow() + ttl - dt.timedelta(hours=1))
    assert soon.run_once().expired == 0
    assert api.get(f"/blobs/{shas[0]}").json()["received"] == 4
    later = UploadSweeper(server_db, ttl, clock=lambda: utcnow() + ttl + dt.timedelta(seconds=1))
    assert later.run_once().expired >= fits
    assert api.get(f"/blobs/{shas[0]}").json() == {
        "sha256": shas[0], "received": 0, "complete": False, "size": MAX_BLOB_BYTES
    }  # fmt: skip
    assert api.put(f"/blobs/{shas[-1]}", b"junk", params={"offset": 0}).status_code == 200
    # The admin command does the same on demand.
    swept = run_cli("expire-uploads", "--db", world.server.db_url, "--older-than", "0.001",
                    "--json")  # fmt: skip
    assert swept.returncode == 0, swept.stderr
    assert json.loads(swept.stdout)["expired"] >= 1
    assert api.get(f"/blobs/{shas[-1]}").json()["received"] == 0


def test_content_uploaded_twice_is_stored_once_and_both_keep_their_proof(
    world: World, server_db: Database
) -> None:
    data = os.urandom(3000)
    sha = hashlib.sha256(data).hexdigest()
    for api, task in ((world.officer_a, world.tasks_a[0]), (world.officer_b, world.tasks_b[0])):
        api.sync(reports=[report_body(task, attachments=[_attachment(sha, len(data))])])
        assert api.put(f"/blobs/{sha}", data, params={"offset": 0}).json()["complete"] is True
    assert _chunk_copies(server_db, sha) == 2
    swept = UploadSweeper(server_db, DEFAULT_UPLOAD_TTL).run_once()
    assert swept.duplicates >= 1
    assert _chunk_copies(server_db, sha) == 1
    for api, task in ((world.officer_a, world.tasks_a[1]), (world.officer_b, world.tasks_b[0])):
        body = report_body(task, attachments=[_attachment(sha, len(data))])
        assert api.sync(reports=[body])["acks"][0]["status"] == "accepted"
