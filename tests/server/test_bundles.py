"""USB bundles, receipts and task packages against the real server process, on
SQLite and PostgreSQL: a relay of another unit delivers, a forged or damaged file
is refused with its own reason and stores nothing, a replay stores nothing again."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from dxdesk import b64url, sealing, signing
from dxdesk.canonical import canonical_json
from sync.protocol import MAX_BUNDLE_BYTES, bundle_format, signed_doc
from sync.server.db import Database
from sync.server.tables import AuditEvent, Blob, BundleImport, Report
from tests.server.conftest import Api, Backend, ServerProcess, World, report_body, run_cli
from tests.support.device import TestDevice

CODES = ("accepted", "duplicate", "incomplete", "rejected")


def _attachment(data: bytes) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data), "file_name": "ảnh hiện trường.jpg",
            "mime_type": "image/jpeg"}  # fmt: skip


def _device(api: Api) -> TestDevice:
    assert api.device is not None
    return api.device


def make_bundle(
    api: Api,
    user: str,
    bodies: list[dict[str, Any]],
    files: Sequence[bytes] = (),
    *,
    sealed_to: str | None = None,
    device: TestDevice | None = None,
    bundle_id: str | None = None,
) -> bytes:
    device = device or _device(api)
    key = sealed_to or api.server_public_key
    assert key is not None
    return bundle_format.build(
        bundle_id=bundle_id or str(uuid.uuid4()),
        device_id=device.device_id,
        signing_key=device.key,
        server_public_key=key,
        user=user,
        created_at="2026-12-08T03:00:00+00:00",
        reports=[device.sign(body) for body in bodies],
        attachments=[(hashlib.sha256(d).hexdigest(), d) for d in files],
    )


def deliver(api: Api, data: bytes) -> requests.Response:
    return api.http.post(
        api.url("/bundles"),
        data=data,
        headers={"Content-Type": "application/octet-stream"},
        timeout=120,
    )


def stored(server_db: Database, ids: list[str]) -> int:
    with server_db.read() as session:
        return int(session.scalar(select(func.count()).where(Report.id.in_(ids))) or 0)


def signing_key(api: Api) -> str:
    key: str = api.get("/server-key").json()["signing_key"]
    return key


def resign(data: bytes, key: Any, **header_changes: Any) -> bytes:
    """Replace the header's fields and signature, as a forger with ``key`` would."""
    parsed = bundle_format.parse(data)
    header = {**parsed.header.as_json(), **header_changes}
    line = canonical_json(header)
    signature = b64url.encode(key.sign(b"dxdesk bundle v1\n" + line))
    return bundle_format.MAGIC + line + b"\n" + signature.encode() + b"\n" + parsed.body


# -- delivery by a relay ------------------------------------------------------------


def test_a_relay_of_another_unit_delivers_and_the_receipt_is_signed(
    world: World, server_db: Database
) -> None:
    photo = b"\xff\xd8\xff\xe0" + os.urandom(150_000)
    bodies = [
        report_body(world.tasks_a[0], progress=55, attachments=[_attachment(photo)]),
        report_body(world.tasks_a[1], progress=20),
    ]
    data = make_bundle(world.officer_a, world.usernames["oa"], bodies, [photo])
    answer = deliver(world.officer_b, data)  # officer of unit B: no rights over unit A
    assert answer.status_code == 200, answer.text
    out = answer.json()
    assert (out["accepted"], out["rejected"], out["replayed"]) == (2, 0, False)

    receipt = signed_doc.load("receipt", out["receipt"].encode())
    assert signed_doc.verify("receipt", receipt, signing_key(world.officer_b))
    assert receipt.body["device_id"] == _device(world.officer_a).device_id
    assert [a["status"] for a in receipt.body["acks"]] == ["accepted", "accepted"]
    ids = [b["id"] for b in bodies]
    assert stored(server_db, ids) == 2
    with server_db.read() as session:
        blob = session.get(Blob, hashlib.sha256(photo).hexdigest())
        assert blob is not None and blob.complete and blob.size == len(photo)
        rows = session.scalars(select(Report).where(Report.id.in_(ids))).all()
        assert all(r.complete for r in rows)
        submitted = {r.submitted_by for r in rows}
        audit = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "bundle.import", AuditEvent.subject == out["bundle_id"]
            )
        ).one()
    assert audit.actor == world.usernames["ob"] and audit.detail["user"] == world.usernames["oa"]
    # Stored as officer A's (the signer's), not as the relay's.
    listed = world.reviewer.get("/reports", params={"task_id": world.tasks_a[0]}).json()
    assert [r["submitted_by"] for r in listed["reports"] if r["id"] == ids[0]] == [
        world.usernames["oa"]
    ]
    assert len(submitted) == 1
    # The unit B officer still sees nothing of unit A.
    status = world.officer_b.get(f"/blobs/{hashlib.sha256(photo).hexdigest()}").json()
    assert status["received"] == 0

    # The same file again: the original receipt, nothing new.
    again = deliver(world.reviewer, data).json()
    assert again["replayed"] is True and again["receipt"] == out["receipt"]
    assert stored(server_db, ids) == 2
    # A normal sync of the same reports afterwards: harmless duplicates.
    acks = world.officer_a.sync(reports=[_device(world.officer_a).sign(b) for b in bodies])
    assert [a["status"] for a in acks["acks"]] == ["duplicate", "duplicate"]
    assert stored(server_db, ids) == 2


