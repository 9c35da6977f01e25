"""Reviewer console benchmark (not a test): overview and inbox at national scale.

Builds a national-sized server database — 3,321 communes under 34 provinces under
the central root, 30 tasks each (~100,000 tasks), 1,000,000 reports over the last
year, a third of them reviewed — by bulk inserts straight into the server's tables
at the current schema, on SQLite and on a throwaway PostgreSQL 15 cluster. Then it
times the console's pages side by side with the demo database (``dxdesk-server
demo`` plus a few reports per task):

* in-process: the console's query functions (``overview.compute``, ``inbox.page``)
  with the unit tree and scope the route reads, i.e. the server's database time;
* over HTTP: a real ``dxdesk-server serve`` on loopback, signed in through the
  console's login form (session cookie), the full page rendered.

    .venv/bin/python bench/console.py                          # both databases
    .venv/bin/python bench/console.py --backend sqlite --provinces 2 --reports 10000

The built SQLite file is kept in ``bench/.cache/`` (gitignored) per scale and day,
so reruns skip the build. Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import reference
import requests
from server_ingest import postgresql_url
from sqlalchemy import insert, select, text, update

from dxdesk.clock import utcnow
from sync.local_server import LocalServer
from sync.server import accounts, demo, indicators, report_words, tasks
from sync.server.console import inbox, overview
from sync.server.console.tree import Tree
from sync.server.db import Database, open_database
from sync.server.tables import ChangeCounter, Report, Task, Unit, table_of
from sync.server.versions import COUNTER
from sync.server.words_index import WordsIndexer

PASSWORD = "bench-console-1"  # noqa: S105 (throwaway benchmark accounts)
CACHE = Path(__file__).with_name(".cache")
BATCH = 20_000
SILENT_DAYS = 14
PROVINCE_NAMES = ["Hà Giang", "Lào Cai", "Quảng Ninh", "Điện Biên", "Thanh Hoá", "Nghệ An"]
COMMUNE_WORDS = ["Bình", "Hoành", "Đồng", "Tân", "Phú", "Minh", "Hải", "Quảng", "Lục", "Yên"]
TASK_TITLES = [
    "Số hoá hồ sơ thủ tục hành chính",
    "Triển khai nền tảng họp trực tuyến",
    "Cấp chữ ký số cho cán bộ",
    "Nâng cấp đường truyền mạng nội bộ",
    "Tập huấn kỹ năng số cho người dân",
    "Cập nhật cơ sở dữ liệu đảng viên",
]
RARE_WORDS = "Thiếu máy quét ở thôn Nà Khoang"  # in one report of 5,000
INDICATORS = [
    {"code": "HS", "name": "Hồ sơ số hoá", "unit": "hồ sơ", "target": 1200},
    {"code": "ND", "name": "Người dân được tập huấn", "unit": "người", "target": 300},
]


@dataclass(frozen=True)
class Scale:
    provinces: int
    communes: int
    tasks: int  # per commune
    reports: int

    @property
    def name(self) -> str:
        return f"{self.provinces}p-{self.communes}c-{self.tasks}t-{self.reports}r"


@dataclass(frozen=True)
class Roots:
    central: str  # the whole tree's root
    province: str  # one province
    commune: str  # one commune: its name is searched for


# ---------------------------------------------------------------- building


def _now() -> dt.datetime:
    return utcnow().replace(microsecond=0)


@contextmanager
def loading(db: Database) -> Iterator[Any]:
    """One transaction for a bulk load; on SQLite without fsync (a throwaway build)."""
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":  # set before BEGIN: SQLite refuses it inside one
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute("PRAGMA synchronous=OFF")
        with conn.begin():
            yield conn


def _users(db: Database, central: str, province: str, commune: str) -> dict[str, int]:
    with db.write() as session:
        ids = {}
        for username, role, unit in (
            ("ld.central", "reviewer", central),
            ("ld.province", "reviewer", province),
            ("cb.bench", "officer", commune),
        ):
            user = accounts.add_user(session, username=username, password=PASSWORD, role=role,
                                     unit_code=unit, full_name=username, replace=True)  # fmt: skip
            ids[username] = user.id
        return ids


def build_national(db: Database, scale: Scale, seed: int = 14) -> Roots:
    """Bulk Core inserts; on SQLite ``synchronous=OFF`` for the build only."""
    rnd = random.Random(seed)  # noqa: S311 (test data, not secrets)
    now = _now()
    today = tasks.today()
    units = [{"code": "TW", "name": "Trung ương", "parent_code": None, "level": "central"}]
    communes: list[tuple[str, str, str]] = []  # code, name, province
    for p in range(scale.provinces):
        code = f"P{p + 1:02d}"
        name = f"Tỉnh {PROVINCE_NAMES[p % len(PROVINCE_NAMES)]} {p + 1}"
        units.append({"code": code, "name": name, "parent_code": "TW", "level": "province"})
    for c in range(scale.communes):
        province = f"P{c % scale.provinces + 1:02d}"
        word = COMMUNE_WORDS[c % len(COMMUNE_WORDS)]
        name = f"Xã {word} {COMMUNE_WORDS[(c // 10) % len(COMMUNE_WORDS)]} {c + 1}"
        code = f"{province}-X{c + 1:04d}"
        units.append({"code": code, "name": name, "parent_code": province, "level": "commune"})
        communes.append((code, name, province))
    with db.engine.begin() as conn:
        conn.execute(insert(table_of(Unit)), units)
    users = _users(db, "TW", "P01", communes[0][0])

    # ~3% of communes never report, ~5% stopped two months ago: the silent units.
    never = {c for c, _n, _p in communes if rnd.random() < 0.03}
    stopped = {c for c, _n, _p in communes if c not in never and rnd.random() < 0.05}
    task_rows: list[dict[str, Any]] = []
    active: list[TaskPick] = []
    quiet: list[TaskPick] = []
    for code, name, province in communes:
        for k in range(scale.tasks):
            tid = str(uuid.UUID(int=rnd.getrandbits(128)))
            deadline = today + dt.timedelta(days=rnd.randint(-200, 200))
            done = rnd.random() < 0.4
            completed = deadline + dt.timedelta(days=rnd.randint(-60, 20)) if done else None
            defined = [INDICATORS[k % 2]] if k % 3 == 0 else []
            task_rows.append({
                "id": tid, "code": f"{code.split('-')[1]}-{k + 1:02d}", "code_scope": province,
                "title": (title := f"{TASK_TITLES[k % len(TASK_TITLES)]} của {name} ({k + 1})"),
                "search_key": tasks.search_key(f"{code.split('-')[1]}-{k + 1:02d}", title),
                "description": "", "doc_number": f"{k + 1}-KH/BCĐ", "doc_date": None,
                "doc_issuer": "Ban Chỉ đạo", "unit_code": code, "start_date": None,
                "deadline": deadline, "expected_output": "", "indicators": defined,
                "completed_on": min(completed, today) if completed else None,
                "progress": 100 if done else rnd.randint(0, 95), "progress_at": None,
                "progress_pending": False, "version": len(task_rows) + 1, "updated_at": now,
            })  # fmt: skip
            if code not in never:
                (quiet if code in stopped else active).append((tid, code, bool(defined)))
    with loading(db) as conn:
        for start in range(0, len(task_rows), BATCH):
            conn.execute(insert(table_of(Task)), task_rows[start : start + BATCH])
    version = len(task_rows)
    _load_reports(db, rnd, scale.reports, (active, quiet), version, users)
    with loading(db) as conn:  # what the ingest keeps for reports loaded around it
        indicators.rebuild(conn)
    WordsIndexer(db).run_once()  # as a running server would have, within a second
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return Roots("TW", "P01", communes[1][0])


TaskPick = tuple[str, str, bool]  # task id, its unit, whether it has indicators


def _load_reports(
    db: Database,
    rnd: random.Random,
    count: int,
    pools: tuple[list[TaskPick], list[TaskPick]],
    version: int,
    users: dict[str, int],
) -> None:
    """Reports in arrival order over the last year, so the time indexes grow at
    the end; the quiet pool's units stop reporting two months ago."""
    active, quiet = pools
    now = _now()
    year = 365 * 86400
    times = sorted(rnd.randrange(year) for _ in range(count))
    quiet_after = year - 60 * 86400
    officer, reviewer = users["cb.bench"], users["ld.province"]
    with loading(db) as conn:
        batch: list[dict[str, Any]] = []
        for n, offset in enumerate(times):
            pool = quiet if offset < quiet_after and quiet and rnd.random() < 0.05 else active
            tid, unit, has_indicators = pool[rnd.randrange(len(pool))]
            at = now - dt.timedelta(seconds=year - offset)
            progress = rnd.randint(0, 100)
            values = {"HS": rnd.randint(0, 1200), "ND": rnd.randint(0, 300)}
            body = {
                "id": "", "task_id": tid, "progress": progress, "status_claim": "in_progress",
                "results": f"Đã số hoá {values['HS']}/1.200 hồ sơ; tập huấn {values['ND']} người.",
                "difficulties": (RARE_WORDS if n % 5000 == 7
                                 else "Mất điện, sóng 2G yếu" if n % 4 == 0 else ""),
                "proposals": "", "indicator_values": values if has_indicators else {},
                "classification": "normal", "corrects_id": None, "author": "Nguyễn Văn An",
                "created_at": at.isoformat(), "attachments": [],
            }  # fmt: skip
            rid = str(uuid.UUID(int=rnd.getrandbits(128)))
            body["id"] = rid
            reviewed = offset < year - 7 * 86400 and rnd.random() < 0.35
            if reviewed:
                version += 1
            batch.append({
                "id": rid, "task_id": tid, "unit_code": unit, "submitted_by": officer,
                "content_sha256": hashlib.sha256(rid.encode()).hexdigest(), "body": body,
                "progress": progress, "status_claim": "in_progress", "classification": "normal",
                "created_at": at, "received_at": at, "complete": True,
                "review_state": (("returned" if rnd.random() < 0.2 else "accepted")
                                 if reviewed else None),
                "review_comment": "Bổ sung số liệu" if reviewed else None,
                "reviewed_at": at + dt.timedelta(days=2) if reviewed else None,
                "reviewed_by": reviewer if reviewed else None,
                "review_version": version if reviewed else None,
                "signature": None, "device_id": None, "sealed": None, "sealed_by": None,
                "search_words": report_words.folded(body, None),
            })  # fmt: skip
            if len(batch) == BATCH:
                conn.execute(insert(table_of(Report)), batch)
                batch = []
        if batch:
            conn.execute(insert(table_of(Report)), batch)
        conn.execute(
            update(table_of(ChangeCounter))
            .where(table_of(ChangeCounter).c.name == COUNTER)
            .values(value=version)
        )


