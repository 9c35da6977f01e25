"""Desktop app start-up and list speed. Not a test: prints a Markdown table.

    uv run python bench/ui_startup.py [--runs 5] [--tasks 20000]

1. Cold start to "main window shown", against a bare PySide6 window started the
   same way (a fresh Python process, the same Qt platform) in the same run: the
   ratio is what our code adds. Target ≤ 1.5×.
2. A store with 20,000 tasks: time until the list is shown, the time each
   keystroke of a search takes to filter (target < 100 ms), and peak memory.

Qt's offscreen platform is used unless ``QT_QPA_PLATFORM`` says otherwise, so
the numbers do not depend on an X server.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BARE = """
import sys, time
from PySide6.QtWidgets import QApplication, QMainWindow
from PySide6.QtTest import QTest
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1024, 700)
window.show()
QTest.qWaitForWindowExposed(window)
app.processEvents()
print("shown", flush=True)
"""

DXDESK = """
import sys
from pathlib import Path
from PySide6.QtTest import QTest
from dxdesk.credentials import MemoryTokenStore
from dxdesk.paths import Paths
from dxdesk.profile import open_profile
from ui.app import build
profile = open_profile(Paths.under(Path(sys.argv[1])))
desktop = build(profile, MemoryTokenStore(), start_sync=False)
desktop.window.show()
QTest.qWaitForWindowExposed(desktop.window)
while not desktop.window.loaded_once:
    desktop.app.processEvents()
print("shown", desktop.window.model.rowCount(), flush=True)
desktop.close()
"""

LARGE = """
import json, resource, statistics, sys, time
from pathlib import Path
from PySide6.QtTest import QTest
from dxdesk.credentials import MemoryTokenStore
from dxdesk.paths import Paths
from dxdesk.profile import open_profile
from ui.app import build
started = time.perf_counter()
profile = open_profile(Paths.under(Path(sys.argv[1])))
desktop = build(profile, MemoryTokenStore(), start_sync=False)
desktop.window.show()
QTest.qWaitForWindowExposed(desktop.window)
while not desktop.window.loaded_once:
    desktop.app.processEvents()
shown = time.perf_counter() - started
rows = desktop.window.model.rowCount()
times = []
search = desktop.window.search
for query in ("so hoa ho so", "binh lieu", "nv-2026-1"):
    search.clear()
    desktop.app.processEvents()
    for i in range(1, len(query) + 1):
        t0 = time.perf_counter()
        search.setText(query[:i])
        desktop.app.processEvents()
        times.append(time.perf_counter() - t0)
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rows": rows, "shown_s": shown, "keys": len(times),
                  "median_ms": statistics.median(times) * 1000,
                  "max_ms": max(times) * 1000, "peak_mb": peak_kb / 1024}), flush=True)
desktop.close()
"""


def env() -> dict[str, str]:
    out = {**os.environ, "PYTHONPATH": str(REPO)}
    out.setdefault("QT_QPA_PLATFORM", "offscreen")
    return out


def time_start(code: str, *args: str) -> float:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], env=env(), capture_output=True, text=True,
        timeout=300, check=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    assert "shown" in proc.stdout, proc.stderr
    return elapsed


def seed(home: Path, count: int) -> None:
    import datetime as dt  # noqa: PLC0415 (only the seeding needs the core)
    import uuid  # noqa: PLC0415

    from dxdesk import clock, demo_data, tasks  # noqa: PLC0415
    from dxdesk.paths import Paths  # noqa: PLC0415
    from dxdesk.profile import open_profile  # noqa: PLC0415

    profile = open_profile(Paths.under(home))
    today = clock.reference_date(None)
    with profile.db.session() as session:
        demo_data.load(session, today)
        raw = demo_data.read()["tasks"]
        for i in range(max(0, count - 30)):
            base = demo_data.task_values(raw[i % len(raw)], today)
            base.update(
                id=str(uuid.uuid4()),
                code=f"NV-2026-{1000 + i}",
                deadline=today + dt.timedelta(days=(i % 120) - 60),
                completed_on=None,
            )
            tasks.upsert(session, base)
            if i % 2000 == 0:
                session.commit()
        session.commit()
    profile.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "small", Path(tmp) / "large"
        seed(small, 30)
        seed(large, args.tasks)
        time_start(BARE)  # warm the OS file cache for both, equally
        time_start(DXDESK, str(small))
        bare, ours = [], []
        for _ in range(args.runs):  # interleaved: both see the same machine load
            bare.append(time_start(BARE))
            ours.append(time_start(DXDESK, str(small)))
        out = subprocess.run(
            [sys.executable, "-c", LARGE, str(large)], env=env(), capture_output=True,
            text=True, timeout=600, check=True,
        ).stdout  # fmt: skip
        big = json.loads(out.strip().splitlines()[-1])
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"platform: {env()['QT_QPA_PLATFORM']}, {args.runs} runs, medians\n")
    print("| measure | result | target |")
    print("|---|---|---|")
    print(f"| bare PySide6 window shown | {b * 1000:.0f} ms | |")
    print(f"| dxdesk main window shown (30 tasks) | {o * 1000:.0f} ms | |")
    print(f"| ratio | {o / b:.2f}× | ≤ 1.5× |")
    print(f"| {big['rows']:,} tasks: list shown (in-process) | {big['shown_s'] * 1000:.0f} ms | |")
    print(
        f"| per-keystroke filter ({big['keys']} keys) | median {big['median_ms']:.1f} ms, "
        f"max {big['max_ms']:.1f} ms | < 100 ms |"
    )
    print(f"| peak memory ({big['rows']:,} tasks) | {big['peak_mb']:.0f} MB | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
