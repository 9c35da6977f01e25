"""What encryption at rest costs: the same work on a plain and on an encrypted store.

    uv run python bench/encryption_cost.py [--tasks 20000] [--runs 7] [--reports 30]

For each kind of store (the unencrypted single store of earlier versions, and a
user's SQLCipher store with encrypted attachments) it seeds the same tasks, then
measures, each a median over fresh runs:

- opening the store and loading the task list (``tasks.list_tasks``) with N tasks,
  what the app does after unlocking;
- attaching a 1 MB photo (copied in, hashed, and for the encrypted store encrypted);
- finalizing a report with that attachment (validation, attachment check, hash,
  signature, durable commit).

Argon2id (the unlock itself) is measured separately: it runs once per session.
Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlmodel import col, select  # noqa: E402

from dxdesk import clock, demo_data, reports, tasks  # noqa: E402
from dxdesk.identity import users  # noqa: E402
from dxdesk.identity.vault import KdfParams, Vault  # noqa: E402
from dxdesk.paths import Paths  # noqa: E402
from dxdesk.profile import Profile, open_profile  # noqa: E402
from dxdesk.reports import ReportContent  # noqa: E402
from dxdesk.settings import Settings  # noqa: E402
from dxdesk.store.models import Task  # noqa: E402

PASSWORD = "mật khẩu benchmark"  # noqa: S105 (a throwaway profile)
Opener = Callable[[], Profile]


def openers(home: Path, encrypted: bool) -> Opener:
    paths = Paths.under(home).ensure()
    settings = Settings()
    if not encrypted:
        return lambda: open_profile(paths, settings)
    user = users.KnownUser("cb.bench", "https://dx.example")
    unlocked = users.enroll(paths, user, PASSWORD)
    return lambda: open_profile(paths, settings, user=unlocked)


def seed(profile: Profile, count: int) -> None:
    with profile.db.session() as session:
        demo_data.load_many(session, clock.reference_date(None), count)


def time_list(open_: Opener) -> float:
    started = time.perf_counter()
    profile = open_()
    try:
        with profile.db.session() as session:
            rows = tasks.list_tasks(session, clock.reference_date(None), due_soon_days=7)
        assert rows
    finally:
        profile.close()
    return time.perf_counter() - started


def time_reports(open_: Opener, photo: Path, count: int) -> tuple[list[float], list[float]]:
    attach_s, finalize_s = [], []
    profile = open_()
    try:
        with profile.db.session() as session:
            task = session.exec(select(Task).order_by(col(Task.code))).first()
            assert task is not None
            for n in range(count):
                content = ReportContent(progress=n % 100, results=f"Kết quả lần {n}: đã triển khai")
                draft = reports.create_draft(session, task, content, author="bench")
                started = time.perf_counter()
                reports.attach(session, profile.attachments, draft.id, photo, profile.limits)
                attach_s.append(time.perf_counter() - started)
                started = time.perf_counter()
                reports.finalize(session, profile.attachments, draft.id)
                finalize_s.append(time.perf_counter() - started)
    finally:
        profile.close()
    return attach_s, finalize_s


def ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--reports", type=int, default=30)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="dxbench-") as tmp:
        photo = Path(tmp) / "anh-hien-truong.jpg"
        photo.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(1024 * 1024))
        for name, encrypted in (("plain", False), ("encrypted", True)):
            open_ = openers(Path(tmp) / name, encrypted)
            profile = open_()
            seed(profile, args.tasks)
            profile.close()
            time_list(open_)  # warm the OS file cache, as a second start would
            lists = [time_list(open_) for _ in range(args.runs)]
            attach_s, finalize_s = time_reports(open_, photo, args.reports)
            results[name] = {"list": ms(lists), "attach": ms(attach_s), "finalize": ms(finalize_s)}
            print(f"{name}: {results[name]}", file=sys.stderr)
        vault = Vault(Path(tmp) / "kdf", params=KdfParams())
        vault.create("a@b", PASSWORD)
        started = time.perf_counter()
        vault.unlock(PASSWORD)
        unlock_ms = (time.perf_counter() - started) * 1000
    rows = [
        (f"open store + task list, {args.tasks:,} tasks", "list"),
        ("attach a 1 MB photo", "attach"),
        ("finalize a report with it", "finalize"),
    ]
    print("| measure (median) | unencrypted | encrypted | ratio |")
    print("|---|---|---|---|")
    for label, key in rows:
        plain, enc = results["plain"][key], results["encrypted"][key]
        print(f"| {label} | {plain:.1f} ms | {enc:.1f} ms | {enc / plain:.2f}× |")
    print(f"| unlock (Argon2id, 64 MiB, t=3; once per session) | | {unlock_ms:.0f} ms | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
