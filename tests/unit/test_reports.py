import datetime as dt
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from dxdesk import audit, reports, tasks
from dxdesk.canonical import content_hash
from dxdesk.errors import NotFoundError, ReportLockedError, ValidationError
from dxdesk.profile import Profile
from dxdesk.reports import ReportContent
from dxdesk.store.models import Report, ReportState, TaskRemoval
from tests.conftest import make_task


def content(**overrides: object) -> ReportContent:
    values: dict[str, object] = {"progress": 40, "results": "Đã số hoá 500 hồ sơ"}
    values.update(overrides)
    return ReportContent(**values)  # type: ignore[arg-type]


def test_draft_can_be_saved_incomplete_and_edited(session: Session) -> None:
    task = make_task(session)
    draft = reports.create_draft(session, task, content(results=""), author="Nguyễn Văn A")
    assert draft.state is ReportState.DRAFT
    reports.save_draft(session, draft.id, content(progress="55%", results="Đang làm"))
    stored = reports.get_report(session, draft.id)
    assert (stored.progress, stored.results) == (55, "Đang làm")


def test_text_is_stored_nfc(session: Session, profile: Profile) -> None:
    task = make_task(session)
    nfd = unicodedata.normalize("NFD", "Khó khăn về điện")
    draft = reports.create_draft(session, task, content(difficulties=nfd))
    raw = session.execute(
        text("SELECT difficulties FROM report WHERE id = :id"), {"id": draft.id}
    ).scalar_one()
    assert raw == unicodedata.normalize("NFC", "Khó khăn về điện")


def test_finalize_makes_report_immutable(session: Session, profile: Profile) -> None:
    task = make_task(session)
    draft = reports.create_draft(session, task, content())
    final = reports.finalize(session, profile.attachments, draft.id)
    assert final.state is ReportState.QUEUED
    assert final.finalized_at is not None
    body = reports.canonical_body(final, [])
    assert final.content_sha256 == content_hash(body)

    with pytest.raises(ReportLockedError):
        reports.save_draft(session, draft.id, content(progress=90))
    with pytest.raises(ReportLockedError):
        reports.finalize(session, profile.attachments, draft.id)
    with pytest.raises(ReportLockedError):
        reports.discard_draft(session, draft.id)
    assert reports.get_report(session, draft.id).progress == 40


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE report SET progress = 99 WHERE id = :id",
        "UPDATE report SET results = 'sửa lén' WHERE id = :id",
        "UPDATE report SET state = 'draft' WHERE id = :id",
        "DELETE FROM report WHERE id = :id",
    ],
)
def test_database_itself_refuses_to_change_a_finalized_report(
    session: Session, profile: Profile, statement: str
) -> None:
    task = make_task(session)
    report = reports.finalize(
        session, profile.attachments, reports.create_draft(session, task, content()).id
    )
    with pytest.raises(IntegrityError, match="finalized"):
        session.execute(text(statement), {"id": report.id})
    session.rollback()


def test_sync_may_still_move_a_finalized_report_through_its_states(
    session: Session, profile: Profile
) -> None:
    task = make_task(session)
    report = reports.finalize(
        session, profile.attachments, reports.create_draft(session, task, content()).id
    )
    for state in (ReportState.SENDING, ReportState.ACCEPTED, ReportState.RETURNED):
        report.state = state
        session.add(report)
        session.commit()
    assert reports.get_report(session, report.id).state is ReportState.RETURNED


def test_finalize_validates_everything(session: Session, profile: Profile) -> None:
    task = make_task(session)
    draft = reports.create_draft(session, task, content(results="  ", status_claim="done"))
    with pytest.raises(ValidationError) as caught:
        reports.finalize(session, profile.attachments, draft.id)
    codes = {issue.code for issue in caught.value.issues}
    assert codes == {"required", "done_needs_full_progress"}
    assert reports.get_report(session, draft.id).state is ReportState.DRAFT


def test_correction_is_a_new_report_pointing_at_the_old(session: Session, profile: Profile) -> None:
    task = make_task(session)
    original = reports.finalize(
        session, profile.attachments, reports.create_draft(session, task, content()).id
    )
    correction = reports.start_correction(session, original.id)
    assert correction.id != original.id
    assert correction.corrects_id == original.id
    assert correction.state is ReportState.DRAFT
    assert correction.results == original.results
    reports.save_draft(session, correction.id, content(progress=45))
    reports.finalize(session, profile.attachments, correction.id)
    assert reports.get_report(session, original.id).progress == 40

    with pytest.raises(ReportLockedError):
        reports.start_correction(session, reports.create_draft(session, task, content()).id)


