"""Does the window keep answering while a 20 MB attachment is added from a slow USB
stick? Not a test: prints a Markdown table.

    .venv/bin/python bench/ui_responsiveness.py [--mb 20] [--rate 8] [--runs 3]

The report editor of a real desktop (an encrypted store, a user's profile) adds
one file of ``--mb`` MB, read at ``--rate`` MB/s through a reader this script
controls (a slow stick: ``SlowStick.open`` sleeps between 1 MB reads), copied into
the store and encrypted as usual. Meanwhile a 10 ms timer repaints a small widget;
the worst gap between two timer ticks and between two paints is what the officer
would feel as a frozen window (target: a repaint within 100 ms).

Two runners of the same code: ``inline`` runs the editor's jobs on the GUI thread,
as every earlier version did; ``pool`` is the app's background runner.
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path, PosixPath
from typing import Any

import reference

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtGui import QPaintEvent  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

MB = 1024 * 1024


class Throttled(io.RawIOBase):
    """A file read no faster than ``rate`` bytes a second."""

    def __init__(self, path: str, rate: float) -> None:
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 (closed in close())
        self._rate = rate

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._file.readinto(buffer) or 0
        time.sleep(count / self._rate)  # a slow stick: the reading thread waits
        return count

    def close(self) -> None:
        self._file.close()
        super().close()


class SlowStick(PosixPath):
    """A path whose ``open("rb")`` reads at ``RATE`` bytes a second."""

    RATE = 8.0 * MB

    def open(self, mode: str = "r", *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if mode != "rb":
            return super().open(mode, *args, **kwargs)
        return io.BufferedReader(Throttled(str(self), self.RATE), buffer_size=MB)


class Painter(QWidget):
    """Repainted on every tick; records when each paint happened."""

    def __init__(self) -> None:
        super().__init__()
        self.resize(120, 40)
        self.paints: list[float] = []
        self.ticks: list[float] = []
        self.timer = QTimer(self)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self.tick)

    def tick(self) -> None:
        self.ticks.append(time.perf_counter())
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        self.paints.append(time.perf_counter())


def worst_gap(times: list[float]) -> float:
    return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


def wait_until(done: Callable[[], bool]) -> None:
    """In an event loop (a processEvents() spin crashes PySide6 6.12 on Python 3.11,
    see docs/benchmarks.md)."""
    loop = QEventLoop()
    watch = QTimer()
    watch.timeout.connect(lambda: done() and loop.quit())
    watch.start(5)
    loop.exec()
    watch.stop()


def profile_for(home: Path) -> Any:
    from dxdesk import clock, demo_data  # noqa: PLC0415
    from dxdesk.identity import users  # noqa: PLC0415
    from dxdesk.paths import Paths  # noqa: PLC0415
    from dxdesk.profile import open_profile  # noqa: PLC0415
    from dxdesk.settings import Settings, save  # noqa: PLC0415

    paths = Paths.under(home).ensure()
    save(Settings(language="vi", author="Nguyễn Văn A"), paths.settings_file)
    officer = users.KnownUser("cb.binhlieu", "http://127.0.0.1:9", "Nguyễn Văn A")
    unlocked = users.enroll(paths, officer, "mat-khau-bench")
    profile = open_profile(paths, user=unlocked)
    with profile.db.session() as session:
        demo_data.load(session, clock.reference_date(None))
    return profile, unlocked


def one_run(kind: str, home: Path, stick: SlowStick) -> dict[str, float]:
    from dxdesk.identity.credentials import MemoryTokenStore  # noqa: PLC0415
    from sync.session import ClientSession  # noqa: PLC0415
    from ui.background_jobs import InlineRunner, PoolRunner  # noqa: PLC0415
    from ui.desktop import build  # noqa: PLC0415

    profile, unlocked = profile_for(home)
    runner = PoolRunner() if kind == "pool" else InlineRunner()
    desktop = build(
        ClientSession(profile, MemoryTokenStore(), unlocked=unlocked), runner, start_sync=False
    )
    window = desktop.window
    window.show()
    wait_until(lambda: window.loaded_once)
    assert window.select_task(window.model.rows[0].task.code)
    window.new_report()
    editor = window.editor
    assert editor is not None
    editor.results.setPlainText("Biên bản họp, bản quét")
    painter = Painter()
    painter.show()
    painter.timer.start()
    started = time.perf_counter()
    editor.add_files([stick])
    wait_until(lambda: not editor.busy and editor.attachments.count() == 1)
    elapsed = time.perf_counter() - started
    painter.timer.stop()
    window.editor = None
    editor.close()
    desktop.close()
    ticks = [started, *painter.ticks]
    paints = [started, *painter.paints]
    return {"attach_s": elapsed, "tick_ms": worst_gap(ticks) * 1000,
            "paint_ms": worst_gap(paints) * 1000}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=8.0, help="the stick's MB/s")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from ui.app import application  # noqa: PLC0415

    application()
    SlowStick.RATE = args.rate * MB
    results: dict[str, list[dict[str, float]]] = {"inline": [], "pool": []}
    with tempfile.TemporaryDirectory() as tmp:
        stick = SlowStick(tmp) / "bien-ban-quet.pdf"
        with open(stick, "wb") as out:  # the slow path is for reading only
            out.write(b"%PDF-1.4\n")
            out.write(os.urandom(int(args.mb * MB) - 9))
        for run in range(args.runs):  # interleaved: both see the same machine load
            for kind, runs in results.items():
                runs.append(one_run(kind, Path(tmp) / f"{kind}-{run}", stick))
    print(f"# {reference.line()}")
    print(f"platform: {os.environ['QT_QPA_PLATFORM']}, {args.mb:g} MB read at "
          f"{args.rate:g} MB/s, {args.runs} runs, medians (worst)\n")  # fmt: skip
    print("| runner | attach done | worst timer gap | worst repaint gap | target |")
    print("|---|---|---|---|---|")
    for kind, runs in results.items():
        cells = []
        for key, unit, scale in (("attach_s", "s", 1), ("tick_ms", "ms", 1), ("paint_ms", "ms", 1)):
            values = [r[key] * scale for r in runs]
            digits = 2 if unit == "s" else 0
            cells.append(f"{statistics.median(values):.{digits}f} {unit} "
                         f"({max(values):.{digits}f})")  # fmt: skip
        print(f"| {kind} | {' | '.join(cells)} | repaint ≤ 100 ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