def build_demo(db: Database, per_task: int = 20, seed: int = 14) -> Roots:
    """The shipped demo (what ``dxdesk-server demo`` loads) and a few reports per task."""
    rnd = random.Random(seed)  # noqa: S311
    with db.write() as session:
        logins, _count = demo.load(session, tasks.today())
    root = next(login.unit_code for login in logins if login.role == "reviewer")
    users = _users(db, root, root, next(lg.unit_code for lg in logins if lg.role == "officer"))
    with db.engine.begin() as conn:
        rows = conn.execute(text("SELECT id, unit_code FROM task")).all()
        counter = table_of(ChangeCounter).c
        version = conn.execute(select(counter.value).where(counter.name == COUNTER)).scalar_one()
        now = _now()
        reports: list[dict[str, Any]] = []
        for tid, unit in rows:
            for _ in range(per_task):
                at = now - dt.timedelta(seconds=rnd.randrange(365 * 86400))
                rid = str(uuid.uuid4())
                reviewed = rnd.random() < 0.35
                version += reviewed
                reports.append({
                    "id": rid, "task_id": tid, "unit_code": unit,
                    "submitted_by": users["cb.bench"],
                    "content_sha256": hashlib.sha256(rid.encode()).hexdigest(),
                    "body": (body := {"id": rid, "task_id": tid, "results": "Đã triển khai",
                                      "difficulties": RARE_WORDS if len(reports) % 50 == 7
                                      else "", "indicator_values": {}}),
                    "search_words": report_words.folded(body, None),
                    "progress": rnd.randint(0, 100), "status_claim": "in_progress",
                    "classification": "normal", "created_at": at, "received_at": at,
                    "complete": True,
                    "review_state": "returned" if reviewed else None,
                    "review_comment": "Bổ sung số liệu" if reviewed else None,
                    "reviewed_at": at if reviewed else None,
                    "reviewed_by": users["ld.province"] if reviewed else None,
                    "review_version": version if reviewed else None,
                    "signature": None, "device_id": None, "sealed": None, "sealed_by": None,
                })  # fmt: skip
        conn.execute(insert(table_of(Report)), reports)
        conn.execute(update(table_of(ChangeCounter)).where(counter.name == COUNTER)
                     .values(value=version))  # fmt: skip
        indicators.rebuild(conn)
    WordsIndexer(db).run_once()  # as a running server would have, within a second
    communes = [lg.unit_code for lg in logins if lg.role == "officer"]
    return Roots(root, root, communes[0])


