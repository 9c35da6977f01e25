"""The overview's figures, aggregated in SQL over the reviewer's subtree:
tasks per official category per unit, overdue tasks, silent units, indicators
against their targets, reports received per week. Judged by the server's date."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.orm import Session

from dxdesk.clock import VIETNAM_TZ
from dxdesk.status import Category
from sync.server.console.tree import Tree
from sync.server.tables import Report, Task, TaskIndicator, Unit

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
    weeks: WeekCounts | None = None,
) -> Overview:
    units = tree.subtree(root)
    everything = len(units) == len(tree.units)
    per_unit = _categories(session, units, everything, today)
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
    # The most overdue first, walking ix_task_open_deadline; the count is the category's.
    overdue = [
        TaskRow(t.id, t.code, t.title, t.unit_code, t.deadline, t.progress,
                Category.IN_PROGRESS_OVERDUE.value,
                (today - t.deadline).days if t.deadline else 0)
        for t in session.execute(
            select(Task.id, Task.code, Task.title, Task.unit_code, Task.deadline, Task.progress)
            .where(
                Task.completed_on.is_(None),
                Task.deadline < today,
                Task.withdrawn_at.is_(None),
                _in(Task.unit_code, units, everything),
            )
            .order_by(Task.completed_on, Task.deadline, Task.code)
            .limit(OVERDUE_SHOWN)
        )
    ]  # fmt: skip

    silent, silent_count = _silent(session, sorted(per_unit), everything, tree, now, silent_days)
    return Overview(
        today=today,
        root=root,
        rows=rows,
        totals=totals,
        tasks=own_tasks,
        overdue=overdue,
        overdue_count=totals.by_category[Category.IN_PROGRESS_OVERDUE.value],
        silent=silent,
        silent_count=silent_count,
        silent_days=silent_days,
        indicators=_indicators(session, units, everything),
        weeks=(weeks or WeekCounts()).get(session, units, everything, now),
    )


def _categories(
    session: Session, units: list[str], everything: bool, today: dt.date
) -> dict[str, Counts]:
    """Tasks per category per unit: one pass over an index of (unit, completed_on,
    deadline) in unit order, no table rows. Four cheap counts, not a CASE per
    category: done late, done, overdue, all (the others are differences), as
    :func:`dxdesk.status.categorise` judges them."""
    done_late = and_(Task.completed_on.is_not(None), Task.deadline.is_not(None),
                     Task.completed_on > Task.deadline)  # fmt: skip
    overdue = and_(Task.completed_on.is_(None), Task.deadline.is_not(None), Task.deadline < today)
    query = (
        select(
            Task.unit_code,
            func.count(case((done_late, 1))),
            func.count(Task.completed_on),
            func.count(case((overdue, 1))),
            func.count(),
        )
        .where(_in(Task.unit_code, units, everything), Task.withdrawn_at.is_(None))
        .group_by(Task.unit_code)
    )
    per_unit: dict[str, Counts] = {}
    for unit_code, late, done, behind, total in session.execute(query):
        counts = {
            Category.DONE_LATE: late,
            Category.DONE_ON_TIME: done - late,
            Category.IN_PROGRESS_OVERDUE: behind,
            Category.IN_PROGRESS_ON_TIME: total - done - behind,
        }
        per_unit[unit_code] = Counts({c.value: int(counts[c]) for c in Category})
    return per_unit


def _latest_report_at(unit_or_task: Any) -> Any:
    """The newest report's arrival for each outer row: one index seek per row."""
    return select(func.max(Report.received_at)).where(unit_or_task).scalar_subquery()


def _unit_tasks(session: Session, unit: str, today: dt.date) -> list[TaskRow]:
    last = _latest_report_at(Report.task_id == Task.id)
    query = (
        select(Task.id, Task.code, Task.title, Task.unit_code, Task.deadline, Task.progress,
               category_of(today), last)
        .where(Task.unit_code == unit, Task.withdrawn_at.is_(None))
        .order_by(Task.deadline, Task.code)
    )  # fmt: skip
    out = []
    for tid, code, title, unit_code, deadline, progress, cat, at in session.execute(query):
        late = (today - deadline).days if deadline and cat == "in_progress_overdue" else 0
        out.append(TaskRow(tid, code, title, unit_code, deadline, progress, cat, late, _aware(at)))
    return out


