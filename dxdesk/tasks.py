"""Tasks in the local store: listing, filtering, searching, and storing updates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dxdesk.clock import utcnow
from dxdesk.messages import Message
from dxdesk.status import DEFAULT_DUE_SOON_DAYS, TaskStatus, categorise
from dxdesk.store.models import Report, ReportState, Task, TaskRemoval
from dxdesk.text import Match, best_only, fold, match_rank, search_terms


def search_key_for(task: Task) -> str:
    return fold(" ".join((task.code, task.title, task.description, task.doc_number)))


def upsert(session: Session, values: dict[str, Any]) -> Task:
    """Insert or update a task from the server (or demo data); caller commits. A task
    the server lists again (moved back to the unit) is shown again."""
    task = session.get(Task, values["id"])
    if task is None:
        task = Task(**values)
    else:
        for name, value in values.items():
            setattr(task, name, value)
    task.removed_at = task.removed_why = task.removed_reason = None
    task.search_key = search_key_for(task)
    task.updated_at = utcnow()
    session.add(task)
    return task


def remove(
    session: Session,
    task: Task,
    why: TaskRemoval,
    *,
    reason: str = "",
    at: dt.datetime | None = None,
    version: int | None = None,
) -> None:
    """Hide a task the server withdrew or no longer lists for this user; caller
    commits. The row stays: its reports (drafts, queued, returned) keep their task
    and queued ones are still sent. ``version`` (the change that carried the news)
    keeps an older task package from showing it again."""
    task.removed_at = at or utcnow()
    task.removed_why = why
    task.removed_reason = reason
    if version is not None:
        task.server_version = max(task.server_version, version)
    session.add(task)


def removal_message(task: Task) -> Message | None:
    """Why a hidden task is no longer listed (for its reports), or None when listed."""
    if task.removed_why is None:
        return None
    if task.removed_why is TaskRemoval.WITHDRAWN:
        return Message("task_withdrawn", {"reason": task.removed_reason or ""})
    if task.removed_why is TaskRemoval.MOVED:
        return Message("task_moved_away")
    return Message("task_unlisted")


def _listed() -> Any:
    return col(Task.removed_at).is_(None)


# A report in one of these has not reached the server (a draft may never be sent).
PENDING_STATES = frozenset({ReportState.DRAFT, ReportState.QUEUED, ReportState.SENDING})


class TaskFields(Protocol):
    """What a listed row needs of its task: a full ``Task`` has it, and so has the
    lighter :class:`TaskSummary` the desktop's list reads."""

    @property
    def id(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def deadline(self) -> dt.date | None: ...
    @property
    def completed_on(self) -> dt.date | None: ...
    @property
    def progress(self) -> int: ...
    @property
    def search_key(self) -> str: ...


@dataclass(frozen=True, slots=True)
class TaskSummary:
    """The columns the task list shows, read as plain rows: building 20,000 ORM
    ``Task`` objects took over a second, these a tenth of it."""

    id: str
    code: str
    title: str
    deadline: dt.date | None
    completed_on: dt.date | None
    progress: int
    search_key: str


TaskT = TypeVar("TaskT", bound=TaskFields)


@dataclass(frozen=True)
class TaskRow(Generic[TaskT]):
    task: TaskT
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


ListedRow = TaskRow[TaskSummary]  # a row of the desktop's task list


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
) -> list[TaskRow[Task]]:
    """Tasks by deadline (open-ended last), not those the server withdrew or moved
    away (:func:`remove`). ``overdue`` and ``due_soon`` together
    mean either. A search ranks first (whole syllables in order, then in any order,
    then syllable beginnings); matches inside a syllable are listed only when nothing
    matched better, so "so hoa" does not bring every "Kế hoạch"."""
    query = select(Task).where(_listed())
    for term in search_terms(search or ""):
        query = query.where(col(Task.search_key).like(f"%{_escape_like(term)}%", escape="\\"))
    query = query.order_by(col(Task.deadline).is_(None), col(Task.deadline), col(Task.code))
    tasks = list(session.exec(query))
    ranks: dict[str, Match] = {}
    if search_terms(search or ""):
        ranks = _ranked(tasks, search or "")
        tasks = sorted((t for t in tasks if t.id in ranks), key=lambda t: ranks[t.id])

    return _rows(
        session,
        tasks,
        today,
        due_soon_days=due_soon_days,
        overdue=overdue,
        due_soon=due_soon,
        ranks=ranks,
    )


def list_summaries(
    session: Session,
    today: dt.date,
    *,
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS,
    limit: int | None = None,
) -> list[TaskRow[TaskSummary]]:
    """Every listed task (or the first ``limit``) as :func:`list_tasks` orders them, with
    only the columns the task list shows (a Core ``select``, no ORM objects);
    :func:`get` reads the rest."""
    table = Task.__table__  # type: ignore[attr-defined]
    c = table.c
    query = (
        sa_select(c.id, c.code, c.title, c.deadline, c.completed_on, c.progress, c.search_key)
        .where(c.removed_at.is_(None))
        .order_by(c.deadline.is_(None), c.deadline, c.code)
    ).limit(limit)  # fmt: skip
    summaries = [TaskSummary(*values) for values in session.connection().execute(query).all()]
    return _rows(session, summaries, today, due_soon_days=due_soon_days)


def get(session: Session, task_id: str) -> Task | None:
    """One task, whole (the detail pane, the report editor)."""
    return session.get(Task, task_id)


@dataclass(frozen=True, slots=True)
class _Latest:
    state: ReportState
    progress: int


def _latest_reports(session: Session) -> dict[str, _Latest]:
    """Each task's newest report: its state and progress, not the whole report."""
    table = Report.__table__  # type: ignore[attr-defined]
    c = table.c
    query = sa_select(c.task_id, c.state, c.progress).order_by(c.created_at, c.id)
    return {
        task_id: _Latest(ReportState(state), progress)
        for task_id, state, progress in session.connection().execute(query).all()
    }


def _rows(
    session: Session,
    tasks: list[TaskT],
    today: dt.date,
    *,
    due_soon_days: int,
    overdue: bool = False,
    due_soon: bool = False,
    ranks: dict[str, Match] | None = None,
) -> list[TaskRow[TaskT]]:
    latest = _latest_reports(session)
    ranks = ranks or {}
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