@contextmanager
def sqlite_database(scale: Scale | None) -> Iterator[tuple[str, Roots]]:
    """The cached national file (built once per scale and day), or a fresh demo."""
    if scale is None:
        folder = Path(tempfile.mkdtemp(prefix="dxdesk-bench-demo-"))
        url = f"sqlite:///{folder / 'server.sqlite3'}"
        db = open_database(url)
        try:
            roots = build_demo(db)
        finally:
            db.dispose()
        try:
            yield url, roots
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    CACHE.mkdir(exist_ok=True)
    # "w": the reports carry their folded words (the word search has something to find)
    path = CACHE / f"console-{scale.name}-w-{tasks.today().isoformat()}.sqlite3"
    url = f"sqlite:///{path}"
    roots = _national_roots(scale)
    if not path.exists():
        partial = path.with_suffix(".building")
        for stale in CACHE.glob(partial.name + "*"):
            stale.unlink()
        started = time.perf_counter()
        db = open_database(f"sqlite:///{partial}")
        try:
            roots = build_national(db, scale)
        finally:
            db.dispose()
        partial.rename(path)
        print(f"# built {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
    yield url, roots


def _national_roots(scale: Scale) -> Roots:
    return Roots("TW", "P01", f"P{1 % scale.provinces + 1:02d}-X0002")


@contextmanager
def kept_postgresql(url: str, scale: Scale) -> Iterator[tuple[str, Roots]]:
    """A national database in a cluster the caller keeps (``--postgresql-national``),
    built on first use: the build takes longer than the measuring."""
    db = open_database(url)
    try:
        with db.read() as session:
            built = session.execute(text("SELECT count(*) FROM unit")).scalar_one() > 0
        if not built:
            started = time.perf_counter()
            build_national(db, scale)
            print(f"# built PostgreSQL in {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        db.dispose()
    yield url, _national_roots(scale)


@contextmanager
def postgresql_database(scale: Scale | None) -> Iterator[tuple[str, Roots]]:
    with postgresql_url() as url:
        started = time.perf_counter()
        db = open_database(url)
        try:
            roots = build_demo(db) if scale is None else build_national(db, scale)
        finally:
            db.dispose()
        if scale is not None:
            print(f"# built PostgreSQL in {time.perf_counter() - started:.0f} s", flush=True)
        yield url, roots


# ---------------------------------------------------------------- measuring


@dataclass(frozen=True)
class PageSpec:
    label: str
    user: str
    path: str | None  # the console URL (None: in-process only)
    run: Callable[[Database], object]  # the same work in-process
    before: Callable[[Database], None] | None = None  # untimed, before each timed run


def _overview(user_unit: str, fresh: bool = False) -> Callable[[Database], object]:
    # One of each per server process: ended weeks and each unit's figures are kept.
    weeks = overview.WeekCounts()
    figures = overview.UnitFigureCache()

    def run(db: Database) -> object:
        with db.read() as session:
            scope = accounts.Principal(0, "", "reviewer", user_unit, "", "").scope(session)
            tree = Tree(session)
            assert scope.allows(user_unit)
            return overview.compute(
                session, tree, user_unit, tasks.today(), utcnow(), SILENT_DAYS,
                overview.WeekCounts() if fresh else weeks,
                overview.UnitFigureCache() if fresh else figures,
            )  # fmt: skip

    return run


def _inbox(user_unit: str, params: dict[str, str]) -> Callable[[Database], object]:
    def run(db: Database) -> object:
        with db.read() as session:
            scope = accounts.Principal(0, "", "reviewer", user_unit, "", "").scope(session)
            tree = Tree(session)
            found = inbox.page(session, scope, tree, user_unit, inbox.parse_filters(params), None)
            assert found.rows, f"an empty inbox page for {params}"
            return found

    return run


def a_report_arrives(db: Database) -> None:
    """One report stored in a commune, as a push would, so that the next overview
    has something new to bring its kept figures up to date with (each run a
    different commune: the worst case for the kept figures)."""
    with db.engine.begin() as conn:
        tid, unit = conn.execute(
            text("SELECT id, unit_code FROM task ORDER BY random() LIMIT 1")
        ).one()
        officer = conn.execute(text("SELECT min(id) FROM user_account")).scalar_one()
        rid = str(uuid.uuid4())
        at = utcnow()
        body = {"id": rid, "task_id": tid, "results": "Đã triển khai", "indicator_values": {}}
        conn.execute(insert(table_of(Report)), [{
            "id": rid, "task_id": tid, "unit_code": unit, "submitted_by": officer,
            "content_sha256": hashlib.sha256(rid.encode()).hexdigest(), "body": body,
            "progress": 50, "status_claim": "in_progress", "classification": "normal",
            "created_at": at, "received_at": at, "complete": True,
            "search_words": report_words.folded(body, None),
        }])  # fmt: skip


def specs(roots: Roots, commune_name: str) -> list[PageSpec]:
    since = (tasks.today() - dt.timedelta(days=30)).isoformat()
    search = {"q": commune_name.removeprefix("Xã ")}
    rare = {"q": "nà khoang"}
    returned = {"state": "returned", "from": since}
    return [
        PageSpec("overview, central reviewer (whole tree)", "ld.central",
                 "/console/overview", _overview(roots.central)),
        PageSpec("overview, central reviewer, a report arrived before each", "ld.central",
                 "/console/overview", _overview(roots.central), a_report_arrives),
        PageSpec("overview, central reviewer, first after a server start", "ld.central",
                 None, _overview(roots.central, fresh=True)),
        PageSpec("overview, province reviewer", "ld.province",
                 "/console/overview", _overview(roots.province)),
        PageSpec("inbox page 1, central reviewer", "ld.central",
                 "/console/reports", _inbox(roots.central, {})),
        PageSpec("inbox page 1, province reviewer", "ld.province",
                 "/console/reports", _inbox(roots.province, {})),
        PageSpec("inbox filtered: central, search a commune's name", "ld.central",
                 "/console/reports?" + requests.compat.urlencode(search),
                 _inbox(roots.central, search)),
        PageSpec("inbox filtered: central, a rare phrase (1 report in 5,000)", "ld.central",
                 "/console/reports?" + requests.compat.urlencode(rare),
                 _inbox(roots.central, rare)),
        PageSpec("inbox filtered: province, returned in 30 days", "ld.province",
                 "/console/reports?" + requests.compat.urlencode(returned),
                 _inbox(roots.province, returned)),
    ]  # fmt: skip


def _stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(
    work: Callable[[], object], runs: int, before: Callable[[], None] | None = None
) -> tuple[float, float]:
    work()  # warm the caches: a server up for days has them warm
    samples = []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return _stats(samples)


def sign_in(base: str, username: str) -> requests.Session:
    http = requests.Session()
    form = http.get(f"{base}/console/login", timeout=30)
    found = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert found, "no CSRF field on the login form"
    answer = http.post(f"{base}/console/login", timeout=30, allow_redirects=False,
                       data={"username": username, "password": PASSWORD,
                             "csrf": found.group(1)})  # fmt: skip
    assert answer.status_code == 303, f"sign-in failed: {answer.status_code}"
    return http


def measure(label: str, url: str, roots: Roots, runs: int) -> list[str]:
    db = open_database(url)
    home = Path(tempfile.mkdtemp(prefix="dxdesk-bench-home-"))
    try:
        with db.read() as session:
            commune_name = Tree(session).name(roots.commune)
            reports = session.execute(text("SELECT count(*) FROM report")).scalar_one()
        pages = specs(roots, commune_name)

        def before(spec: PageSpec) -> Callable[[], None] | None:
            return None if spec.before is None else partial(spec.before, db)

        local = [timed(partial(spec.run, db), runs, before(spec)) for spec in pages]
        server = LocalServer(home, db_url=url, serve_args=("--home", str(home), "--log-level",
                                                           "warning"))  # fmt: skip
        server.start(demo=False, timeout_s=120)
        try:
            sessions = {user: sign_in(server.url, user) for user in {p.user for p in pages}}

            def fetch(spec: PageSpec) -> None:
                answer = sessions[spec.user].get(f"{server.url}{spec.path}", timeout=120)
                assert answer.status_code == 200, f"{spec.path}: {answer.status_code}"

            remote = [
                timed(partial(fetch, spec), runs, before(spec)) if spec.path else None
                for spec in pages
            ]
        finally:
            server.stop()
    finally:
        db.dispose()
        shutil.rmtree(home, ignore_errors=True)
    return [
        f"| {label} ({reports:,} reports) | {spec.label} | {lm:.0f} | {lp:.0f} | "
        + ("– | – |" if http is None else f"{http[0]:.0f} | {http[1]:.0f} |")
        for spec, (lm, lp), http in zip(pages, local, remote, strict=True)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--communes", type=int, default=3321)
    parser.add_argument("--tasks", type=int, default=30, help="tasks per commune")
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10, help="timed runs per page")
    parser.add_argument("--postgresql-national", metavar="URL",
                        help="a PostgreSQL database for the national scale, kept between "
                             "runs (built if empty); default: a throwaway cluster")  # fmt: skip
    parser.add_argument("--only", choices=["demo", "national"], help="one size only")
    args = parser.parse_args()
    scale = Scale(args.provinces, args.communes, args.tasks, args.reports)
    machine = f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}"
    print(f"# {reference.line()}")
    print(f"# {machine}; national scale {scale.name}; {args.runs} timed runs per page")
    print("| database | page | in-process median ms | p95 ms | HTTP median ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        opener = sqlite_database if backend == "sqlite" else postgresql_database
        for size, which in (("demo", None), ("national", scale)):
            if args.only and size != args.only:
                continue
            if backend == "postgresql" and which is not None and args.postgresql_national:
                opened = kept_postgresql(args.postgresql_national, which)
            else:
                opened = opener(which)
            with opened as (url, roots):
                for line in measure(f"{backend}, {size}", url, roots, args.runs):
                    print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
