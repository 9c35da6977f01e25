"""The overview's figures, aggregated in SQL over the reviewer's subtree:
tasks per official category per unit, overdue tasks, silent units, indicators
against their targets, reports received per week. Judged by the server's date."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.orm import Session, aliased

from dxdesk.clock import VIETNAM_TZ
from dxdesk.status import Category
from sync.server.console.tree import Tree
from sync.server.tables import Report, Task

OVERDUE_SHOWN = 50
SILENT_SHOWN = 100
WEEKS = 12


def category_of(today: dt.date) -> ColumnElement[str]:
    """:func:`dxdesk.status.categorise` as SQL, so counting happens in the database."""
    return case(
        (
            and_(
                Task.completed_on.is_not(None),
                Task.deadline.is_not(None),
                Task.completed_on > Task.deadline,
            ),
            literal(Category.DONE_LATE.value),
        ),
        (Task.completed_on.is_not(None), literal(Category.DONE_ON_TIME.value)),
        (
            and_(Task.deadline.is_not(None), Task.deadline < today),
            literal(Category.IN_PROGRESS_OVERDUE.value),
        ),
        else_=literal(Category.IN_PROGRESS_ON_TIME.value),
    )


@dataclass
class Counts:
    by_category: dict[str, int] = field(default_factory=lambda: {c.value: 0 for c in Category})

    @property
    def total(self) -> int:
        return sum(self.by_category.values())

    def add(self, other: Counts) -> None:
        for key, value in other.by_category.items():
            self.by_category[key] += value

    def share(self, category: str) -> float:
        return 100.0 * self.by_category[category] / self.total if self.total else 0.0


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    counts: Counts
    drill: bool  # has units below it
    own_only: bool = False  # the unit's own tasks, not its subtree's


@dataclass(frozen=True)
class TaskRow:
    id: str
    code: str
    title: str
    unit_code: str
    deadline: dt.date | None
    progress: int
    category: str
    days_overdue: int
    last_report: dt.datetime | None = None


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    name: str
    measure: str
    target: float
    reached: float
    tasks: int
    reporting: int  # tasks whose latest report gave a value

    @property
    def share(self) -> float:
        return 100.0 * self.reached / self.target if self.target else 0.0


@dataclass(frozen=True)
class Week:
    start: dt.date
    count: int


@dataclass
class Overview:
    today: dt.date
    root: str
    rows: list[UnitRow]
    totals: Counts
    tasks: list[TaskRow]  # the root's own tasks, when it has no units below
    overdue: list[TaskRow]
    overdue_count: int
    silent: list[tuple[str, str, dt.datetime | None]]
    silent_count: int
    silent_days: int
    indicators: list[IndicatorRow]
    weeks: list[Week]

    @property
    def week_max(self) -> int:
        return max([w.count for w in self.weeks] + [1])


def _in(column: Any, codes: Sequence[str], everything: bool) -> ColumnElement[bool]:
    return literal(True) if everything else column.in_(list(codes))


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite aggregates: naive UTC
        return value.replace(tzinfo=dt.UTC)
    return value


def compute(
    session: Session,
    tree: Tree,
    root: str,
    today: dt.date,
    now: dt.datetime,
    silent_days: int,
) -> Overview:
    units = tree.subtree(root)
    everything = len(units) == len(tree.units)
    category = category_of(today)
    per_unit: dict[str, Counts] = {}
    grouped = (
        select(Task.unit_code, category, func.count())
        .where(_in(Task.unit_code, units, everything))
        .group_by(Task.unit_code, category)
    )
    for unit_code, cat, count in session.execute(grouped):
        per_unit.setdefault(unit_code, Counts()).by_category[cat] += int(count)
    totals = Counts()
    for counts in per_unit.values():
        totals.add(counts)

    rows: list[UnitRow] = []
    if root in per_unit and tree.children.get(root):
        rows.append(UnitRow(root, tree.name(root), per_unit[root], False, own_only=True))
    for child in tree.children.get(root, []):
        counts = Counts()
        for code in tree.subtree(child):
            if code in per_unit:
                counts.add(per_unit[code])
        rows.append(UnitRow(child, tree.name(child), counts, bool(tree.children.get(child))))

    own_tasks = [] if tree.children.get(root) else _unit_tasks(session, root, today)
    overdue_filter = (
        _in(Task.unit_code, units, everything),
        Task.completed_on.is_(None),
        Task.deadline < today,
    )
    overdue_count = int(session.scalar(select(func.count()).where(*overdue_filter)) or 0)
    overdue = [
        TaskRow(t.id, t.code, t.title, t.unit_code, t.deadline, t.progress,
                Category.IN_PROGRESS_OVERDUE.value,
                (today - t.deadline).days if t.deadline else 0)
        for t in session.execute(
            select(Task.id, Task.code, Task.title, Task.unit_code, Task.deadline, Task.progress)
            .where(*overdue_filter)
            .order_by(Task.deadline, Task.code)
            .limit(OVERDUE_SHOWN)
        )
    ]  # fmt: skip

    silent, silent_count = _silent(session, sorted(per_unit), tree, now, silent_days)
    return Overview(
        today=today,
        root=root,
        rows=rows,
        totals=totals,
        tasks=own_tasks,
        overdue=overdue,
        overdue_count=overdue_count,
        silent=silent,
        silent_count=silent_count,
        silent_days=silent_days,
        indicators=_indicators(session, units, everything),
        weeks=_weeks(session, units, everything, now),
    )


def _latest_report_at(unit_or_task: Any) -> Any:
    """The newest report's arrival for each outer row: one index seek per row."""
    return select(func.max(Report.received_at)).where(unit_or_task).scalar_subquery()


