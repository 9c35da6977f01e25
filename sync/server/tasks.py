"""Tasks: create, edit, complete, withdraw, move, and their wire shape. Every change
takes a new version."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from dxdesk.clock import VIETNAM_TZ, utcnow
from dxdesk.text import clean, fold
from sync.protocol import TaskIn, TaskOut
from sync.server import audit, indicators, versions
from sync.server.scope import UnitTree
from sync.server.tables import Task, TaskDeparture, TaskIndicator, Unit


class TaskError(Exception):
    """A task change that cannot be made; ``field`` names the culprit when known."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


def today() -> dt.date:
    """Today in Vietnam by the server's clock: what "overdue" is judged against."""
    return utcnow().astimezone(VIETNAM_TZ).date()


def parse_date(text: str) -> dt.date:
    """dd/mm/yyyy (as people and Excel write it in Vietnam) or yyyy-mm-dd."""
    value = text.strip()
    try:
        if "/" in value:
            day, month, year = value.split("/")
            if len(year) != 4:
                raise ValueError(value)
            return dt.date(int(year), int(month), int(day))
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date; write dd/mm/yyyy or yyyy-mm-dd") from exc


def iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def to_wire(task: Task) -> TaskOut:
    return TaskOut(
        id=task.id,
        code=task.code,
        title=task.title,
        description=task.description,
        doc_number=task.doc_number,
        doc_date=iso(task.doc_date),
        doc_issuer=task.doc_issuer,
        unit_code=task.unit_code,
        start_date=iso(task.start_date),
        deadline=iso(task.deadline),
        expected_output=task.expected_output,
        indicators=list(task.indicators),
        completed_on=iso(task.completed_on),
        progress=task.progress,
        version=task.version,
    )


def _check(session: Session, values: TaskIn) -> None:
    if session.get(Unit, values.unit_code) is None:
        raise TaskError("unknown_unit", f"unit {values.unit_code!r} does not exist", "unit_code")
    if values.start_date and values.deadline and values.deadline < values.start_date:
        raise TaskError("deadline_before_start", "the deadline is before the start", "deadline")


def _fill(task: Task, values: TaskIn) -> None:
    task.title = clean(values.title)
    task.search_key = search_key(task.code, task.title)
    task.description = clean(values.description)
    task.doc_number = clean(values.doc_number)
    task.doc_date = values.doc_date
    task.doc_issuer = clean(values.doc_issuer)
    task.start_date = values.start_date
    task.deadline = values.deadline
    task.expected_output = clean(values.expected_output)
    task.indicators = [item.model_dump() for item in values.indicators]


def by_code(session: Session, code: str, namespace: str | None = None) -> Task:
    """The one task with ``code`` (in ``namespace``, a province, when given), for
    commands that name a task as people do: by its code."""
    query = select(Task).where(Task.code == code.strip())
    if namespace is not None:
        query = query.where(Task.code_scope == namespace)
    found = session.scalars(query.limit(2)).all()
    if not found:
        raise TaskError("unknown_task", f"no task with code {code!r}", "code")
    if len(found) > 1:
        raise TaskError(
            "ambiguous_code",
            f"several provinces have a task {code!r}; name the province with --province",
            "code",
        )
    return found[0]


def search_key(code: str, title: str) -> str:
    """What the console's search matches a task by (``Task.search_key``)."""
    return fold(f"{code} {title}")


def find(session: Session, namespace: str, code: str) -> Task | None:
    """The task with ``code`` among the tasks of one namespace (its province)."""
    return session.scalar(select(Task).where(Task.code_scope == namespace, Task.code == code))


def upsert(
    session: Session,
    values: TaskIn,
    actor: str,
    *,
    task_id: str | None = None,
    replace: bool,
    tree: UnitTree | None = None,
) -> tuple[Task, bool]:
    """Create a task, or (``replace``) update the one with the same code in the
    unit's province (``tree``: the units, when the caller has read them).

    An upsert never moves a task to another unit: :func:`move` does, deliberately,
    so that the old unit's devices are told to drop it.
    """
    _check(session, values)
    code = values.code.strip()
    namespace = (tree or UnitTree.read(session)).namespace(values.unit_code)
    task = find(session, namespace, code)
    created = task is None
    if task is None:
        task = Task(
            id=task_id or str(uuid.uuid4()),
            code=code,
            code_scope=namespace,
            unit_code=values.unit_code,
            progress=0,
            completed_on=None,
        )
    elif not replace:
        raise TaskError("task_exists", f"a task with code {code!r} already exists", "code")
    elif task.unit_code != values.unit_code:
        raise TaskError(
            "unit_change",
            f"task {code!r} belongs to {task.unit_code}; move it to {values.unit_code} "
            "with 'dxdesk-server task move'",
            "unit_code",
        )
    if not created:
        _require_open(task)  # an import names it with its row; never revived silently
    _fill(task, values)
    stamp(session, [task])
    audit.record(session, actor, "task.create" if created else "task.update", code)
    return task, created


