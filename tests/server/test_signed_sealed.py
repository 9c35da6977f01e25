"""Signed reports and sealed classified reports, against the real server process.

Nothing a device did not sign counts; a classified report's words never reach the
server's database in the clear, yet a reviewer in scope (and the admin CLI) can
read them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import stat
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from dxdesk import b64url, report_seal, sealing
from sync.server import cli
from sync.server.db import Database
from sync.server.keys import KEY_FILE_NAME
from sync.server.tables import AuditEvent, Device, Report
from tests.server.conftest import Api, World, login, report_body
from tests.support.device import TestDevice, rehash, seal

# The ASCII marker is what the raw-byte scans look for: JSON columns may store the
# Vietnamese letters escaped (\u1eadt), ASCII is stored as it is.
MARKER = "MARKER-7f3a-K9"
SECRET_WORDS = f"Mật: kho tại điểm {MARKER}"


def _ack(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    ack: dict[str, Any] = api.sync(reports=[body])["acks"][0]
    return ack


def _stored(server_db: Database, report_id: str) -> int:
    with server_db.read() as session:
        return int(session.scalar(select(func.count()).where(Report.id == report_id)) or 0)


def _device(api: Api) -> TestDevice:
    assert api.device is not None
    return api.device


def _key(api: Api) -> str:
    assert api.server_public_key is not None
    return api.server_public_key


# -- signatures -----------------------------------------------------------------


def _attachment(data: bytes) -> dict[str, Any]:
    sha = hashlib.sha256(data).hexdigest()
    return {"id": uuid.uuid4().hex, "sha256": sha, "size": len(data),
            "file_name": "biên bản.pdf", "mime_type": "application/pdf"}  # fmt: skip


ALTERATIONS: dict[str, Callable[[dict[str, Any], World], None]] = {
    "progress": lambda b, w: b.update(progress=100),
    "results": lambda b, w: b.update(results=b["results"] + "."),
    "task_id": lambda b, w: b.update(task_id=w.tasks_a[1]),
    "author": lambda b, w: b.update(author="Người khác"),
    "created_at": lambda b, w: b.update(created_at="2026-11-21T08:30:00.123456+00:00"),
    "classification": lambda b, w: b.update(classification="secret"),
    "attachment sha256": lambda b, w: b["attachments"][0].update(sha256="ab" * 32),
    "attachment name": lambda b, w: b["attachments"][0].update(file_name="khác.pdf"),
}


@pytest.mark.parametrize("rehashed", [False, True], ids=["same-hash", "rehashed"])
def test_a_report_altered_after_signing_is_rejected(
    world: World, server_db: Database, rehashed: bool
) -> None:
    device = _device(world.officer_a)
    for name, alter in ALTERATIONS.items():
        body = report_body(world.tasks_a[0], attachments=[_attachment(os.urandom(64))])
        signed = device.sign(body)
        alter(signed, world)
        if rehashed:  # a forger who knows to fix the hash, but has no key
            signed = {**rehash(signed), "signature": signed["signature"],
                      "device_id": signed["device_id"]}  # fmt: skip
        ack = _ack(world.officer_a, signed)
        assert (ack["status"], ack["code"], ack["field"]) == (
            "rejected", "bad_signature", "signature"), name  # fmt: skip
        assert _stored(server_db, body["id"]) == 0, name


def test_uploaded_bytes_must_be_the_signed_ones(world: World) -> None:
    """The signature pins each attachment's sha256; bytes that differ by one byte
    never count, and the report stays held until the right bytes arrive."""
    api = world.officer_a
    data = b"%PDF-1.4\n" + os.urandom(5000)
    body = report_body(world.tasks_a[0], progress=85, attachments=[_attachment(data)])
    sha = body["attachments"][0]["sha256"]
    assert _ack(api, body)["status"] == "incomplete"
    forged = bytearray(data)
    forged[100] ^= 0x01
    put = api.put(f"/blobs/{sha}", bytes(forged), params={"offset": 0, "size": len(data)})
    assert put.status_code == 422 and put.json()["error"]["code"] == "hash_mismatch"
    assert api.get(f"/blobs/{sha}").json()["received"] == 0  # the bytes were dropped
    again = _ack(api, body)
    assert again["status"] == "incomplete" and again["missing_blobs"] == [sha]
    listed = world.reviewer.get("/reports", params={"task_id": world.tasks_a[0]}).json()
    assert [r["complete"] for r in listed["reports"] if r["id"] == body["id"]] == [False]
    assert api.put(f"/blobs/{sha}", data, params={"offset": 0}).json()["complete"] is True
    assert _ack(api, body)["status"] == "duplicate"


def test_a_replayed_report_is_a_duplicate_never_a_second_report(
    world: World, server_db: Database
) -> None:
    device = _device(world.officer_a)
    signed = device.sign(report_body(world.tasks_a[0], progress=45))
    assert _ack(world.officer_a, signed)["status"] == "accepted"
    # The same bytes again, on this session and on a new login of the same device.
    assert _ack(world.officer_a, signed)["status"] == "duplicate"
    again = login(world.server.base, world.usernames["oa"], device=device)
    try:
        assert _ack(again, signed)["status"] == "duplicate"
    finally:
        again.close()
    assert _stored(server_db, signed["id"]) == 1


def test_a_report_signed_elsewhere_is_rejected(world: World, server_db: Database) -> None:
    mine, theirs = _device(world.officer_a), _device(world.officer_b)
    body = report_body(world.tasks_a[0])
    stranger = TestDevice()  # never registered
    cases = {
        "unsigned": ({**body}, "bad_signature"),
        "unregistered device": (stranger.sign(body), "unknown_device"),
        # A key that is not the one registered for this user and device.
        "unregistered key": (
            {**stranger.sign(body), "device_id": mine.device_id},
            "bad_signature",
        ),
        # Officer B's registered device and key: registered, but not for officer A.
        "another user's device": (theirs.sign(body), "unknown_device"),
        "another user's key": (
            {**theirs.sign(body), "device_id": mine.device_id},
            "bad_signature",
        ),
        "not base64": ({**mine.sign(body), "signature": "!" * 86}, "invalid_report"),
    }
    for name, (sent, code) in cases.items():
        ack = world.officer_a.post("/sync", {"reports": [sent]}).json()["acks"][0]
        assert (ack["status"], ack["code"]) == ("rejected", code), name
        assert ack["message"], name
    # Officer A's genuine report, replayed with officer B's session: not B's to send.
    genuine = mine.sign(body)
    ack = world.officer_b.post("/sync", {"reports": [genuine]}).json()["acks"][0]
    assert (ack["status"], ack["code"]) == ("rejected", "unknown_device")
    assert _stored(server_db, body["id"]) == 0
    assert _ack(world.officer_a, genuine)["status"] == "accepted"


def test_login_registers_the_device_key_and_audits_it(world: World, server_db: Database) -> None:
    device = _device(world.officer_a)
    with server_db.read() as session:
        rows = session.scalars(select(Device).where(Device.device_id == device.device_id)).all()
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "device.register", AuditEvent.subject == device.device_id
            )
        ).all()
    assert [row.public_key for row in rows] == [device.public_key]
    assert [e.actor for e in events] == [world.usernames["oa"]]
    # Logging in again with the same key registers nothing new.
    login(world.server.base, world.usernames["oa"], device=device).close()
    with server_db.read() as session:
        count = session.scalar(
            select(func.count()).where(AuditEvent.action == "device.register",
                                       AuditEvent.subject == device.device_id)
        )  # fmt: skip
    assert count == 1
    half = world.officer_a.post(
        "/auth/login",
        {
            "username": world.usernames["oa"],
            "password": "x" * 8,
            "device_id": device.device_id,
        },
    )
    assert half.status_code == 422


def test_listing_names_who_signed(world: World) -> None:
    body = report_body(world.tasks_a[0], progress=30)
    _ack(world.officer_a, body)
    listed = world.reviewer.get("/reports", params={"task_id": world.tasks_a[0]}).json()
    row = next(r for r in listed["reports"] if r["id"] == body["id"])
    assert row["signed_by"] == world.usernames["oa"]
    assert row["device_id"] == _device(world.officer_a).device_id
    assert row["sealed"] is False
    shown = _show(world, body["id"])
    assert (shown["signature_status"], shown["results"]) == ("valid", body["results"])


# -- the server's key -------------------------------------------------------------


def test_the_server_key_is_published_and_kept_owner_only(world: World, anon: Api) -> None:
    published = anon.get("/server-key").json()
    assert published["algorithm"] == "x25519"
    assert published["public_key"] == _key(world.officer_a)
    key_file = world.server.folder / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    private = sealing.private_key_from_bytes(b64url.decode(key_file.read_text().strip()))
    assert sealing.public_key_text(private) == published["public_key"]


# -- classified reports -------------------------------------------------------------


def _database_bytes(world: World) -> bytes | None:
    """The SQLite database file and its WAL, raw; None on PostgreSQL."""
    url = make_url(world.server.db_url)
    if url.get_backend_name() != "sqlite":
        return None
    path = Path(str(url.database))
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def _never_stored(world: World, server_db: Database, text: str, seen: str = "") -> None:
    """``text`` is nowhere in the database; ``seen`` (stored in the clear) is, which
    shows the scan reads what was written."""
    raw = _database_bytes(world)
    if raw is not None:
        assert text.encode("utf-8") not in raw
        assert seen.encode("utf-8") in raw
    with server_db.read() as session:  # and on PostgreSQL: no row says it either
        for report in session.scalars(select(Report)):
            assert text not in json.dumps(report.body, ensure_ascii=False)
        for event in session.scalars(select(AuditEvent)):
            assert text not in json.dumps(event.detail, ensure_ascii=False)


def _show(world: World, report_id: str) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["reports", "--show", report_id, "--json", "--db", world.server.db_url,
                         "--home", str(world.server.folder)])  # fmt: skip
    assert code == 0
    shown: dict[str, Any] = json.loads(out.getvalue())
    return shown


def test_a_sealed_report_is_stored_sealed_and_opened_for_reviewers(
    world: World, server_db: Database
) -> None:
    data = b"%PDF-1.4\n" + os.urandom(256)
    attachment = {**_attachment(data), "file_name": "K9-7f3a.pdf"}
    plain = report_body(
        world.tasks_a[0], progress=65, results=SECRET_WORDS, difficulties="Thiếu người",
        indicator_values={"HS": 12}, attachments=[attachment],
    )  # fmt: skip
    sealed = seal(plain, _key(world.officer_a))
    assert SECRET_WORDS not in json.dumps(sealed, ensure_ascii=False)
    assert _ack(world.officer_a, sealed)["status"] == "incomplete"
    sha = sealed["attachments"][0]["sha256"]
    assert world.officer_a.put(f"/blobs/{sha}", data, params={"offset": 0}).status_code == 200
    _never_stored(world, server_db, MARKER, seen=plain["id"])
    _never_stored(world, server_db, "K9-7f3a.pdf", seen=sha)

    listed = world.reviewer.get("/reports", params={"task_id": world.tasks_a[0]}).json()
    row = next(r for r in listed["reports"] if r["id"] == plain["id"])
    assert row["sealed"] is True and row["results"] == "" and row["progress"] == 65
    assert row["complete"] is True  # progress counts: it stayed in the clear
    opened = world.reviewer.get(f"/reports/{plain['id']}").json()
    assert (opened["results"], opened["difficulties"]) == (SECRET_WORDS, "Thiếu người")
    assert opened["indicator_values"] == {"HS": 12}
    assert [a["file_name"] for a in opened["attachments"]] == ["K9-7f3a.pdf"]
    assert world.officer_a.get(f"/reports/{plain['id']}").status_code == 403
    shown = _show(world, plain["id"])
    assert shown["results"] == SECRET_WORDS and shown["signature_status"] == "valid"
    with server_db.read() as session:
        unseals = session.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "report.unseal",
                                           AuditEvent.subject == plain["id"])
        ).all()  # fmt: skip
    assert sorted(unseals) == sorted(["admin", world.usernames["rv"]])
    _never_stored(world, server_db, MARKER, seen=plain["id"])


def test_a_classified_report_sent_in_the_clear_is_sealed_on_arrival(
    world: World, server_db: Database
) -> None:
    """Queued by a dxdesk from before sealing (signed lazily): sealed here."""
    marker = f"OLD-{uuid.uuid4().hex[:8]}"
    words = f"{SECRET_WORDS} (cũ {marker})"
    body = report_body(world.tasks_a[0], classification="secret", results=words)
    assert _ack(world.officer_a, body)["status"] == "accepted"
    _never_stored(world, server_db, marker, seen=body["id"])
    assert world.reviewer.get(f"/reports/{body['id']}").json()["results"] == words
    shown = _show(world, body["id"])
    assert shown["signature_status"] == "valid" and shown["results"] == words
    assert _ack(world.officer_a, body)["status"] == "duplicate"


def test_bad_seals_are_rejected(world: World, server_db: Database) -> None:
    key = _key(world.officer_a)
    base = report_body(world.tasks_a[0], results=SECRET_WORDS)

    def with_sealed(text: str) -> dict[str, Any]:
        return rehash({**seal(base, key), "sealed": text})

    good = seal(base, key)
    raw = bytearray(b64url.decode(good["sealed"]))
    raw[-1] ^= 0x01
    other_server = sealing.public_key_text(sealing.generate())
    wrong_content = {**seal(base, key), "sealed": ""}
    cases: dict[str, tuple[dict[str, Any], str, str]] = {
        "tampered": (with_sealed(b64url.encode(bytes(raw))), "bad_seal", "sealed"),
        "another server's key": (seal(base, other_server), "bad_seal", "sealed"),
        "words also in the clear": (
            rehash({**seal(base, key), "results": "lộ"}),
            "invalid_report",
            "results",
        ),
        "not classified": (
            rehash({**seal(base, key), "classification": "normal"}),
            "invalid_report",
            "sealed",
        ),
    }
    # Sealed properly, but what is inside breaks the rules for report fields.
    inside = report_seal.content("x" * 20_001, "", "", {}, [])
    wrong_content["sealed"] = report_seal.seal_content(inside, base["id"], key)
    cases["invalid inside"] = (rehash(wrong_content), "invalid_report", "sealed.results")
    for name, (body, code, field) in cases.items():
        ack = _ack(world.officer_a, body)
        assert (ack["status"], ack["code"], ack["field"]) == ("rejected", code, field), name
    assert _stored(server_db, base["id"]) == 0