def _silent(
    session: Session,
    units: list[str],
    everything: bool,
    tree: Tree,
    now: dt.datetime,
    days: int,
) -> tuple[list[tuple[str, str, dt.datetime | None]], int]:
    """Units with tasks (``units``) whose newest report is older than ``days`` (or
    absent): one index seek per unit, from the unit table."""
    since = now - dt.timedelta(days=days)
    wanted = set(units)
    found: list[tuple[str, str, dt.datetime | None]] = []
    query = select(Unit.code, _latest_report_at(Report.unit_code == Unit.code))
    # The whole tree needs no list of 3,000 codes to bind and plan (PostgreSQL).
    chunks = [[]] if everything else [units[i : i + 2000] for i in range(0, len(units), 2000)]
    for chunk in chunks:  # bounded IN lists
        rows = session.execute(query.where(Unit.code.in_(chunk)) if chunk else query)
        for code, raw in rows:
            at = _aware(raw)
            if code in wanted and (at is None or at < since):
                found.append((code, tree.name(code), at))
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    found.sort(key=lambda item: (item[2] or epoch, item[1]))
    return found[:SILENT_SHOWN], len(found)


def _indicators(session: Session, units: list[str], everything: bool) -> list[IndicatorRow]:
    """Each task's targets against its latest report's values, summed per indicator:
    one aggregate over ``task_indicator`` (kept at ingest, sync.server.indicators)."""
    query = (
        select(
            TaskIndicator.code,
            TaskIndicator.measure,
            func.min(TaskIndicator.name),
            func.coalesce(func.sum(TaskIndicator.target), 0.0),
            func.coalesce(func.sum(TaskIndicator.value), 0.0),
            func.count(),
            func.count(TaskIndicator.value),
        )
        .where(_in(TaskIndicator.unit_code, units, everything))
        .group_by(TaskIndicator.code, TaskIndicator.measure)
    )
    found = [
        IndicatorRow(code, name, measure, float(target or 0), float(reached or 0), n, reporting)
        for code, measure, name, target, reached, n, reporting in session.execute(query)
    ]
    return sorted(found, key=lambda row: (row.code, row.measure))  # not the collation's order


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


class WeekCounts:
    """Reports received per week (Monday to Sunday, Vietnam time) for a subtree.

    A week that ended is never counted again: a report's arrival time and unit never
    change, and every new one arrives now, so only the current week is counted per
    request (nationally the twelve weeks are a quarter of a million reports). One per
    server process, held by the console; bounded, least recently used first out."""

    # Past this long after a week's end no transaction that took its arrival time
    # inside the week can still be committing.
    SETTLED = dt.timedelta(minutes=10)
    SIZE = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done: OrderedDict[tuple[tuple[str, ...], dt.date], int] = OrderedDict()

    def get(
        self, session: Session, units: list[str], everything: bool, now: dt.datetime
    ) -> list[Week]:
        this_week = week_start(now.astimezone(VIETNAM_TZ).date())
        starts = [this_week - dt.timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
        scope = ("*",) if everything else tuple(units)
        with self._lock:
            known = {s: self._done[(scope, s)] for s in starts if (scope, s) in self._done}
            for start in known:
                self._done.move_to_end((scope, start))
        missing = [s for s in starts if s not in known]
        counted = _count_weeks(session, units, everything, missing) if missing else {}
        settled = now - self.SETTLED
        with self._lock:
            for start, count in counted.items():
                if _bounds(start)[1] <= settled:
                    self._done[(scope, start)] = count
            while len(self._done) > self.SIZE:
                self._done.popitem(last=False)
        return [Week(s, known[s] if s in known else counted[s]) for s in starts]


def _bounds(start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    end = start + dt.timedelta(weeks=1)
    return (
        dt.datetime.combine(start, dt.time(), VIETNAM_TZ).astimezone(dt.UTC),
        dt.datetime.combine(end, dt.time(), VIETNAM_TZ).astimezone(dt.UTC),
    )


def _count_weeks(
    session: Session, units: list[str], everything: bool, starts: list[dt.date]
) -> dict[dt.date, int]:
    """The given weeks' report counts in one SQL pass."""
    bounds = [_bounds(s) for s in starts]
    buckets = [
        func.coalesce(
            func.sum(case((and_(Report.received_at >= lo, Report.received_at < hi), 1), else_=0)),
            0,
        )
        for lo, hi in bounds
    ]
    query = select(*buckets).where(
        _in(Report.unit_code, units, everything),
        Report.received_at >= min(lo for lo, _hi in bounds),
        Report.received_at < max(hi for _lo, hi in bounds),
    )
    counts = session.execute(query).one()
    return {start: int(count) for start, count in zip(starts, counts, strict=True)}