def renamespace(session: Session) -> None:
    """Move task codes to their units' namespaces after a unit moved (another
    parent, another level); a code that would then be taken twice is refused."""
    tree = UnitTree.read(session)
    rows = session.execute(select(Task.id, Task.code, Task.unit_code, Task.code_scope)).all()
    wanted = {row.id: tree.namespace(row.unit_code) for row in rows}
    owners: dict[tuple[str, str], str] = {}
    for row in rows:
        key = (wanted[row.id], row.code)
        if key in owners:
            raise TaskError(
                "task_exists",
                f"task code {row.code!r} would then be used twice in {key[0]}; "
                "change one of the codes first",
                "code",
            )
        owners[key] = row.id
    for row in rows:
        if wanted[row.id] != row.code_scope:
            session.execute(update(Task).where(Task.id == row.id).values(code_scope=wanted[row.id]))


def stamp(session: Session, changed: list[Task]) -> None:
    """Give changed tasks new versions, so they flow down; the last step of a write.

    ``progress.publish`` stamps its pending tasks with plain statements (no objects
    loaded): what a stamp writes (version, updated_at) is set there too."""
    if not changed:
        return
    redefined = indicators.redefined(changed)
    for task, version in zip(changed, versions.allocate(session, len(changed)), strict=True):
        task.version = version
        task.updated_at = utcnow()
        session.add(task)
    session.flush()
    indicators.define(session, redefined)


def patch(session: Session, task: Task, changes: dict[str, Any], actor: str) -> Task:
    _require_open(task)
    for name, value in changes.items():
        setattr(task, name, clean(value) if isinstance(value, str) else value)
    task.search_key = search_key(task.code, task.title)
    if task.start_date and task.deadline and task.deadline < task.start_date:
        raise TaskError("deadline_before_start", "the deadline is before the start", "deadline")
    stamp(session, [task])
    audit.record(session, actor, "task.update", task.code, fields=sorted(changes))
    return task


def complete(session: Session, task: Task, on: dt.date | None, actor: str) -> Task:
    _require_open(task)
    day = on or today()
    if day > today():
        raise TaskError(
            "date_in_future", "a task cannot be completed in the future", "completed_on"
        )
    task.completed_on = day
    task.progress = 100
    stamp(session, [task])
    audit.record(session, actor, "task.complete", task.code, on=day.isoformat())
    return task


# The longest withdrawal reason: it travels to every device of the unit.
MAX_REASON_CHARS = 1000


def _require_open(task: Task) -> None:
    if task.withdrawn_at is not None:
        raise TaskError(
            "task_withdrawn",
            f"task {task.code!r} was withdrawn on "
            f"{task.withdrawn_at.astimezone(VIETNAM_TZ):%d/%m/%Y}: {task.withdrawn_reason}",
        )


def withdraw(session: Session, task: Task, reason: str, actor: str) -> Task:
    """Withdraw (thu hồi) a task: it stays, with the reports on it, but its devices
    drop it from their lists (the new version carries the news) and new reports on
    it are refused (``ingest``)."""
    text = clean(reason).strip()
    if not text:
        raise TaskError("reason_required", "say why the task is withdrawn", "reason")
    if len(text) > MAX_REASON_CHARS:
        raise TaskError(
            "reason_too_long", f"the reason is longer than {MAX_REASON_CHARS} characters", "reason"
        )
    _require_open(task)
    task.withdrawn_at = utcnow()
    task.withdrawn_reason = text
    task.withdrawn_by = actor
    # Its targets leave the overview's sums (task_indicator is what they add up).
    session.execute(delete(TaskIndicator).where(TaskIndicator.task_id == task.id))
    stamp(session, [task])
    audit.record(session, actor, "task.withdraw", task.code, unit=task.unit_code, reason=text)
    return task


def move(
    session: Session, task: Task, unit_code: str, actor: str, *, tree: UnitTree | None = None
) -> Task:
    """Assign a task to another unit. The unit it leaves gets a departure with its own
    version (its devices drop the task); the task's new version brings it to the new
    unit's devices. Its code must be free in the new unit's province."""
    _require_open(task)
    if session.get(Unit, unit_code) is None:
        raise TaskError("unknown_unit", f"unit {unit_code!r} does not exist", "unit_code")
    if unit_code == task.unit_code:
        raise TaskError(
            "same_unit", f"task {task.code!r} already belongs to {unit_code}", "unit_code"
        )
    namespace = (tree or UnitTree.read(session)).namespace(unit_code)
    other = find(session, namespace, task.code)
    if other is not None and other.id != task.id:
        raise TaskError(
            "task_exists",
            f"{namespace} already has a task with code {task.code!r}; "
            "change one of the codes first",
            "code",
        )
    left = task.unit_code
    task.unit_code = unit_code
    task.code_scope = namespace
    session.execute(
        update(TaskIndicator).where(TaskIndicator.task_id == task.id).values(unit_code=unit_code)
    )
    stamp(session, [task])
    [version] = versions.allocate(session)
    session.add(TaskDeparture(task_id=task.id, unit_code=left, version=version, moved_at=utcnow()))
    session.flush()
    audit.record(session, actor, "task.move", task.code, unit=unit_code, left=left)
    return task
