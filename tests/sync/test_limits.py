"""Limits have one source (``dxdesk.limits``): settings cannot raise them, the
device refuses at finalize what the protocol cannot carry, and a report that
still cannot be sent is rejected locally instead of blocking the queue."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from dxdesk import limits, reports, signing
from dxdesk.canonical import content_hash
from dxdesk.clock import utcnow
from dxdesk.errors import ValidationError
from dxdesk.identity import device
from dxdesk.profile import Profile
from dxdesk.reports import ReportContent
from dxdesk.settings import Settings
from dxdesk.store.models import Attachment, Report, ReportState, Task
from sync.cli import EXIT_REJECTED
from tests.conftest import make_task
from tests.support.server import RunningServer
from tests.sync.conftest import Client
from tests.sync.test_sync_cli import photo


def note(folder: Path, n: int) -> Path:
    path = folder / f"ghi-chu-{n}.txt"
    path.write_text(f"ghi chú {n}\n", encoding="utf-8")
    return path


def test_settings_cannot_raise_the_protocols_limits(profile: Profile, tmp_path: Path) -> None:
    profile.settings = Settings(max_attachments=30, max_attachment_mb=500)
    assert profile.limits.max_count == limits.MAX_ATTACHMENTS == 20
    assert profile.limits.max_bytes == limits.MAX_BLOB_BYTES
    with profile.db.session() as session:
        task = make_task(session)
        draft = reports.create_draft(session, task, ReportContent(progress=10, results="x"))
        for n in range(limits.MAX_ATTACHMENTS):
            reports.attach(
                session, profile.attachments, draft.id, note(tmp_path, n), profile.limits
            )
        with pytest.raises(ValidationError) as refused:
            reports.attach(
                session, profile.attachments, draft.id, note(tmp_path, 99), profile.limits
            )
        assert "at most 20" in refused.value.render("en")


def test_finalize_refuses_what_the_protocol_cannot_carry(profile: Profile, tmp_path: Path) -> None:
    with profile.db.session() as session:
        task = make_task(session)
        draft = reports.create_draft(session, task, ReportContent(progress=10, results="x"))
        first = reports.attach(
            session, profile.attachments, draft.id, note(tmp_path, 0), profile.limits
        )
        # A draft an older version let grow beyond the wire's limit.
        add_copies(session, first, limits.MAX_ATTACHMENTS)
        with pytest.raises(ValidationError) as refused:
            reports.finalize(session, profile.attachments, draft.id)
        assert "21" in refused.value.render("en")
        assert session.get(Report, draft.id).state is ReportState.DRAFT  # type: ignore[union-attr]


def add_copies(session: Session, attachment: Attachment, count: int) -> None:
    for _ in range(count):
        copy = Attachment(
            report_id=attachment.report_id,
            file_name=attachment.file_name,
            mime_type=attachment.mime_type,
            size=attachment.size,
            sha256=attachment.sha256,
        )
        session.add(copy)
    session.commit()


def queue_as_an_old_version_did(client: Client, tmp_path: Path) -> str:
    """A report with 21 attachments, finalized the way versions without the check
    did it (hashed, signed, queued)."""
    profile = client.open()
    try:
        with profile.db.session() as session:
            task = session.exec(select(Task).order_by(col(Task.code))).first()
            assert task is not None
            content = ReportContent(progress=30, results="Ảnh hiện trường")
            report = reports.create_draft(session, task, content, author="test")
            attached = reports.attach(
                session, profile.attachments, report.id, photo(tmp_path, 2000), profile.limits
            )
            add_copies(session, attached, limits.MAX_ATTACHMENTS)
            body = reports.canonical_body(report, reports.attachments_of(session, report.id))
            report.content_sha256 = content_hash(body)
            report.signature = signing.sign_report(
                device.signing_key(session), report.content_sha256
            )
            report.device_id = device.registered_device(session)
            report.finalized_at = report.state_changed_at = utcnow()
            report.state = ReportState.QUEUED
            session.add(report)
            session.commit()
            return report.id
    finally:
        profile.close()


def test_a_report_that_cannot_be_sent_is_rejected_locally_and_the_queue_moves(
    server: RunningServer, client: Client, tmp_path: Path
) -> None:
    assert client.login(server.url, "cb.binhlieu").code == 0
    assert client("sync").code == 0
    stuck = queue_as_an_old_version_did(client, tmp_path)
    (after,) = client.queue(1)  # queued behind it

    result = client("sync", "--json")
    assert result.code == EXIT_REJECTED, result.err
    summary = result.json()
    assert (summary["accepted"], summary["rejected"], summary["still_queued"]) == (1, 1, 0)
    assert [r["id"] for r in summary["rejected_reports"]] == [stuck]
    items = {i["id"]: i for i in client("outbox", "--all", "--json").json()["items"]}
    assert items[after]["state"] == "accepted"
    assert items[stuck]["state"] == "rejected"
    assert items[stuck]["reject_code"] == "cannot_send"
    assert "attachments" in items[stuck]["reject_message"]
    assert stuck not in {r["id"] for r in server.reports()}

    again = client("sync", "--json")  # nothing left to retry, nothing blocked
    assert again.json()["pushed"] == 0
    assert again.json()["failure"] is None
    assert uuid.UUID(stuck)
