"""After finalize, a report changes state only through dxdesk.reports' named steps."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from sqlmodel import Session

from dxdesk import reports
from dxdesk.profile import Profile
from dxdesk.reports import ReportContent
from dxdesk.store.models import Report, ReportState
from tests.conftest import make_task

ROOT = Path(__file__).resolve().parents[2]
# The columns that make up a report's lifecycle on the device.
LIFECYCLE = {
    "state", "state_changed_at", "reject_code", "reject_message", "last_error",
    "send_attempts", "signature", "device_id", "exported_bundle", "exported_at",
    "review_comment", "reviewed_at",
}  # fmt: skip


def queued(session: Session, profile: Profile) -> Report:
    task = make_task(session)
    draft = reports.create_draft(session, task, ReportContent(progress=10, results="Đã làm"))
    return reports.finalize(session, profile.attachments, draft.id)


def test_only_the_core_writes_a_report_lifecycle() -> None:
    writers = []
    for path in sorted([*ROOT.glob("sync/**/*.py"), *ROOT.glob("ui/**/*.py")]):
        if "server" in path.relative_to(ROOT).parts:
            continue  # the server's own tables
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = (
                node.targets if isinstance(node, ast.Assign)
                else [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign)
                else []
            )  # fmt: skip
            writers += [
                f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)} .{t.attr}"
                for t in targets
                if isinstance(t, ast.Attribute) and t.attr in LIFECYCLE
            ]
    assert writers == []


def test_an_attempt_without_an_answer_goes_back_to_the_queue(
    session: Session, profile: Profile
) -> None:
    report = queued(session, profile)
    assert reports.mark_sending(session, report)
    assert not reports.mark_sending(session, report)  # already in flight
    assert (report.state, report.send_attempts) == (ReportState.SENDING, 1)
    reports.back_to_queued(session, report)
    assert report.state is ReportState.QUEUED


def test_accepted_after_a_rejection_forgets_the_reason(session: Session, profile: Profile) -> None:
    report = queued(session, profile)
    reports.reject(session, report, "bad", "Sai")
    assert (report.state, report.reject_code) == (ReportState.REJECTED, "bad")
    reports.accept(session, report)
    assert (report.state, report.reject_code, report.reject_message) == (
        ReportState.ACCEPTED, None, None,
    )  # fmt: skip


def test_a_stale_review_is_ignored(session: Session, profile: Profile) -> None:
    report = queued(session, profile)
    later = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    assert reports.review(session, report, returned=True, comment="Bổ sung", at=later)
    assert report.state is ReportState.RETURNED
    earlier = later - dt.timedelta(days=1)
    assert not reports.review(session, report, returned=False, comment="", at=earlier)
    assert (report.state, report.review_comment) == (ReportState.RETURNED, "Bổ sung")


def test_a_report_the_protocol_cannot_carry_is_rejected_here(
    session: Session, profile: Profile
) -> None:
    report = queued(session, profile)
    reports.reject_locally(session, report, "results: too long")
    assert (report.state, report.reject_code) == (ReportState.REJECTED, reports.CANNOT_SEND)
    assert "too long" in (report.reject_message or "")