def test_reports_already_sent_by_sync_are_duplicates_and_bad_ones_rejected(
    world: World, server_db: Database
) -> None:
    sent = report_body(world.tasks_a[0], progress=10)
    assert world.officer_a.sync(reports=[sent])["acks"][0]["status"] == "accepted"
    foreign = report_body(world.tasks_b[0], progress=10)  # unit B's task
    data = make_bundle(world.officer_a, world.usernames["oa"], [sent, foreign])
    out = deliver(world.officer_b, data).json()
    receipt = signed_doc.load("receipt", out["receipt"].encode()).body
    assert [(a["status"], a["code"]) for a in receipt["acks"]] == [
        ("duplicate", None),
        ("rejected", "forbidden_task"),
    ]
    assert stored(server_db, [sent["id"], foreign["id"]]) == 1


def test_a_bundle_repacked_by_another_user_does_not_count(
    world: World, server_db: Database
) -> None:
    """Officer B wraps officer A's genuine signed reports in a bundle of B's own:
    the bundle verifies, but A's reports are not B's to submit."""
    genuine = _device(world.officer_a).sign(report_body(world.tasks_a[0]))
    data = bundle_format.build(
        bundle_id=str(uuid.uuid4()),
        device_id=_device(world.officer_b).device_id,
        signing_key=_device(world.officer_b).key,
        server_public_key=str(world.officer_b.server_public_key),
        user=world.usernames["ob"],
        created_at="2026-12-08T03:00:00+00:00",
        reports=[genuine],
        attachments=[],
    )
    out = deliver(world.officer_b, data).json()
    acks = signed_doc.load("receipt", out["receipt"].encode()).body["acks"]
    assert [(a["status"], a["code"]) for a in acks] == [("rejected", "unknown_device")]
    assert stored(server_db, [genuine["id"]]) == 0


def test_impossible_dates_in_a_bundle_are_rejected_per_report(
    world: World, server_db: Database, tmp_path: Path
) -> None:
    """Relayed or imported at the office: the rest of the bundle counts."""
    server: ServerProcess = world.server
    for how in ("relay", "import-bundle"):
        good = report_body(world.tasks_a[0], progress=20)
        bad = report_body(world.tasks_a[1], created_at="9999-12-31T23:30:00-05:00")
        data = make_bundle(world.officer_a, world.usernames["oa"], [good, bad])
        if how == "relay":
            answer = deliver(world.officer_b, data)
            assert answer.status_code == 200, answer.text
            receipt = answer.json()["receipt"].encode()
        else:
            path = tmp_path / "xa-a.dxbundle"
            path.write_bytes(data)
            done = run_cli(
                "import-bundle", str(path), "--db", server.db_url, "--home", str(server.folder)
            )
            assert done.returncode == 0, done.stderr
            assert "Traceback" not in done.stderr and f"rejected {bad['id']}" in done.stdout
            receipt = Path(f"{path}.receipt").read_bytes()
        acks = signed_doc.load("receipt", receipt).body["acks"]
        assert [(a["status"], a["code"], a["field"]) for a in acks] == [
            ("accepted", None, None),
            ("rejected", "invalid_report", "created_at"),
        ], how
        assert stored(server_db, [good["id"], bad["id"]]) == 1


# -- refusals -----------------------------------------------------------------------


def _refused(world: World, server_db: Database, data: bytes, ids: list[str]) -> dict[str, Any]:
    answer = deliver(world.officer_b, data)
    assert answer.status_code in (409, 422), answer.text
    error: dict[str, Any] = answer.json()["error"]
    assert error["message"]
    assert stored(server_db, ids) == 0
    return error


