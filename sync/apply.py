"""Apply what the server said to the local store, in one transaction per round.

Acks, task changes, review outcomes and the new cursor land together: a crash at
any moment leaves either the state before the round (and the round is simply done
again; the server deduplicates) or the state after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session

from dxdesk import audit, device, local_state, tasks
from dxdesk.clock import utcnow
from dxdesk.models import Report, ReportState
from sync.protocol import Ack, ReviewOut, SyncOut, TaskOut

CURSOR = "cursor"
UNKNOWN_DEVICE = "unknown_device"


@dataclass
class RoundResult:
    accepted: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    incomplete: dict[str, list[str]] = field(default_factory=dict)  # report → missing sha256s
    tasks_pulled: int = 0
    reviews_pulled: int = 0
    # The server does not know this device's key: a login must register it again.
    device_unknown: bool = False


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def task_values(task: TaskOut) -> dict[str, object]:
    return {
        "id": task.id,
        "code": task.code,
        "title": task.title,
        "description": task.description,
        "doc_number": task.doc_number,
        "doc_date": _date(task.doc_date),
        "doc_issuer": task.doc_issuer,
        "unit_code": task.unit_code,
        "start_date": _date(task.start_date),
        "deadline": _date(task.deadline),
        "expected_output": task.expected_output,
        "indicators": task.indicators,
        "completed_on": _date(task.completed_on),
        "progress": task.progress,
        "server_version": task.version,
    }


def _set_state(report: Report, state: ReportState) -> None:
    if report.state is not state:
        report.state = state
        report.state_changed_at = utcnow()


def _apply_ack(session: Session, ack: Ack, result: RoundResult) -> None:
    report = session.get(Report, ack.id)
    if report is None or report.state is ReportState.DRAFT:
        return  # not ours to change (e.g. the server echoes a malformed id)
    if ack.status in ("accepted", "duplicate"):
        if report.state in (ReportState.QUEUED, ReportState.SENDING, ReportState.REJECTED):
            _set_state(report, ReportState.ACCEPTED)
            report.reject_code = report.reject_message = report.last_error = None
        result.accepted.append(report.id)
    elif ack.status == "incomplete":
        _set_state(report, ReportState.SENDING)
        result.incomplete[report.id] = list(ack.missing_blobs)
    elif ack.code == UNKNOWN_DEVICE:
        # Not the report's fault: it waits, queued, for a login that registers the key.
        _set_state(report, ReportState.QUEUED)
        report.last_error = ack.message or ack.code
        if not result.device_unknown:
            device.forget_registration(session)
        result.device_unknown = True
    else:
        _set_state(report, ReportState.REJECTED)
        report.reject_code = ack.code or "rejected"
        report.reject_message = ack.message or ack.code
        result.rejected.append(report.id)
    session.add(report)


def _apply_review(session: Session, review: ReviewOut) -> bool:
    report = session.get(Report, review.report_id)
    if report is None or report.state is ReportState.DRAFT:
        return False
    report.review_comment = review.comment or report.review_comment
    _set_state(report, ReportState.RETURNED if review.state == "returned" else ReportState.ACCEPTED)
    session.add(report)
    return True


def apply_round(session: Session, out: SyncOut, *, actor: str) -> RoundResult:
    """Apply one sync response; commits once at the end."""
    result = RoundResult()
    for ack in out.acks:
        _apply_ack(session, ack, result)
    for task in out.tasks:
        tasks.upsert(session, task_values(task))
    result.tasks_pulled = len(out.tasks)
    result.reviews_pulled = sum(_apply_review(session, review) for review in out.reviews)
    local_state.put(session, CURSOR, out.cursor)
    if result.accepted or result.rejected or result.tasks_pulled or result.reviews_pulled:
        audit.record(
            session,
            "sync.round",
            actor=actor,
            accepted=len(result.accepted),
            rejected=len(result.rejected),
            tasks=result.tasks_pulled,
            reviews=result.reviews_pulled,
        )
    session.commit()
    return result
