"""A classified report's attachment bytes, against the real server process (SQLite
and PostgreSQL): sealed by the device, uploaded and stored sealed, opened only for a
reviewer in scope who asks (audited); sent in the clear by an older device, sealed
by the server chunk by chunk as they arrive."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from dxdesk import attachment_seal
from sync.server import accounts
from sync.server.db import Database
from sync.server.tables import AuditEvent, BlobUpload, UploadChunk
from tests.server.conftest import PASSWORD, World, login, report_body
from tests.server.test_bundles import deliver, make_bundle
from tests.support.console import ConsoleClient
from tests.support.device import rehash, seal, seal_with_files

MARKER = b"ATTACHMENT-MARKER-5d1c-Q7"
NAME = "bien-ban-mat-Q7.pdf"


def _pdf() -> bytes:
    # Over one chunk and one segment, the marker in the middle and at the end.
    return b"%PDF-1.4\n" + os.urandom(70_000) + MARKER + os.urandom(9_000) + MARKER


def _attachment(data: bytes, name: str = NAME) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex[:16], "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data), "file_name": name, "mime_type": "application/pdf"}  # fmt: skip


def _key(world: World) -> str:
    assert world.officer_a.server_public_key is not None
    return world.officer_a.server_public_key


def _upload(world: World, sha: str, data: bytes, chunk: int = 50_000) -> None:
    for offset in range(0, len(data), chunk):
        put = world.officer_a.put(
            f"/blobs/{sha}", data[offset : offset + chunk],
            params={"offset": offset, "size": len(data)},
        )  # fmt: skip
        assert put.status_code == 200, put.text


def _stored_bytes(world: World, server_db: Database) -> bytes:
    """Every byte the server keeps: its SQLite file and WAL raw, and every stored
    chunk and audit detail as read back (PostgreSQL keeps its own files)."""
    parts: list[bytes] = []
    url = make_url(world.server.db_url)
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        parts += [p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()]
    with server_db.read() as session:
        parts += list(session.scalars(select(UploadChunk.data)))
        parts += [repr(d).encode() for d in session.scalars(select(AuditEvent.detail))]
    for folder in (world.server.folder,):
        parts += [p.read_bytes() for p in folder.rglob("*") if p.is_file()]
    return b"\n".join(parts)


def _sent(world: World, data: bytes) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    """A sealed report with ``data`` attached, synced and its sealed bytes uploaded."""
    attachment = _attachment(data)
    plain = report_body(world.tasks_a[0], progress=55, results="Mật: xem biên bản",
                        attachments=[attachment])  # fmt: skip
    body, sealed = seal_with_files(plain, _key(world), {attachment["id"]: data})
    ack = world.officer_a.sync(reports=[body])["acks"][0]
    assert ack["status"] == "incomplete", ack
    assert ack["missing_blobs"] == [body["attachments"][0]["sha256"]]
    _upload(world, body["attachments"][0]["sha256"], sealed[attachment["id"]])
    return body, attachment, sealed[attachment["id"]]


def _unseals(server_db: Database, report_id: str) -> list[tuple[str, Any]]:
    with server_db.read() as session:
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.detail).where(
                AuditEvent.action == "report.unseal", AuditEvent.subject == report_id
            )
        )
        return [(actor, detail) for actor, detail in rows]


def test_sealed_bytes_are_stored_sealed_and_opened_only_for_a_reviewer_in_scope(
    world: World, server_db: Database
) -> None:
    data = _pdf()
    body, attachment, sealed = _sent(world, data)
    assert MARKER not in sealed
    report_id = body["id"]
    # Stored as uploaded, verified by the sealed bytes' hash without opening them.
    listed = world.reviewer.get("/reports", params={"task_id": world.tasks_a[0]}).json()
    row = next(r for r in listed["reports"] if r["id"] == report_id)
    assert row["complete"] is True and row["sealed"] is True
    assert row["attachments"][0]["mime_type"] == attachment_seal.SEALED_MIME
    assert MARKER not in _stored_bytes(world, server_db)
    assert not _unseals(server_db, report_id)

    # Opened for the reviewer: the file as attached, and the opening is audited.
    opened = world.reviewer.get(f"/reports/{report_id}").json()
    (shown,) = opened["attachments"]
    assert (shown["file_name"], shown["sha256"], shown["size"], shown["mime_type"]) == (
        NAME, attachment["sha256"], len(data), "application/pdf",
    )  # fmt: skip
    got = world.reviewer.get(f"/reports/{report_id}/attachments/{attachment['id']}")
    assert got.status_code == 200, got.text
    assert got.content == data
    assert got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Disposition"].endswith(NAME)
    actors = _unseals(server_db, report_id)
    assert (world.usernames["rv"], {"attachment": attachment["id"]}) in actors
    # Opening wrote nothing in the clear.
    assert MARKER not in _stored_bytes(world, server_db)

    # An officer is no reviewer; a reviewer of another province sees no such report.
    path = f"/reports/{report_id}/attachments/{attachment['id']}"
    assert world.officer_a.get(path).status_code == 403
    other = f"rv3.{world.prefix.lower()}"
    with server_db.write() as session:
        code = f"R{world.prefix}"
        accounts.add_unit(session, code, "Tỉnh Khác", None, "province")
        accounts.add_user(session, username=other, password=PASSWORD, role="reviewer",
                          unit_code=code)  # fmt: skip
    outsider = login(world.server.base, other)
    try:
        refused = outsider.get(path)
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
        assert outsider.get(f"/reports/{report_id}").status_code == 404
    finally:
        outsider.close()
    assert [a for a, _ in _unseals(server_db, report_id)].count(other) == 0


def test_tampered_or_swapped_sealed_bytes_are_refused(world: World, server_db: Database) -> None:
    data = _pdf()
    # Altered on the way: the sealed bytes' hash does not match, nothing is kept.
    attachment = _attachment(data)
    plain = report_body(world.tasks_a[0], attachments=[attachment])
    body, sealed = seal_with_files(plain, _key(world), {attachment["id"]: data})
    world.officer_a.sync(reports=[body])
    sha = body["attachments"][0]["sha256"]
    altered = bytearray(sealed[attachment["id"]])
    altered[100] ^= 0x01
    put = world.officer_a.put(f"/blobs/{sha}", bytes(altered),
                              params={"offset": 0, "size": len(altered)})  # fmt: skip
    assert put.status_code == 422 and put.json()["error"]["code"] == "hash_mismatch"

    # Altered in the database: the reviewer gets a refusal, never a damaged file.
    stored, _, _ = _sent(world, data)
    stored_sha = stored["attachments"][0]["sha256"]
    with server_db.write() as session:
        upload_id = session.scalar(select(BlobUpload.id).where(BlobUpload.sha256 == stored_sha))
        first = session.scalar(
            select(UploadChunk.data).where(UploadChunk.upload_id == upload_id,
                                           UploadChunk.offset == 0)
        )  # fmt: skip
        assert first is not None
        flipped = bytearray(first)
        flipped[-1] ^= 0x01
        session.execute(
            update(UploadChunk)
            .where(UploadChunk.upload_id == upload_id, UploadChunk.offset == 0)
            .values(data=bytes(flipped))
        )
    attachment_id = stored["attachments"][0]["id"]
    got = world.reviewer.get(f"/reports/{stored['id']}/attachments/{attachment_id}")
    assert got.status_code == 409 and got.json()["error"]["code"] == "sealed_unreadable"

    # Sealed for another report: the signed hash matches, but it never opens as this one's.
    donor, donor_attachment, donor_sealed = _sent(world, data)
    thief_attachment = {**_attachment(data), "id": donor_attachment["id"]}
    thief_plain = report_body(world.tasks_a[1], attachments=[thief_attachment])
    thief, _ = seal_with_files(thief_plain, _key(world), {thief_attachment["id"]: data})
    moved = {**thief["attachments"][0], "sha256": donor["attachments"][0]["sha256"]}
    thief = rehash({**thief, "attachments": [moved]})
    assert world.officer_a.sync(reports=[thief])["acks"][0]["status"] == "accepted"
    got = world.reviewer.get(f"/reports/{thief['id']}/attachments/{thief_attachment['id']}")
    assert got.status_code == 409 and got.json()["error"]["code"] == "sealed_unreadable"
    assert donor_sealed  # the donor's own file still opens
    donor_got = world.reviewer.get(f"/reports/{donor['id']}/attachments/{donor_attachment['id']}")
    assert donor_got.status_code == 200 and donor_got.content == data


@pytest.mark.parametrize("case", ["sealed bytes, clear report", "no original", "wrong size"])
def test_sealed_bytes_must_be_described_inside_the_seal(world: World, case: str) -> None:
    data = _pdf()
    attachment = _attachment(data)
    plain = report_body(world.tasks_a[0], attachments=[attachment])
    body, _ = seal_with_files(plain, _key(world), {attachment["id"]: data})
    if case == "sealed bytes, clear report":
        body = rehash({**plain, "attachments": body["attachments"]})
        field = "attachments.0.mime_type"
    elif case == "no original":  # an older device's seal (names only), sealed bytes
        names_only = seal(plain, _key(world))
        body = rehash({**names_only, "attachments": body["attachments"]})
        field = "sealed.attachments"
    else:
        grown = {**body["attachments"][0], "size": body["attachments"][0]["size"] + 1}
        body = rehash({**body, "attachments": [grown]})
        field = "attachments.0.size"
    ack = world.officer_a.sync(reports=[body])["acks"][0]
    assert (ack["status"], ack["code"], ack["field"]) == ("rejected", "invalid_report", field)


def test_an_older_devices_classified_attachment_is_sealed_as_it_arrives(
    world: World, server_db: Database
) -> None:
    """dxdesk 0.1 seals the words and names only (or nothing, when queued before
    sealing): its attachment bytes arrive in the clear and are sealed chunk by chunk."""
    for sealed_words in (True, False):
        data = _pdf()
        attachment = _attachment(data)
        plain = report_body(world.tasks_a[0], classification="secret", attachments=[attachment])
        body = seal(plain, _key(world)) if sealed_words else plain
        assert world.officer_a.sync(reports=[body])["acks"][0]["status"] == "incomplete"
        _upload(world, attachment["sha256"], data)
        assert MARKER not in _stored_bytes(world, server_db)
        with server_db.read() as session:
            upload = session.scalar(
                select(BlobUpload).where(BlobUpload.sha256 == attachment["sha256"])
            )
            assert upload is not None and upload.sealed and upload.complete
        path = f"/reports/{body['id']}/attachments/{attachment['id']}"
        got = world.reviewer.get(path)
        assert got.status_code == 200 and got.content == data
        assert got.headers["Content-Type"] == "application/pdf"
        assert _unseals(server_db, body["id"])
    # A normal report's attachment stays as it always was.
    data = b"%PDF-1.4 normal " + os.urandom(64)
    attachment = _attachment(data)
    body = report_body(world.tasks_a[0], attachments=[attachment])
    world.officer_a.sync(reports=[body])
    _upload(world, attachment["sha256"], data)
    with server_db.read() as session:
        upload = session.scalar(select(BlobUpload).where(BlobUpload.sha256 == attachment["sha256"]))
        assert upload is not None and not upload.sealed
    got = world.reviewer.get(f"/reports/{body['id']}/attachments/{attachment['id']}")
    assert got.status_code == 200 and got.content == data


def test_classified_attachments_in_a_usb_bundle_are_stored_sealed(
    world: World, server_db: Database
) -> None:
    """A bundle carries a 0.2 device's sealed bytes as they are, and a 0.1 device's
    classified attachment in the clear (inside the sealed body), sealed on import."""
    new_data, old_data = _pdf(), _pdf()
    new_attachment, old_attachment = _attachment(new_data), _attachment(old_data)
    new_plain = report_body(world.tasks_a[0], attachments=[new_attachment])
    new_body, sealed = seal_with_files(new_plain, _key(world), {new_attachment["id"]: new_data})
    old_body = seal(report_body(world.tasks_a[1], attachments=[old_attachment]), _key(world))
    bundle = make_bundle(
        world.officer_a, world.usernames["oa"], [new_body, old_body],
        [sealed[new_attachment["id"]], old_data],
    )  # fmt: skip
    assert MARKER not in bundle
    answer = deliver(world.officer_b, bundle)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["accepted"], answer.json()["rejected"]) == (2, 0)
    assert MARKER not in _stored_bytes(world, server_db)
    for body, attachment, data in (
        (new_body, new_attachment, new_data),
        (old_body, old_attachment, old_data),
    ):
        got = world.reviewer.get(f"/reports/{body['id']}/attachments/{attachment['id']}")
        assert got.status_code == 200 and got.content == data


def test_the_console_serves_a_sealed_file_only_from_the_opened_report(
    world: World, server_db: Database
) -> None:
    data = _pdf()
    body, attachment, _ = _sent(world, data)
    console = ConsoleClient(world.server.base)
    try:
        assert console.login(world.usernames["rv"], PASSWORD).status_code == 200
        page = f"/reports/{body['id']}"
        path = f"{page}/files/{attachment['id']}"
        assert console.get(path).status_code == 404  # not without opening it
        assert not _unseals(server_db, body["id"])
        opened = console.submit(page, f"{page}/open")
        assert opened.status_code == 200 and NAME in opened.text
        got = console.submit(page, path)
        assert got.status_code == 200 and got.content == data
        assert got.headers["Content-Type"] == "application/pdf"
        assert got.headers["Content-Disposition"].endswith(NAME)
        assert (world.usernames["rv"], {"attachment": attachment["id"]}) in _unseals(
            server_db, body["id"]
        )
    finally:
        console.close()
    assert MARKER not in _stored_bytes(world, server_db)
