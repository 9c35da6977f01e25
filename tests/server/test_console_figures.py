"""The overview's figures, kept at write time (task indicators, per-unit categories
from the index, ended weeks cached), equal a computation from scratch over the
tasks and reports after every kind of write: an ingest, a correction, a classified
report, a review, a task edit, a completion and a withdrawal — on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select

from dxdesk import signing
from dxdesk.clock import VIETNAM_TZ, utcnow
from dxdesk.status import Category, categorise
from sync.server import console, tasks
from sync.server.config import ServerConfig
from sync.server.console import overview
from sync.server.console.tree import Tree
from sync.server.db import Database
from sync.server.tables import Report, Task
from tests.server.conftest import World, report_body, seed_task
from tests.support.device import seal

HS = {"code": "HS", "name": "Hồ sơ số hoá", "unit": "hồ sơ", "target": 1200}
ND = {"code": "ND", "name": "Người được tập huấn", "unit": "người", "target": 300}


def _scratch(
    session: Any, root: str, today: dt.date, now: dt.datetime, days: int
) -> dict[str, Any]:
    """Every figure from the rows themselves, in Python, the simplest way."""
    tree = Tree(session)
    units = set(tree.subtree(root))
    task_rows = [
        t for t in session.scalars(select(Task)) if t.unit_code in units and t.withdrawn_at is None
    ]
    reports = [
        r
        for r in session.execute(
            select(Report.id, Report.task_id, Report.unit_code, Report.received_at, Report.body)
        )
        if r.unit_code in units
    ]
    per_unit: dict[str, dict[str, int]] = {}
    for t in task_rows:
        counts = per_unit.setdefault(t.unit_code, {c.value: 0 for c in Category})
        counts[categorise(t.deadline, t.completed_on, today).category.value] += 1
    overdue = sorted(
        (t for t in task_rows if t.completed_on is None and t.deadline and t.deadline < today),
        key=lambda t: (t.deadline, t.code),
    )
    newest: dict[str, Any] = {}
    last_in_unit: dict[str, dt.datetime] = {}
    for r in reports:
        if r.task_id not in newest or (r.received_at, r.id) > (
            newest[r.task_id].received_at,
            newest[r.task_id].id,
        ):
            newest[r.task_id] = r
        last_in_unit[r.unit_code] = max(r.received_at, last_in_unit.get(r.unit_code, r.received_at))
    silent = sorted(
        (u, last_in_unit.get(u))
        for u in per_unit
        if u not in last_in_unit or last_in_unit[u] < now - dt.timedelta(days=days)
    )
    sums: dict[tuple[str, str], list[Any]] = {}
    for t in task_rows:
        body = newest[t.id].body if t.id in newest else {}
        values = body.get("indicator_values", {}) if isinstance(body, dict) else {}
        for ind in t.indicators:
            entry = sums.setdefault(
                (ind["code"], ind.get("unit", "")), [ind["name"], 0.0, 0.0, 0, 0]
            )
            entry[1] += float(ind.get("target") or 0)
            entry[3] += 1
            value = values.get(ind["code"])
            if isinstance(value, int | float) and not isinstance(value, bool):
                entry[2] += float(value)
                entry[4] += 1
    this_week = overview.week_start(now.astimezone(VIETNAM_TZ).date())
    weeks = {this_week - dt.timedelta(weeks=i): 0 for i in range(overview.WEEKS)}
    for r in reports:
        start = overview.week_start(r.received_at.astimezone(VIETNAM_TZ).date())
        if start in weeks:
            weeks[start] += 1
    return {
        "units": per_unit,
        "overdue": [(t.code, (today - t.deadline).days) for t in overdue][: overview.OVERDUE_SHOWN],
        "overdue_count": len(overdue),
        "silent": silent,
        "indicators": {
            k: (v[0], pytest.approx(v[1]), pytest.approx(v[2]), v[3], v[4]) for k, v in sums.items()
        },
        "weeks": sorted(weeks.items()),
    }


def _kept(
    session: Any,
    root: str,
    today: dt.date,
    now: dt.datetime,
    days: int,
    weeks: Any,
    figures: overview.UnitFigureCache | None,
) -> dict[str, Any]:
    """The same figures as the overview computes them."""
    tree = Tree(session)
    data = overview.compute(session, tree, root, today, now, days, weeks, figures)
    per_unit = {}
    for unit in tree.subtree(root):
        own = overview.compute(session, tree, unit, today, now, days, weeks, figures)
        if not tree.children.get(unit) and own.totals.total:
            per_unit[unit] = dict(own.totals.by_category)
    return {
        "units": per_unit,
        "overdue": [(t.code, t.days_overdue) for t in data.overdue],
        "overdue_count": data.overdue_count,
        "silent": sorted((code, at) for code, _name, at in data.silent),
        "indicators": {
            (i.code, i.measure): (i.name, i.target, i.reached, i.tasks, i.reporting)
            for i in data.indicators
        },
        "weeks": [(w.start, w.count) for w in data.weeks],
    }


def test_the_overviews_figures_equal_a_computation_from_scratch_after_every_write(
    world: World, server_db: Database
) -> None:
    today = tasks.today()
    p = world.prefix
    measured = seed_task(server_db, f"{p}-M", world.unit_a, deadline=today - dt.timedelta(4),
                         indicators=[HS, ND])  # fmt: skip
    other = seed_task(server_db, f"{p}-O", world.unit_b, deadline=today + dt.timedelta(9),
                      indicators=[{**HS, "target": 800}])  # fmt: skip
    # One of each for the whole test, as in a server process: every check below reads
    # the figures kept since the last one, brought up to date by what changed.
    weeks = overview.WeekCounts()
    kept = overview.UnitFigureCache()

    def check(when: dt.date = today, later: dt.timedelta = dt.timedelta()) -> dict[str, Any]:
        with server_db.read() as session:
            now = utcnow() + later
            expected = _scratch(session, world.province, when, now, 14)
            assert _kept(session, world.province, when, now, 14, weeks, kept) == expected
            # Read from scratch (every unit, no list of codes to bind): the same.
            assert _kept(session, world.province, when, now, 14, weeks, None) == expected
            return expected

    start = check()
    assert start["indicators"][("HS", "hồ sơ")][1:] == (2000.0, 0.0, 2, 0)

    first = report_body(measured, indicator_values={"HS": 480, "ND": 35})
    world.officer_a.sync(reports=[first])  # an ingest
    assert check()["indicators"][("HS", "hồ sơ")][1:] == (2000.0, 480.0, 2, 1)

    fixed = report_body(measured, corrects_id=first["id"], indicator_values={"HS": 520})
    world.officer_a.sync(reports=[fixed])  # a correction: ND no longer given
    figures = check()
    assert figures["indicators"][("HS", "hồ sơ")][2] == 520.0
    assert figures["indicators"][("ND", "người")][2:] == (0.0, 1, 0)

    assert world.officer_b.server_public_key is not None
    secret = seal(report_body(other, indicator_values={"HS": 700}),
                  world.officer_b.server_public_key)  # fmt: skip
    world.officer_b.sync(reports=[secret])  # classified: its numbers are not in the clear
    assert check()["indicators"][("HS", "hồ sơ")][2:] == (520.0, 2, 1)
    world.officer_b.sync(reports=[report_body(other, indicator_values={"HS": 100.5})])
    assert check()["indicators"][("HS", "hồ sơ")][2] == 620.5

    returned = world.reviewer.post(f"/reports/{fixed['id']}/return", {"comment": "Bổ sung"})
    assert returned.status_code == 200, returned.text
    check()  # a review

    with server_db.write() as session:  # a task edit: new targets, an indicator gone
        task = session.get(Task, measured)
        assert task is not None
        tasks.patch(session, task, {"indicators": [{**HS, "target": 1500}]}, "test")
    figures = check()
    assert figures["indicators"][("HS", "hồ sơ")][1:] == (2300.0, 620.5, 2, 2)
    assert ("ND", "người") not in figures["indicators"]

    with server_db.write() as session:  # a completion
        task = session.get(Task, measured)
        assert task is not None
        tasks.complete(session, task, today, "test")
    figures = check()
    assert figures["units"][world.unit_a][Category.DONE_LATE.value] == 1
    assert figures["overdue_count"] == 0

    late = seed_task(server_db, f"{p}-W", world.unit_a, deadline=today - dt.timedelta(2),
                     indicators=[ND])  # fmt: skip
    figures = check()
    assert figures["overdue_count"] == 1 and ("ND", "người") in figures["indicators"]
    counted = sum(figures["units"][world.unit_a].values())
    with server_db.write() as session:  # a withdrawal: no longer anyone's to do
        task = session.get(Task, late)
        assert task is not None
        tasks.withdraw(session, task, "Đã có văn bản thay thế", "test")
    figures = check()
    assert figures["overdue_count"] == 0
    assert ("ND", "người") not in figures["indicators"]
    assert sum(figures["units"][world.unit_a].values()) == counted - 1
    check(today + dt.timedelta(days=30))  # later: the other task is overdue then

    # A move, looked at a day later (no report arrived since): both units' figures
    # change, the unit the task left known only by the task's departure.
    day = dt.timedelta(days=1)
    before = check(today, day)["units"]
    with server_db.write() as session:
        task = session.get(Task, other)
        assert task is not None
        tasks.move(session, task, world.unit_a, "test")
    after = check(today, day)["units"]
    for unit, change in ((world.unit_a, 1), (world.unit_b, -1)):
        assert sum(after.get(unit, {}).values()) == sum(before[unit].values()) + change


def test_the_figures_are_read_as_the_server_starts(server_db: Database) -> None:
    """Nationally the first read of every unit takes seconds; the console does it in the
    background when it is created, not in a reviewer's first overview."""
    config = ServerConfig(
        database_url=str(server_db.engine.url),
        server_key=X25519PrivateKey.generate(),
        signing_key=signing.generate(),
    )
    app = console.create(config, server_db)
    app.state.warming.join(timeout=120)
    assert not app.state.warming.is_alive()
    assert app.state.console.figures.ready
