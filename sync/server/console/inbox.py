"""The inbox: reports of the reviewer's subtree, newest first, filtered, paged by
keyset (``received_at``, ``id``) so the thousandth page costs what the first does."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session

from dxdesk.clock import VIETNAM_TZ
from dxdesk.text import fold, search_terms
from sync.server import words_index
from sync.server.console.tree import Tree
from sync.server.scope import Scope
from sync.server.tables import Report, Task

PAGE = 50
REVIEW_STATES = ("", "pending", "accepted", "returned")
# A search naming more tasks than this is too broad to be useful as an IN list.
MAX_SEARCH_TASKS = 5000
# Past this many reports holding the words, the index is no shortcut: reading the
# newest reports first fills a page sooner than sorting all the matches.
MAX_WORD_HITS = 2000


class FilterError(ValueError):
    """A filter the page cannot apply; ``key``/``value`` name it for the message."""

    def __init__(self, key: str, value: str = "") -> None:
        super().__init__(key)
        self.key = key
        self.value = value


@dataclass(frozen=True)
class Filters:
    unit: str = ""
    task: str = ""  # a task code
    state: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""

    def query_items(self) -> dict[str, str]:
        items = {
            "unit": self.unit,
            "task": self.task,
            "state": self.state,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "q": self.q,
        }
        return {k: v for k, v in items.items() if v}


def _date(raw: str) -> dt.date | None:
    raw = raw.strip()
    if not raw:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise FilterError("bad_date", raw[:40])


def parse_filters(params: dict[str, str]) -> Filters:
    state = params.get("state", "")
    if state not in REVIEW_STATES:
        state = ""
    return Filters(
        unit=params.get("unit", "").strip()[:64],
        task=params.get("task", "").strip()[:64],
        state=state,
        date_from=_date(params.get("from", "")),
        date_to=_date(params.get("to", "")),
        q=params.get("q", "").strip()[:200],
    )


@dataclass(frozen=True)
class Row:
    id: str
    received_at: dt.datetime
    unit_code: str
    unit_name: str
    task_code: str
    task_title: str
    progress: int
    classification: str
    sealed: bool
    review_state: str | None
    results: str


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    next_after: str | None


def cursor_of(row: Row) -> str:
    return f"{row.received_at.astimezone(dt.UTC).isoformat()}|{row.id}"


def parse_cursor(raw: str) -> tuple[dt.datetime, str] | None:
    if not raw:
        return None
    at, _, rid = raw.partition("|")
    try:
        when = dt.datetime.fromisoformat(at)
    except ValueError:
        raise FilterError("bad_page") from None
    if when.tzinfo is None or not rid or len(rid) > 64:
        raise FilterError("bad_page")
    return when, rid


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), VIETNAM_TZ).astimezone(dt.UTC)


@dataclass(frozen=True)
class _Hits:
    """What a search matched besides report words: looked up once per page."""

    terms: list[str]
    tasks: list[str]
    units: list[str]
    words: list[str] | None  # report ids from the words index; None: match by LIKE


@functools.lru_cache(maxsize=65536)
def _unit_key(code: str, name: str) -> str:
    # Folding every unit's name per search cost ~100 ms nationally (3,355 units).
    return fold(f"{code} {name}")


def _hits(session: Session, tree: Tree, units: list[str], q: str) -> _Hits:
    terms = search_terms(q)
    unit_hits = [c for c in units if all(t in _unit_key(c, tree.name(c)) for t in terms)]
    query = select(Task.id).where(*[Task.search_key.contains(t, autoescape=True) for t in terms])
    if len(units) < len(tree.units):
        query = query.where(Task.unit_code.in_(units))
    task_hits = list(session.scalars(query.limit(MAX_SEARCH_TASKS + 1)))
    if len(task_hits) > MAX_SEARCH_TASKS:
        raise FilterError("search_too_broad")
    return _Hits(
        terms, task_hits, unit_hits, words_index.matching_ids(session, terms, MAX_WORD_HITS)
    )


def _search(hits: _Hits, walk: bool) -> ColumnElement[bool]:
    """Diacritic-insensitive: matching task codes and titles (in SQL, by the tasks'
    folded ``search_key``), unit names, and the clear words of reports (results,
    difficulties, proposals; never sealed ones). With ``walk`` written so that no
    index serves it (``column || ''``): the arrival index is then walked instead."""
    report_id, task, unit = (
        (Report.id + "", Report.task_id + "", Report.unit_code + "") if walk
        else (Report.id, Report.task_id, Report.unit_code)
    )  # fmt: skip
    if hits.words is None:
        words = [Report.search_words.contains(t, autoescape=True) for t in hits.terms]
    else:  # a rare word: its few reports, not a walk over the subtree's
        words = [report_id.in_(hits.words)] + [
            Report.search_words.contains(t, autoescape=True)
            for t in hits.terms
            if len(t) < words_index.MIN_TERM
        ]
    return or_(task.in_(hits.tasks), unit.in_(hits.units), and_(true(), *words))


def _conditions(
    tree: Tree,
    units: list[str],
    filters: Filters,
    after: tuple[dt.datetime, str] | None,
    walk: bool,
    hits: _Hits | None,
) -> list[ColumnElement[bool]]:
    """``units``: the subtree in the reviewer's scope; ``hits``: the search's, if any."""
    where: list[ColumnElement[bool]] = []
    if len(units) < len(tree.units):
        # ``unit_code || ''`` cannot use an index: SQLite then walks the arrival one.
        unit = (Report.unit_code + "") if walk else Report.unit_code
        where.append(unit.in_(units))
    if filters.task:
        where.append(Task.code == filters.task)
    if filters.state == "pending":
        where.append(Report.review_state.is_(None))
    elif filters.state:
        where.append(Report.review_state == filters.state)
    if filters.date_from:
        where.append(Report.received_at >= _day_start(filters.date_from))
    if filters.date_to:
        where.append(Report.received_at < _day_start(filters.date_to + dt.timedelta(days=1)))
    if hits is not None:
        where.append(_search(hits, walk))
    if after is not None:
        at, rid = after
        where.append(or_(Report.received_at < at, and_(Report.received_at == at, Report.id < rid)))
    return where


def page(
    session: Session,
    scope: Scope,
    tree: Tree,
    root: str,
    filters: Filters,
    after: tuple[dt.datetime, str] | None,
) -> Page:
    walk = _walk_newest_first(session, scope, tree, root, filters)
    units = _units(scope, tree, root, filters)  # once: nationally 3,355 checks of scope
    hits = _hits(session, tree, units, filters.q) if filters.q else None
    where = _conditions(tree, units, filters, after, walk, hits)
    sqlite = session.get_bind().dialect.name == "sqlite"
    if hits is not None and not walk and sqlite and _many(session, where):
        # Thousands of matches (a name shared by dozens of communes): reading and
        # sorting them all (bodies included) costs SQLite more than walking the newest
        # reports until a page is full (nationally 164 ms against 2 + 20 to count).
        # PostgreSQL's planner weighs this itself, and walking cost it more (0.44 s).
        where = _conditions(tree, units, filters, after, True, hits)
    query = (
        select(
            Report.id, Report.received_at, Report.unit_code, Task.code, Task.title,
            Report.progress, Report.classification, Report.sealed.is_not(None),
            Report.review_state, Report.body,
        )
        .join(Task, Task.id == Report.task_id)
        .where(*where)
        .order_by(Report.received_at.desc(), Report.id.desc())
        .limit(PAGE + 1)
    )  # fmt: skip
    rows = []
    for rid, raw_at, unit, code, title, progress, cls, sealed, state, body in session.execute(
        query
    ):
        at = raw_at if raw_at.tzinfo is not None else raw_at.replace(tzinfo=dt.UTC)
        results = "" if sealed else str(_words(body).get("results", ""))[:160]
        rows.append(
            Row(rid, at, unit, tree.name(unit), code, title, progress, cls, bool(sealed), state,
                results)
        )  # fmt: skip
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return Page(rows, cursor_of(rows[-1]) if more and rows else None)


def _units(scope: Scope, tree: Tree, root: str, filters: Filters) -> list[str]:
    if filters.unit:
        units = tree.subtree(filters.unit)
    elif scope.units is None:
        units = list(tree.units)  # an admin: every unit
    else:
        units = tree.subtree(root)
    return [u for u in units if scope.allows(u)]


def _many(session: Session, where: list[ColumnElement[bool]]) -> bool:
    """Whether more than MAX_WORD_HITS reports meet ``where``: counted by ids through
    the indexes the conditions name (no report bodies read)."""
    probe = (
        select(Report.id).join(Task, Task.id == Report.task_id).where(*where)
        .limit(MAX_WORD_HITS + 1).subquery()
    )  # fmt: skip
    return (session.scalar(select(func.count()).select_from(probe)) or 0) > MAX_WORD_HITS


# A subtree holding at least this share of the units has a page's reports among its
# newest few thousand: walking the arrival index finds them (a province nationally:
# ~1,700 entries), where SQLite's own choice, the unit index, reads and sorts all of
# the subtree's reports (a province: ~30,000). A commune is the other way round.
WALK_SHARE = 0.01


def _walk_newest_first(
    session: Session, scope: Scope, tree: Tree, root: str, filters: Filters
) -> bool:
    """Whether SQLite should walk ``ix_report_received_id`` rather than the unit index
    it picks for the subtree's codes (PostgreSQL's planner weighs this itself): a
    large subtree, no search or task (their matches may be rare, the walk long)."""
    if session.get_bind().dialect.name != "sqlite" or filters.q or filters.task:
        return False
    start = filters.unit or (None if scope.units is None else root)
    if start is None:
        return False  # every unit: no unit condition, SQLite walks the index already
    share = len(tree.subtree(start)) / max(len(tree.units), 1)
    return share >= WALK_SHARE


def _words(body: Any) -> dict[str, Any]:
    return body if isinstance(body, dict) else {}
