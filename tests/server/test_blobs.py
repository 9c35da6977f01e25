"""Attachments: resumable chunked upload, hash verification, held reports."""

from __future__ import annotations

import hashlib
import os
from typing import Any

from sync.protocol import MAX_CHUNK_BYTES
from tests.server.conftest import World, report_body


def _with_attachment(world: World, data: bytes) -> tuple[dict[str, Any], str]:
    sha = hashlib.sha256(data).hexdigest()
    attachment = {"id": os.urandom(8).hex(), "sha256": sha, "size": len(data),
                  "file_name": "biên bản.pdf", "mime_type": "application/pdf"}  # fmt: skip
    return report_body(world.tasks_a[0], progress=80, attachments=[attachment]), sha


def test_resumed_upload_completes_a_held_report(world: World) -> None:
    api = world.officer_a
    data = b"%PDF-1.4\n" + os.urandom(300_000)
    body, sha = _with_attachment(world, data)
    ack = api.sync(reports=[body])["acks"][0]
    assert ack["status"] == "incomplete" and ack["missing_blobs"] == [sha]
    assert api.get(f"/blobs/{sha}").json() == {
        "sha256": sha, "received": 0, "complete": False, "size": len(data)
    }  # fmt: skip
    first = api.put(f"/blobs/{sha}", data[:100_000], params={"offset": 0, "size": len(data)})
    assert first.status_code == 200 and first.json()["received"] == 100_000
    # The link drops; the device asks where to continue.
    assert api.get(f"/blobs/{sha}").json()["received"] == 100_000
    stale = api.put(f"/blobs/{sha}", data[:100_000], params={"offset": 0})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "offset_mismatch"
    assert stale.json()["error"]["received"] == 100_000
    # Still held: the task's progress has not moved and a re-push says what is missing.
    again = api.sync(reports=[body])["acks"][0]
    assert again["status"] == "incomplete" and again["missing_blobs"] == [sha]
    rest = api.put(
        f"/blobs/{sha}", data[100_000:], params={"offset": 100_000},
        headers={"X-Blob-Size": str(len(data))},
    )  # fmt: skip
    assert rest.status_code == 200, rest.text
    assert rest.json()["complete"] is True
    assert api.sync(reports=[body])["acks"][0]["status"] == "duplicate"
    task = next(t for t in api.sync()["tasks"] if t["id"] == world.tasks_a[0])
    assert task["progress"] == 80
    listed = world.reviewer.get("/reports", params={"task_id": world.tasks_a[0]}).json()
    assert [r["complete"] for r in listed["reports"] if r["id"] == body["id"]] == [True]
    # Uploading a finished blob again is harmless.
    assert api.put(f"/blobs/{sha}", data[:10], params={"offset": 0}).json()["complete"]


def test_corrupted_chunk_is_rejected_by_the_hash(world: World) -> None:
    api = world.officer_a
    data = os.urandom(50_000)
    body, sha = _with_attachment(world, data)
    api.sync(reports=[body])
    api.put(f"/blobs/{sha}", data[:20_000], params={"offset": 0})
    corrupted = bytearray(data[20_000:])
    corrupted[100] ^= 0xFF
    bad = api.put(f"/blobs/{sha}", bytes(corrupted), params={"offset": 20_000})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "hash_mismatch"
    assert api.get(f"/blobs/{sha}").json()["received"] == 0  # discarded, start over
    assert api.sync(reports=[body])["acks"][0]["status"] == "incomplete"
    good = api.put(f"/blobs/{sha}", data, params={"offset": 0})
    assert good.status_code == 200 and good.json()["complete"] is True
    assert api.sync(reports=[body])["acks"][0]["status"] == "duplicate"


def test_upload_limits_and_checks(world: World) -> None:
    api = world.officer_a
    data = os.urandom(MAX_CHUNK_BYTES + 10)
    body, sha = _with_attachment(world, data)
    api.sync(reports=[body])
    big = api.put(f"/blobs/{sha}", data, params={"offset": 0})
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "chunk_too_large"
    wrong_size = api.put(f"/blobs/{sha}", data[:10], params={"offset": 0, "size": 5})
    assert wrong_size.status_code == 422  # ten bytes do not fit the five it claims
    assert wrong_size.json()["error"]["code"] == "beyond_size"
    empty = api.put(f"/blobs/{sha}", b"", params={"offset": 0})
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "empty_chunk"
    bad_name = api.put("/blobs/NOT-A-HASH", b"x", params={"offset": 0})
    assert bad_name.status_code == 422 and bad_name.json()["error"]["field"] == "sha256"
    no_offset = api.put(f"/blobs/{sha}", b"x")
    assert no_offset.status_code == 422 and no_offset.json()["error"]["field"] == "offset"


def test_blobs_outside_ones_reports_are_closed(world: World) -> None:
    data = os.urandom(1000)
    body, sha = _with_attachment(world, data)
    world.officer_a.sync(reports=[body])
    # Unit B neither learns that the server knows this content nor can fill it.
    assert world.officer_b.get(f"/blobs/{sha}").json() == {
        "sha256": sha, "received": 0, "complete": False, "size": None
    }  # fmt: skip
    refused = world.officer_b.put(f"/blobs/{sha}", data, params={"offset": 0})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "blob_not_declared"
    undeclared = hashlib.sha256(b"never declared").hexdigest()
    assert world.officer_a.get(f"/blobs/{undeclared}").json()["received"] == 0
    assert (
        world.officer_a.put(f"/blobs/{undeclared}", b"x", params={"offset": 0}).status_code == 403
    )


def test_a_wrong_size_claim_elsewhere_cannot_block_a_report(world: World) -> None:
    data = os.urandom(1000)
    sha = hashlib.sha256(data).hexdigest()
    # Another unit declares the same content first, with a wrong size (a mistake or
    # an attack by someone who knows the file's hash), and uploads junk under it.
    claim = {"id": os.urandom(8).hex(), "sha256": sha, "size": 999,
             "file_name": "x.pdf", "mime_type": "application/pdf"}  # fmt: skip
    wrong = report_body(world.tasks_b[0], attachments=[claim])
    assert world.officer_b.sync(reports=[wrong])["acks"][0]["status"] == "incomplete"
    junk = world.officer_b.put(f"/blobs/{sha}", b"x" * 500, params={"offset": 0, "size": 999})
    assert junk.status_code == 200

    honest, _sha = _with_attachment(world, data)
    ack = world.officer_a.sync(reports=[honest])["acks"][0]
    assert ack["status"] == "incomplete" and ack["missing_blobs"] == [sha]  # held, not rejected
    # Unit B's bytes are B's upload: A has nothing to resume and starts its own.
    assert world.officer_a.get(f"/blobs/{sha}").json()["received"] == 0
    resumed = world.officer_a.put(
        f"/blobs/{sha}", data[500:], params={"offset": 500, "size": len(data)}
    )
    assert resumed.status_code == 409 and resumed.json()["error"]["received"] == 0
    done = world.officer_a.put(f"/blobs/{sha}", data, params={"offset": 0, "size": len(data)})
    assert done.json()["complete"] is True, done.text
    assert world.officer_a.sync(reports=[honest])["acks"][0]["status"] == "duplicate"

    # Once A's upload is verified its size is a fact for A: a new wrong claim is rejected.
    lying = report_body(world.tasks_a[1], attachments=[{**honest["attachments"][0], "size": 999}])
    ack = world.officer_a.sync(reports=[lying])["acks"][0]
    assert ack["status"] == "rejected" and ack["code"] == "attachment_size_mismatch"