def test_attachment_is_copied_into_the_profile(
    session: Session, profile: Profile, pdf_file: Path
) -> None:
    task = make_task(session)
    draft = reports.create_draft(session, task, content())
    attachment = reports.attach(session, profile.attachments, draft.id, pdf_file, profile.limits)
    original_bytes = pdf_file.read_bytes()
    pdf_file.unlink()  # the USB stick is pulled out
    assert profile.attachments.path_for(attachment.sha256).read_bytes() == original_bytes
    assert profile.attachments.verify(attachment.sha256)
    final = reports.finalize(session, profile.attachments, draft.id)
    body = reports.canonical_body(final, reports.attachments_of(session, draft.id))
    assert body["attachments"][0]["sha256"] == attachment.sha256
    assert final.content_sha256 == content_hash(body)


def test_finalize_refuses_when_a_stored_attachment_vanished(
    session: Session, profile: Profile, pdf_file: Path
) -> None:
    task = make_task(session)
    draft = reports.create_draft(session, task, content())
    attachment = reports.attach(session, profile.attachments, draft.id, pdf_file, profile.limits)
    profile.attachments.path_for(attachment.sha256).unlink()
    with pytest.raises(ValidationError, match="not found"):
        reports.finalize(session, profile.attachments, draft.id)
    assert reports.get_report(session, draft.id).state is ReportState.DRAFT


def test_attachments_of_finalized_report_cannot_be_removed(
    session: Session, profile: Profile, pdf_file: Path
) -> None:
    task = make_task(session)
    draft = reports.create_draft(session, task, content())
    attachment = reports.attach(session, profile.attachments, draft.id, pdf_file, profile.limits)
    reports.finalize(session, profile.attachments, draft.id)
    with pytest.raises(ReportLockedError):
        reports.detach(session, draft.id, attachment.id)
    with pytest.raises(IntegrityError, match="attachments of a finalized report"):
        session.execute(text("DELETE FROM attachment WHERE id = :id"), {"id": attachment.id})
    session.rollback()


def test_discarding_a_draft_removes_it_and_is_audited(
    session: Session, profile: Profile, pdf_file: Path
) -> None:
    task = make_task(session)
    draft = reports.create_draft(session, task, content())
    reports.attach(session, profile.attachments, draft.id, pdf_file, profile.limits)
    reports.discard_draft(session, draft.id)
    assert session.get(Report, draft.id) is None
    actions = [event.action for event in audit.recent(session)]
    assert actions[:2] == ["report.discard", "report.draft"]


def test_unknown_task_and_report(session: Session) -> None:
    make_task(session, code="NV-2026-001")
    assert reports.find_task(session, "nv-2026-001").code == "NV-2026-001"
    with pytest.raises(NotFoundError, match="NV-404"):
        reports.find_task(session, "NV-404")
    with pytest.raises(NotFoundError):
        reports.get_report(session, "no-such-id")


def test_outbox_lists_pending_reports_oldest_first(session: Session, profile: Profile) -> None:
    task = make_task(session)
    first = reports.create_draft(session, task, content())
    second = reports.finalize(
        session, profile.attachments, reports.create_draft(session, task, content()).id
    )
    accepted = reports.finalize(
        session, profile.attachments, reports.create_draft(session, task, content()).id
    )
    accepted.state = ReportState.ACCEPTED
    session.add(accepted)
    session.commit()
    assert [i.report.id for i in reports.outbox(session)] == [first.id, second.id]
    everything = reports.outbox(session, include_accepted=True)
    assert [i.report.id for i in everything] == [first.id, second.id, accepted.id]
    assert {i.task_code for i in everything} == {task.code}


def test_audit_trail_is_append_only(session: Session, profile: Profile) -> None:
    task = make_task(session)
    reports.finalize(
        session, profile.attachments, reports.create_draft(session, task, content()).id
    )
    assert [e.action for e in audit.recent(session)] == ["report.finalize", "report.draft"]
    with pytest.raises(IntegrityError, match="append-only"):
        session.execute(text("UPDATE audit_event SET action = 'x'"))
    session.rollback()