def test_damaged_forged_and_misdirected_bundles_are_refused(
    world: World, server_db: Database
) -> None:
    body = report_body(world.tasks_a[0], progress=33)
    user = world.usernames["oa"]
    data = make_bundle(world.officer_a, user, [body], [os.urandom(5000)])
    flipped = bytearray(data)
    flipped[-200] ^= 0x01
    stranger, theirs = TestDevice(), _device(world.officer_b)
    other_server = sealing.public_key_text(sealing.generate())
    cases: dict[str, tuple[bytes, str, str]] = {
        "truncated": (data[:-1000], "bundle_truncated", "truncated"),
        "bit-flipped": (bytes(flipped), "bundle_corrupted", "checksum"),
        "re-signed by another device": (
            resign(data, theirs.key, signing_key=theirs.public_key),
            "bundle_foreign_signer",
            "re-signed by another device",
        ),
        "signature swapped": (resign(data, stranger.key), "bundle_bad_signature", "altered"),
        "wrong server": (
            make_bundle(world.officer_a, user, [body], sealed_to=other_server),
            "bundle_wrong_server",
            signing.fingerprint(other_server),
        ),
        "unregistered device": (
            make_bundle(world.officer_a, user, [body], device=stranger),
            "bundle_unknown_device",
            stranger.device_id,
        ),
        "another user named inside": (
            make_bundle(world.officer_a, world.usernames["ob"], [body]),
            "bundle_user_mismatch",
            world.usernames["ob"],
        ),
        "not a bundle": (b"%PDF-1.4 just a document", "bundle_not_ours", "not a dxdesk bundle"),
    }
    for name, (sent, code, words) in cases.items():
        error = _refused(world, server_db, sent, [body["id"]])
        assert error["code"] == code, (name, error)
        assert words in error["message"], (name, error["message"])
    with server_db.read() as session:
        refusals = session.scalars(
            select(AuditEvent.detail).where(
                AuditEvent.action == "bundle.refused", AuditEvent.actor == world.usernames["ob"]
            )
        ).all()
    assert {d["code"] for d in refusals} == {code for _d, code, _w in cases.values()}
    # The genuine file still goes through afterwards.
    assert deliver(world.officer_b, data).json()["accepted"] == 1


def test_a_different_bundle_under_a_known_id_is_refused(world: World, server_db: Database) -> None:
    user, bundle_id = world.usernames["oa"], str(uuid.uuid4())
    first = report_body(world.tasks_a[0])
    second = report_body(world.tasks_a[0])
    ok = deliver(world.officer_b, make_bundle(world.officer_a, user, [first], bundle_id=bundle_id))
    assert ok.status_code == 200
    again = make_bundle(world.officer_a, user, [second], bundle_id=bundle_id)
    error = _refused(world, server_db, again, [second["id"]])
    assert error["code"] == "bundle_id_reused"
    with server_db.read() as session:
        assert session.get(BundleImport, bundle_id) is not None


def test_an_oversized_bundle_gets_a_clear_413(world: World, backend: Backend) -> None:
    if backend.name != "sqlite":
        pytest.skip("the HTTP limit does not depend on the database")
    answer = deliver(world.officer_b, b"DXDESK-BUNDLE 1\n" + bytes(MAX_BUNDLE_BYTES))
    assert answer.status_code == 413
    error = answer.json()["error"]
    assert error["code"] == "bundle_too_large" and "import-bundle" in error["message"]


# -- the admin commands ---------------------------------------------------------------


def test_import_bundle_command_writes_the_receipt_and_is_harmless_twice(
    world: World, server_db: Database, tmp_path: Path
) -> None:
    server: ServerProcess = world.server
    body = report_body(world.tasks_a[0], progress=61)
    path = tmp_path / "xa-a.dxbundle"
    path.write_bytes(make_bundle(world.officer_a, world.usernames["oa"], [body]))
    common = ("--db", server.db_url, "--home", str(server.folder))
    first = run_cli("import-bundle", str(path), *common)
    assert first.returncode == 0, first.stderr
    assert "1 accepted" in first.stdout
    receipt = Path(f"{path}.receipt").read_bytes()
    assert signed_doc.verify(
        "receipt", signed_doc.load("receipt", receipt), signing_key(world.officer_a)
    )
    second = run_cli("import-bundle", str(path), *common)
    assert second.returncode == 0 and "already imported" in second.stdout
    assert Path(f"{path}.receipt").read_bytes() == receipt
    assert stored(server_db, [body["id"]]) == 1
    path.write_bytes(path.read_bytes()[:-10])
    cut = run_cli("import-bundle", str(path), *common)
    assert cut.returncode == 1 and "truncated" in cut.stderr


def test_export_tasks_writes_a_signed_package_of_one_unit(world: World, tmp_path: Path) -> None:
    server: ServerProcess = world.server
    body = report_body(world.tasks_a[0], progress=40)
    world.officer_a.sync(reports=[body])
    returned = world.reviewer.post(f"/reports/{body['id']}/return", {"comment": "Bổ sung ảnh"})
    assert returned.status_code == 200
    path = tmp_path / "tasks.dxtasks"
    done = run_cli(
        "export-tasks", "--unit", world.unit_a, str(path),
        "--db", server.db_url, "--home", str(server.folder),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    package = signed_doc.load("tasks", path.read_bytes())
    assert signed_doc.verify("tasks", package, signing_key(world.officer_a))
    assert package.body["unit_code"] == world.unit_a
    assert {t["id"] for t in package.body["tasks"]} == set(world.tasks_a)
    assert [(r["report_id"], r["state"], r["comment"]) for r in package.body["reviews"]] == [
        (body["id"], "returned", "Bổ sung ảnh")
    ]
    unknown = run_cli("export-tasks", "--unit", "NOPE", str(path), "--db", server.db_url,
                      "--home", str(server.folder))  # fmt: skip
    assert unknown.returncode == 1 and "no unit" in unknown.stderr
