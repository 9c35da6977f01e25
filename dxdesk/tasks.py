"""Tasks in the local store: listing, filtering, searching, and storing updates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from dxdesk.clock import utcnow
from dxdesk.status import DEFAULT_DUE_SOON_DAYS, TaskStatus, categorise
from dxdesk.store.models import Report, ReportState, Task
from dxdesk.text import Match, best_only, fold, match_rank, search_terms


def search_key_for(task: Task) -> str:
    return fold(" ".join((task.code, task.title, task.description, task.doc_number)))


def upsert(session: Session, values: dict[str, Any]) -> Task:
    """Insert or update a task from the server (or demo data); caller commits."""
    task = session.get(Task, values["id"])
    if task is None:
        task = Task(**values)
    else:
        for name, value in values.items():
            setattr(task, name, value)
    task.search_key = search_key_for(task)
    task.updated_at = utcnow()
    session.add(task)
    return task


# A report in one of these has not reached the server (a draft may never be sent).
PENDING_STATES = frozenset({ReportState.DRAFT, ReportState.QUEUED, ReportState.SENDING})


@dataclass(frozen=True)
class TaskRow:
    task: Task
    status: TaskStatus
    latest_report_state: ReportState | None
    latest_progress: int  # newest local report's progress, else the server's
    match: Match | None = None  # how it answered the search, when there was one
    # The newest report's progress while it is ours only (a draft, or waiting to be
    # sent): shown apart from the progress the server has accepted (task.progress).
    pending_progress: int | None = None
    pending_state: ReportState | None = None

    @property
    def accepted_progress(self) -> int:
        return self.task.progress

    @property
    def returned(self) -> bool:
        return self.latest_report_state is ReportState.RETURNED


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_tasks(
    session: Session,
    today: dt.date,
    *,
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS,
    overdue: bool = False,
    due_soon: bool = False,
    search: str | None = None,
) -> list[TaskRow]:
    """Tasks by deadline (open-ended last). ``overdue`` and ``due_soon`` together
    mean either. A search ranks first (whole syllables in order, then in any order,
    then syllable beginnings); matches inside a syllable are listed only when nothing
    matched better, so "so hoa" does not bring every "Kế hoạch"."""
    query = select(Task)
    for term in search_terms(search or ""):
        query = query.where(col(Task.search_key).like(f"%{_escape_like(term)}%", escape="\\"))
    query = query.order_by(col(Task.deadline).is_(None), col(Task.deadline), col(Task.code))
    tasks = list(session.exec(query))
    ranks: dict[str, Match] = {}
    if search_terms(search or ""):
        ranks = _ranked(tasks, search or "")
        tasks = sorted((t for t in tasks if t.id in ranks), key=lambda t: ranks[t.id])

    latest: dict[str, Report] = {}
    reports = select(Report).order_by(col(Report.created_at), col(Report.id))
    for report in session.exec(reports):
        latest[report.task_id] = report

    rows = []
    for task in tasks:
        status = categorise(task.deadline, task.completed_on, today, due_soon_days)
        if (overdue or due_soon) and not (
            (overdue and status.overdue) or (due_soon and status.due_soon)
        ):
            continue
        newest = latest.get(task.id)
        pending = newest if newest is not None and newest.state in PENDING_STATES else None
        rows.append(
            TaskRow(
                task=task,
                status=status,
                latest_report_state=newest.state if newest else None,
                latest_progress=newest.progress if newest else task.progress,
                match=ranks.get(task.id),
                pending_progress=pending.progress if pending else None,
                pending_state=pending.state if pending else None,
            )
        )
    return rows


def _ranked(tasks: list[Task], search: str) -> dict[str, Match]:
    found = {
        task.id: rank for task in tasks if (rank := match_rank(task.search_key, search)) is not None
    }
    return best_only(found)
