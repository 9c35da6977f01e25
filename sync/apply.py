"""Apply what the server said to the local store, in one transaction per round.

Acks, task changes, review outcomes and the new cursor land together: a crash at
any moment leaves either the state before the round (and the round is simply done
again; the server deduplicates) or the state after it.

The same code applies what arrives on a USB stick: a bundle receipt's acks and a
task package's tasks and reviews (``sync.receipt_import``, ``sync.task_import``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from dxdesk import audit, local_state, reports, tasks
from dxdesk.identity import device
from dxdesk.store.models import Report, ReportState, Task, TaskRemoval
from sync.protocol import Ack, RemovedTaskOut, ReviewOut, SyncOut, TaskOut

CURSOR = "cursor"
# A full refresh in progress (its pages may span runs): the mark its tasks get.
REFRESH = "full_refresh"
UNKNOWN_DEVICE = "unknown_device"


@dataclass
class RoundResult:
    accepted: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    incomplete: dict[str, list[str]] = field(default_factory=dict)  # report → missing sha256s
    tasks_pulled: int = 0
    reviews_pulled: int = 0
    tasks_removed: int = 0
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


def apply_ack(session: Session, ack: Ack, result: RoundResult) -> None:
    report = session.get(Report, ack.id)
    if report is None or report.state is ReportState.DRAFT:
        return  # not ours to change (e.g. the server echoes a malformed id)
    if ack.status in ("accepted", "duplicate"):
        reports.accept(session, report)
        result.accepted.append(report.id)
    elif ack.status == "incomplete":
        reports.await_attachments(session, report)
        result.incomplete[report.id] = list(ack.missing_blobs)
    elif ack.code == UNKNOWN_DEVICE:
        reports.await_registration(session, report, ack.message or ack.code)
        if not result.device_unknown:
            device.forget_registration(session)
        result.device_unknown = True
    else:
        reports.reject(session, report, ack.code or "rejected", ack.message or ack.code)
        result.rejected.append(report.id)


def _review_time(review: ReviewOut) -> dt.datetime | None:
    try:
        at = dt.datetime.fromisoformat(review.at)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def apply_review(session: Session, review: ReviewOut) -> bool:
    """Apply a review outcome (``reports.review``). True when applied."""
    report = session.get(Report, review.report_id)
    if report is None:
        return False
    return reports.review(
        session,
        report,
        returned=review.state == "returned",
        comment=review.comment,
        at=_review_time(review),
    )


def _server_time(text: str) -> dt.datetime | None:
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def apply_removal(session: Session, removal: RemovedTaskOut) -> bool:
    """Hide a task the server withdrew or moved away. True when one was hidden."""
    task = session.get(Task, removal.id)
    if task is None or task.server_version > removal.version:
        return False  # never had it, or a newer listing came first
    why = TaskRemoval.WITHDRAWN if removal.why == "withdrawn" else TaskRemoval.MOVED
    tasks.remove(
        session,
        task,
        why,
        reason=removal.reason,
        at=_server_time(removal.at),
        version=removal.version,
    )
    return True


def _refresh_mark(session: Session, out: SyncOut, cursor_sent: str | None) -> str | None:
    """The mark of the full refresh this answer belongs to, or None. A refresh starts
    when the device sent no cursor or the server could not serve it, and lasts until
    a page without ``has_more``; a crash in between continues it with the saved cursor."""
    if cursor_sent is None or out.full_refresh:
        mark = str(uuid.uuid4())
        local_state.put(session, REFRESH, mark)
        return mark
    return local_state.get(session, REFRESH)


def _end_refresh(session: Session, mark: str) -> int:
    """Hide the tasks the whole refresh did not list: the server no longer gives them
    to this user (withdrawn, moved, or the user moved). Their reports stay."""
    unlisted = session.exec(
        select(Task).where(
            col(Task.removed_at).is_(None),
            col(Task.refresh_mark).is_(None) | (col(Task.refresh_mark) != mark),
        )
    ).all()
    for task in unlisted:
        tasks.remove(session, task, TaskRemoval.UNLISTED)
    local_state.delete(session, REFRESH)
    return len(unlisted)


def apply_round(
    session: Session, out: SyncOut, *, actor: str, cursor_sent: str | None
) -> RoundResult:
    """Apply one sync response (to a request that sent ``cursor_sent``); commits once
    at the end."""
    result = RoundResult()
    for ack in out.acks:
        apply_ack(session, ack, result)
    mark = _refresh_mark(session, out, cursor_sent)
    for task in out.tasks:
        tasks.upsert(session, {**task_values(task), "refresh_mark": mark})
    result.tasks_pulled = len(out.tasks)
    result.reviews_pulled = sum(apply_review(session, review) for review in out.reviews)
    result.tasks_removed = sum(apply_removal(session, removal) for removal in out.removed)
    if mark is not None and not out.has_more:
        result.tasks_removed += _end_refresh(session, mark)
    local_state.put(session, CURSOR, out.cursor)
    if (
        result.accepted
        or result.rejected
        or result.tasks_pulled
        or result.reviews_pulled
        or result.tasks_removed
    ):
        audit.record(
            session,
            "sync.round",
            actor=actor,
            accepted=len(result.accepted),
            rejected=len(result.rejected),
            tasks=result.tasks_pulled,
            reviews=result.reviews_pulled,
            removed=result.tasks_removed,
        )
    session.commit()
    return result


@dataclass
class PackageResult:
    tasks_changed: int = 0
    tasks_unchanged: int = 0
    reviews_changed: int = 0
    reviews_unchanged: int = 0


def apply_package(
    session: Session, task_list: list[TaskOut], reviews: list[ReviewOut], *, actor: str
) -> PackageResult:
    """Apply a task package's tasks and reviews as a pull would, except that only
    what is newer than the local copy counts (the package may be older than the
    last sync). The caller commits."""
    result = PackageResult()
    for task in task_list:
        local = session.get(Task, task.id)
        if local is not None and local.server_version >= task.version:
            result.tasks_unchanged += 1
            continue
        tasks.upsert(session, task_values(task))
        result.tasks_changed += 1
    for review in reviews:
        report = session.get(Report, review.report_id)
        before = (report.state, report.review_comment) if report is not None else None
        applied = apply_review(session, review)
        after = (report.state, report.review_comment) if report is not None else None
        if applied and before != after:
            result.reviews_changed += 1
        else:
            result.reviews_unchanged += 1
    audit.record(
        session,
        "tasks.import",
        actor=actor,
        tasks=result.tasks_changed,
        reviews=result.reviews_changed,
    )
    return result
