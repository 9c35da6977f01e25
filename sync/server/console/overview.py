"""The overview's figures, aggregated in SQL over the reviewer's subtree:
tasks per official category per unit, overdue tasks, silent units, indicators
against their targets, reports received per week. Judged by the server's date."""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.orm import Session

from dxdesk.clock import VIETNAM_TZ
from dxdesk.status import Category
from sync.server import versions
from sync.server.console.tree import Tree
from sync.server.tables import Report, Task, TaskDeparture, TaskIndicator, Unit

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
    figures: UnitFigureCache | None = None,
) -> Overview:
    units = tree.subtree(root)
    everything = len(units) == len(tree.units)
    kept = (figures or UnitFigureCache()).get(session, now)
    per_unit = {u: kept[u].counts(today) for u in units if u in kept and kept[u].total}
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

    silent, silent_count = _silent(kept, sorted(per_unit), tree, now, silent_days)
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
        indicators=_indicators(kept[u] for u in units if u in kept),
        weeks=(weeks or WeekCounts()).get(session, units, everything, now),
    )


@dataclass(frozen=True)
class UnitFigures:
    """One unit's own figures, from which the overview of any subtree is summed."""

    done_late: int = 0
    done: int = 0
    total: int = 0  # not withdrawn
    open_deadlines: tuple[dt.date, ...] = ()  # sorted: the overdue are those before today
    last_report: dt.datetime | None = None
    # (code, measure) -> (name, target, reached, tasks, reporting), as _indicators sums
    indicators: tuple[tuple[str, str, str, float, float, int, int], ...] = ()

    def counts(self, today: dt.date) -> Counts:
        """:func:`dxdesk.status.categorise`'s four categories as of ``today``."""
        overdue = bisect.bisect_left(self.open_deadlines, today)
        return Counts({
            Category.DONE_LATE.value: self.done_late,
            Category.DONE_ON_TIME.value: self.done - self.done_late,
            Category.IN_PROGRESS_OVERDUE.value: overdue,
            Category.IN_PROGRESS_ON_TIME.value: self.total - self.done - overdue,
        })  # fmt: skip


class UnitFigureCache:
    """Every unit's :class:`UnitFigures`, kept by the server process and brought up
    to date on each request from what changed since the last one.

    Read from scratch, the central overview reads every task (~100,000 nationally),
    every indicator row (~33,000) and seeks each unit's newest report (3,321) on
    every request. Kept, a request rereads only the units something happened to:
    the units of tasks with a newer change version (created, edited, completed,
    withdrawn or moved in: every task write takes one, see versions.py), the units a
    task moved away from (their departures take one too), and the units whose
    reports arrived since the last request (newest report, indicator values).
    Arrivals are looked for back to :attr:`SETTLED` before the last request, as in
    :class:`WeekCounts`, so a push still committing then is not missed."""

    SETTLED = dt.timedelta(minutes=10)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._units: dict[str, UnitFigures] = {}
        self._version: int | None = None
        self._since: dt.datetime | None = None

    @property
    def ready(self) -> bool:
        """Whether every unit has been read once (then requests read only changes)."""
        with self._lock:
            return self._version is not None

    def get(self, session: Session, now: dt.datetime) -> Mapping[str, UnitFigures]:
        with self._lock:  # one refresh at a time; the others then find little to do
            version = versions.current(session)  # first: every change up to it is visible
            if self._version is None or self._since is None:
                self._units = _read_units(session, None)
            else:
                touched = _touched(session, self._version, self._since - self.SETTLED)
                if touched:
                    self._units.update(_read_units(session, touched))
            self._version, self._since = version, now
            return dict(self._units)  # a snapshot: later refreshes change the kept one


def _touched(session: Session, version: int, since: dt.datetime) -> set[str]:
    units = set(session.scalars(select(Task.unit_code).where(Task.version > version)))
    units.update(
        session.scalars(select(TaskDeparture.unit_code).where(TaskDeparture.version > version))
    )
    units.update(
        session.scalars(select(Report.unit_code).where(Report.received_at >= since).distinct())
    )
    return units


