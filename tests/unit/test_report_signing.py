"""Finalizing fixes every report's hash and seals a classified one before it is
queued; the report is signed once, as it leaves the device, with the registered key."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from dxdesk import attachment_seal, audit, report_seal, reports, sealing, signing
from dxdesk.canonical import content_hash
from dxdesk.errors import ValidationError
from dxdesk.identity import device, trusted_server_key
from dxdesk.profile import Profile
from dxdesk.reports import ReportContent
from dxdesk.store.attachment_store import AttachmentStore
from dxdesk.store.models import Classification, ReportState
from tests.conftest import make_task

WORDS = "Mật: kho tại điểm K9"


def secret(**overrides: object) -> ReportContent:
    values: dict[str, object] = {
        "progress": 60, "results": WORDS, "difficulties": "Thiếu người", "proposals": "Thêm xe",
        "indicator_values": {"HS": 12}, "classification": Classification.SECRET.value,
    }  # fmt: skip
    values.update(overrides)
    return ReportContent(**values)  # type: ignore[arg-type]


def test_finalize_hashes_and_sending_signs_once(session: Session, profile: Profile) -> None:
    task = make_task(session)
    draft = reports.create_draft(session, task, ReportContent(progress=40, results="Đã làm"))
    final = reports.finalize(session, profile.attachments, draft.id)
    # Not signed yet: a login before it is sent registers a fresh key.
    assert final.signature is None and final.content_sha256 is not None
    # A report in the clear hashes as before: no "sealed" key in its body.
    body = reports.canonical_body(final, [])
    assert "sealed" not in body and content_hash(body) == final.content_sha256

    key = device.signing_key(session)
    reports.sign_for_sending(session, final, key, "device-1")
    sent = reports.get_report(session, final.id)
    assert sent.signature is not None and sent.content_sha256 is not None
    assert sent.device_id == "device-1"
    signing.verify_report(device.public_key(key), sent.content_sha256, sent.signature)
    first = sent.signature
    reports.sign_for_sending(session, sent, key, "device-1")
    assert sent.signature == first  # already signed with this key: not again
    # A login since replaced the key: the same content is signed with the new one.
    replaced = signing.generate()
    reports.sign_for_sending(session, sent, replaced, "device-2")
    assert sent.signature != first
    signing.verify_report(replaced.public_key(), sent.content_sha256, sent.signature)


def test_a_classified_report_waits_for_the_server_key(session: Session, profile: Profile) -> None:
    task = make_task(session)
    draft = reports.create_draft(session, task, secret())
    with pytest.raises(ValidationError) as caught:
        reports.finalize(session, profile.attachments, draft.id)
    assert [issue.code for issue in caught.value.issues] == ["secret_needs_server_key"]
    assert "Log in once" in caught.value.render("en")
    assert "đăng nhập" in caught.value.render("vi")
    kept = reports.get_report(session, draft.id)
    assert kept.state is ReportState.DRAFT and kept.results == WORDS


def test_a_classified_report_is_sealed_before_it_is_queued(
    session: Session, profile: Profile, pdf_file: Path
) -> None:
    server = sealing.generate()
    trusted_server_key.remember(session, sealing.public_key_text(server))
    task = make_task(session)
    draft = reports.create_draft(session, task, secret(), author="Cán bộ A")
    reports.attach(session, profile.attachments, draft.id, pdf_file, profile.limits)
    final = reports.finalize(session, profile.attachments, draft.id)
    session.expire_all()
    row = reports.get_report(session, final.id)
    attachments = reports.attachments_of(session, final.id)

    # The words are gone from the row; progress and status claim stay readable.
    assert (row.results, row.difficulties, row.proposals, row.indicator_values) == ("", "", "", {})
    assert (row.progress, row.status_claim.value) == (60, "in_progress")
    assert [a.file_name for a in attachments] == [report_seal.SEALED_FILE_NAME]
    assert row.sealed is not None
    raw = session.execute(text("SELECT * FROM report WHERE id = :id"), {"id": row.id}).one()
    assert all(WORDS not in str(value) for value in raw)
    # Only the server's key opens it, and it holds everything that was cleared.
    opened = report_seal.open_content(row.sealed, row.id, server)
    original = report_seal.Original(
        hashlib.sha256(pdf_file.read_bytes()).hexdigest(), pdf_file.stat().st_size,
        "application/pdf",
    )  # fmt: skip
    assert opened == report_seal.content(
        WORDS, "Thiếu người", "Thêm xe", {"HS": 12}, [(attachments[0].id, pdf_file.name)],
        {attachments[0].id: original},
    )  # fmt: skip
    # The hash (and so the signature) covers the sealed payload.
    body = reports.canonical_body(row, attachments)
    assert body["sealed"] == row.sealed and content_hash(body) == row.content_sha256
    key = device.signing_key(session)
    reports.sign_for_sending(session, row, key, "device-1")
    assert row.signature is not None and row.content_sha256 is not None
    signing.verify_report(device.public_key(key), row.content_sha256, row.signature)
    session.commit()  # a signature may still be added to a finalized report
    item = next(i for i in reports.outbox(session) if i.report.id == row.id)
    assert item.sealed and WORDS not in repr(item)
    assert all(WORDS not in repr(event.detail) for event in audit.recent(session))
    with pytest.raises(IntegrityError, match="finalized"):
        session.execute(text("UPDATE report SET sealed = 'x' WHERE id = :id"), {"id": row.id})
    session.rollback()


def test_a_normal_report_is_never_sealed(session: Session, profile: Profile) -> None:
    trusted_server_key.remember(session, sealing.public_key_text(sealing.generate()))
    task = make_task(session)
    draft = reports.create_draft(session, task, secret(classification="normal"))
    final = reports.finalize(session, profile.attachments, draft.id)
    assert final.sealed is None and final.results == WORDS


def _keyed_store(tmp_path: Path) -> AttachmentStore:
    """A profile's store as an unlocked user has it (the unit fixture's has no key)."""
    return AttachmentStore(tmp_path / "keyed", data_key=os.urandom(32))


def _sealed_with_a_file(
    session: Session, profile: Profile, store: AttachmentStore, pdf_file: Path
) -> tuple[X25519PrivateKey, str]:
    server = sealing.generate()
    trusted_server_key.remember(session, sealing.public_key_text(server))
    task = make_task(session)
    draft = reports.create_draft(session, task, secret(), author="Cán bộ A")
    reports.attach(session, store, draft.id, pdf_file, profile.limits)
    return server, reports.finalize(session, store, draft.id).id


def test_a_classified_reports_attachment_bytes_are_sealed_to_the_server(
    session: Session, profile: Profile, pdf_file: Path, tmp_path: Path
) -> None:
    store = _keyed_store(tmp_path)
    server, report_id = _sealed_with_a_file(session, profile, store, pdf_file)
    data = pdf_file.read_bytes()
    (attachment,) = reports.attachments_of(session, report_id)
    # What travels is the sealed copy: its own hash and size, a type that says so.
    assert attachment.mime_type == attachment_seal.SEALED_MIME
    assert attachment.size == attachment_seal.sealed_size(len(data))
    sealed = b"".join(store.chunks(attachment.sha256))
    assert hashlib.sha256(sealed).hexdigest() == attachment.sha256
    assert data[16:48] not in sealed
    opened = attachment_seal.open_sealed(server, [sealed], report_id, attachment.id)
    assert b"".join(opened) == data
    # Bound to its report and attachment: it does not open as another's.
    with pytest.raises(sealing.SealError):
        b"".join(attachment_seal.open_sealed(server, [sealed], "another-report", attachment.id))
    with pytest.raises(sealing.SealError):
        b"".join(attachment_seal.open_sealed(server, [sealed], report_id, "another-file"))
    with pytest.raises(sealing.SealError):  # cut short at a segment boundary
        b"".join(attachment_seal.open_sealed(server, [sealed[:-1]], report_id, attachment.id))
    # The hash the device signs covers the sealed bytes' sha256.
    row = reports.get_report(session, report_id)
    body = reports.canonical_body(row, [attachment])
    assert body["attachments"][0]["sha256"] == attachment.sha256
    assert content_hash(body) == row.content_sha256


def test_the_author_corrects_a_sealed_report_from_its_own_copy(
    session: Session, profile: Profile, pdf_file: Path, tmp_path: Path
) -> None:
    store = _keyed_store(tmp_path)
    _, report_id = _sealed_with_a_file(session, profile, store, pdf_file)
    row = reports.get_report(session, report_id)
    # The row keeps no words, not even in its own copy (encrypted for this profile).
    raw = session.execute(text("SELECT * FROM report WHERE id = :id"), {"id": row.id}).one()
    assert row.own_copy is not None and all(WORDS not in str(value) for value in raw)
    with pytest.raises(IntegrityError, match="finalized"):
        session.execute(text("UPDATE report SET own_copy = 'x' WHERE id = :id"), {"id": row.id})
    session.rollback()

    correction = reports.start_correction(session, report_id, store=store)
    assert correction.corrects_id == report_id
    filled = (correction.results, correction.difficulties, correction.proposals)
    assert filled == (WORDS, "Thiếu người", "Thêm xe")
    assert correction.indicator_values == {"HS": 12}
    assert correction.classification is Classification.SECRET
    (attachment,) = reports.attachments_of(session, correction.id)
    data = pdf_file.read_bytes()
    assert (attachment.file_name, attachment.mime_type, attachment.size) == (
        pdf_file.name, "application/pdf", len(data),
    )  # fmt: skip
    assert b"".join(store.chunks(attachment.sha256)) == data  # the original, not the seal
    # Finalized again, it is sealed anew (its own bytes, its own report id).
    final = reports.finalize(session, store, correction.id)
    (sent,) = reports.attachments_of(session, final.id)
    assert sent.mime_type == attachment_seal.SEALED_MIME and final.results == ""

    # Another profile's key (or none) opens nothing: the correction starts empty.
    other = reports.start_correction(session, report_id, store=_keyed_store(tmp_path / "o"))
    assert other.results == "" and reports.attachments_of(session, other.id) == []
    assert reports.start_correction(session, report_id).results == ""