def _unit_tasks(session: Session, unit: str, today: dt.date) -> list[TaskRow]:
    last = _latest_report_at(Report.task_id == Task.id)
    query = (
        select(Task.id, Task.code, Task.title, Task.unit_code, Task.deadline, Task.progress,
               category_of(today), last)
        .where(Task.unit_code == unit)
        .order_by(Task.deadline, Task.code)
    )  # fmt: skip
    out = []
    for tid, code, title, unit_code, deadline, progress, cat, at in session.execute(query):
        late = (today - deadline).days if deadline and cat == "in_progress_overdue" else 0
        out.append(TaskRow(tid, code, title, unit_code, deadline, progress, cat, late, _aware(at)))
    return out


def _silent(
    session: Session, units: list[str], tree: Tree, now: dt.datetime, days: int
) -> tuple[list[tuple[str, str, dt.datetime | None]], int]:
    """Units with tasks whose newest report is older than ``days`` (or absent)."""
    since = now - dt.timedelta(days=days)
    found: list[tuple[str, str, dt.datetime | None]] = []
    for start in range(0, len(units), 2000):  # bounded IN lists
        chunk = units[start : start + 2000]
        query = select(Task.unit_code, _latest_report_at(Report.unit_code == Task.unit_code))
        query = query.where(Task.unit_code.in_(chunk)).group_by(Task.unit_code)
        for code, raw in session.execute(query):
            at = _aware(raw)
            if at is None or at < since:
                found.append((code, tree.name(code), at))
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    found.sort(key=lambda item: (item[2] or epoch, item[1]))
    return found[:SILENT_SHOWN], len(found)


def _indicators(session: Session, units: list[str], everything: bool) -> list[IndicatorRow]:
    """Each task's targets against its latest report's values, summed per indicator."""
    # Only tasks that have targets, read through Core: nationally most of the ~100,000
    # tasks have none, and fetching and decoding every task's list through the ORM
    # was most of the central overview's time (docs/benchmarks.md, reviewer console).
    tasks = session.connection().execute(
        select(Task.id, Task.indicators).where(
            _in(Task.unit_code, units, everything), func.json_array_length(Task.indicators) > 0
        )
    )
    with_targets = {tid: inds for tid, inds in tasks if inds}
    latest: dict[str, dict[str, Any]] = {}
    ids = sorted(with_targets)
    inner = aliased(Report)
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        newest = (
            select(inner.id)
            .where(inner.task_id == Task.id)
            .order_by(inner.received_at.desc(), inner.id.desc())
            .limit(1)
            .correlate(Task)
            .scalar_subquery()
        )
        query = (
            select(Report.task_id, Report.body)
            .join(Task, Report.id == newest)
            .where(Task.id.in_(chunk))
        )
        for task_id, body in session.execute(query):
            values = body.get("indicator_values") if isinstance(body, dict) else None
            latest[task_id] = values if isinstance(values, dict) else {}
    sums: dict[tuple[str, str], list[Any]] = {}
    for tid, inds in with_targets.items():
        values = latest.get(tid, {})
        for ind in inds:
            key = (str(ind.get("code", "")), str(ind.get("unit", "")))
            entry = sums.setdefault(key, [str(ind.get("name", "")), 0.0, 0.0, 0, 0])
            target = ind.get("target")
            entry[1] += float(target) if isinstance(target, int | float) else 0.0
            entry[3] += 1
            value = values.get(key[0])
            if isinstance(value, int | float) and not isinstance(value, bool):
                entry[2] += float(value)
                entry[4] += 1
    return [
        IndicatorRow(code, name, measure, target, reached, count, reporting)
        for (code, measure), (name, target, reached, count, reporting) in sorted(sums.items())
    ]


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _weeks(session: Session, units: list[str], everything: bool, now: dt.datetime) -> list[Week]:
    """Reports received per week (Monday to Sunday, Vietnam time), one SQL pass."""
    this_week = week_start(now.astimezone(VIETNAM_TZ).date())
    starts = [this_week - dt.timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
    bounds = [dt.datetime.combine(s, dt.time(), VIETNAM_TZ).astimezone(dt.UTC) for s in starts] + [
        dt.datetime.combine(this_week + dt.timedelta(weeks=1), dt.time(), VIETNAM_TZ)
    ]
    buckets = [
        func.coalesce(
            func.sum(case((and_(Report.received_at >= lo, Report.received_at < hi), 1), else_=0)),
            0,
        )
        for lo, hi in itertools.pairwise(bounds)
    ]
    query = select(*buckets).where(
        _in(Report.unit_code, units, everything), Report.received_at >= bounds[0]
    )
    counts = session.execute(query).one()
    return [Week(start, int(count)) for start, count in zip(starts, counts, strict=True)]