def _read_units(session: Session, codes: set[str] | None) -> dict[str, UnitFigures]:
    """The figures of ``codes`` (every unit when None: no list of 3,000 codes to bind
    and plan, which cost PostgreSQL more than the reading), in bounded IN lists."""
    ordered = sorted(codes or ())
    chunks: list[list[str]] = [[]] if codes is None else [
        ordered[i : i + 2000] for i in range(0, len(ordered), 2000)
    ]  # fmt: skip
    tasks: dict[str, list[tuple[dt.date | None, dt.date | None]]] = {c: [] for c in ordered}
    last: dict[str, dt.datetime | None] = {}
    measured: dict[str, list[tuple[str, str, str, float, float, int, int]]] = {}
    for chunk in chunks:
        # One pass over ix_task_unit_state: no table rows.
        query = select(Task.unit_code, Task.completed_on, Task.deadline).where(
            Task.withdrawn_at.is_(None)
        )
        for unit, done_on, deadline in session.execute(_within(query, Task.unit_code, chunk)):
            tasks.setdefault(unit, []).append((done_on, deadline))
        # One index seek per unit, from the unit table.
        newest = select(Unit.code, _latest_report_at(Report.unit_code == Unit.code))
        for unit, at in session.execute(_within(newest, Unit.code, chunk)):
            last[unit] = _aware(at)
        # task_indicator, kept at ingest (sync.server.indicators).
        sums = select(
            TaskIndicator.unit_code,
            TaskIndicator.code,
            TaskIndicator.measure,
            func.min(TaskIndicator.name),
            func.coalesce(func.sum(TaskIndicator.target), 0.0),
            func.coalesce(func.sum(TaskIndicator.value), 0.0),
            func.count(),
            func.count(TaskIndicator.value),
        ).group_by(TaskIndicator.unit_code, TaskIndicator.code, TaskIndicator.measure)
        for unit, code, measure, name, target, reached, n, reporting in session.execute(
            _within(sums, TaskIndicator.unit_code, chunk)
        ):
            row = (code, measure, name, float(target or 0), float(reached or 0), n, reporting)
            measured.setdefault(unit, []).append(row)
    out: dict[str, UnitFigures] = {}
    for unit in set(tasks) | set(last) | set(measured):
        own = tasks.get(unit, [])
        done = [(c, d) for c, d in own if c is not None]
        out[unit] = UnitFigures(
            done_late=sum(1 for c, d in done if d is not None and c > d),
            done=len(done),
            total=len(own),
            open_deadlines=tuple(sorted(d for c, d in own if c is None and d is not None)),
            last_report=last.get(unit),
            indicators=tuple(measured.get(unit, ())),
        )
    return out


def _within(query: Any, column: Any, chunk: list[str]) -> Any:
    return query.where(column.in_(chunk)) if chunk else query


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
    kept: Mapping[str, UnitFigures],
    units: list[str],
    tree: Tree,
    now: dt.datetime,
    days: int,
) -> tuple[list[tuple[str, str, dt.datetime | None]], int]:
    """Units with tasks (``units``) whose newest report is older than ``days`` (or
    absent), the longest silent first."""
    since = now - dt.timedelta(days=days)
    found = [
        (code, tree.name(code), kept[code].last_report)
        for code in units
        if kept[code].last_report is None or kept[code].last_report < since  # type: ignore[operator]
    ]
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    found.sort(key=lambda item: (item[2] or epoch, item[1]))
    return found[:SILENT_SHOWN], len(found)


def _indicators(kept: Iterable[UnitFigures]) -> list[IndicatorRow]:
    """Each task's targets against its latest report's values, summed per indicator
    over the units' kept sums (from ``task_indicator``, kept at ingest)."""
    sums: dict[tuple[str, str], list[Any]] = {}
    for figures in kept:
        for code, measure, name, target, reached, n, reporting in figures.indicators:
            into = sums.setdefault((code, measure), [name, 0.0, 0.0, 0, 0])
            into[0] = min(into[0], name)
            into[1] += target
            into[2] += reached
            into[3] += n
            into[4] += reporting
    found = [
        IndicatorRow(code, name, measure, target, reached, n, reporting)
        for (code, measure), (name, target, reached, n, reporting) in sums.items()
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