def test_a_draft_begun_under_a_broken_clock_finalizes_sendable(
    session: Session, profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The protocol refuses dates outside 1970..2099; the device never queues one."""
    from sync.protocol import ReportIn

    task = make_task(session)
    draft = reports.create_draft(session, task, content())
    draft.created_at = dt.datetime(2150, 1, 1, tzinfo=dt.UTC)  # the clock was broken
    session.add(draft)
    session.commit()
    broken = dt.datetime(2150, 1, 2, tzinfo=dt.UTC)
    monkeypatch.setattr(reports, "utcnow", lambda: broken)
    with pytest.raises(ValidationError) as caught:
        reports.finalize(session, profile.attachments, draft.id)
    assert [issue.code for issue in caught.value.issues] == ["clock_impossible"]
    assert "2150" in caught.value.issues[0].text("vi")
    session.rollback()
    assert reports.get_report(session, draft.id).state is ReportState.DRAFT
    monkeypatch.undo()  # the clock is set right: the report is dated now
    done = reports.finalize(session, profile.attachments, draft.id)
    assert done.created_at.year < 2100
    body = reports.canonical_body(done, reports.attachments_of(session, done.id))
    ReportIn.model_validate(
        {**body, "content_sha256": done.content_sha256, "signature": None, "device_id": None}
    )


def test_a_correction_of_a_rejected_report_takes_its_place(
    session: Session, profile: Profile
) -> None:
    """The server stored no rejected report and refuses a correction of no report."""
    task = make_task(session)
    first = reports.finalize(
        session, profile.attachments, reports.create_draft(session, task, content()).id
    )
    second = reports.finalize(
        session, profile.attachments, reports.start_correction(session, first.id).id
    )
    second.state = ReportState.REJECTED
    session.add(second)
    session.commit()
    assert reports.start_correction(session, second.id).corrects_id == first.id
    first.state = ReportState.REJECTED
    session.add(first)
    session.commit()
    assert reports.start_correction(session, first.id).corrects_id is None
    assert reports.start_correction(session, second.id).corrects_id is None


def test_create_says_every_problem_at_once_and_writes_nothing(
    session: Session, profile: Profile, tmp_path: Path
) -> None:
    # Checked once, in the core: the content's problems and the attachments' together,
    # so the command line need not check first to avoid a half-written report.
    task = make_task(session)
    missing = tmp_path / "khong-co.pdf"
    with pytest.raises(ValidationError) as caught:
        reports.create(
            session, profile.attachments, task, ReportContent(progress=140, results=""),
            [missing], profile.limits,
        )  # fmt: skip
    fields = {issue.field for issue in caught.value.issues}
    assert {"progress", "results", "attachments"} <= fields
    assert reports.outbox(session, include_accepted=True) == []


def test_a_withdrawn_task_takes_no_new_report_but_its_drafts_keep_saving(
    session: Session, profile: Profile
) -> None:
    task = make_task(session)
    begun = reports.create_draft(session, task, content(results="Đang viết"))
    sent = reports.finalize(
        session, profile.attachments, reports.create_draft(session, task, content()).id
    )
    tasks.remove(session, task, TaskRemoval.WITHDRAWN, reason="Thu hồi")
    session.commit()

    # The editor's saves never fail on it: what is being typed is kept.
    reports.store_draft(session, "NV-001", begun.id, content(results="Viết xong"))
    later = "1b2c3d4e-0000-4000-8000-000000000001"
    reports.store_draft(session, "NV-001", later, content(results="Mở từ trước"))
    assert reports.get_report(session, begun.id).results == "Viết xong"
    assert reports.get_report(session, later).state is ReportState.DRAFT
    # A new report or a correction is refused, saying why, in both languages.
    with pytest.raises(ValidationError) as new:
        reports.create(session, profile.attachments, task, content(), [], profile.limits)
    assert "no longer assigned to your unit" in new.value.render("en")
    assert "đã bị thu hồi" in new.value.render("vi")
    with pytest.raises(ValidationError):
        reports.start_correction(session, sent.id)
    assert {r.id for r in session.exec(select(Report))} == {begun.id, sent.id, later}
