"""The Qt binding itself must survive a long working session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Each call returns nothing; a binding that mishandles None's reference count
# (PySide6 6.12.0 on Python 3.11) aborts the process after ~70k such calls.
SESSION = """
import gc
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel("x")
for _ in range(200_000):
    label.setText("Đang đồng bộ")
    label.update()
gc.collect()
print("survived")
"""


def _child(code: str) -> str:
    """What a fresh Qt process running ``code`` prints; it must exit cleanly."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-500:]
    return proc.stdout.strip()


def test_a_long_session_of_qt_calls_does_not_crash() -> None:
    assert _child(SESSION) == "survived"


# ui.app no longer sets the rounding policy (touching Qt's namespace at start-up
# builds all of its enums): Qt's own default must stay the exact factor.
ROUNDING = """
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from ui.app import application
application()
exact = Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
print(QGuiApplication.highDpiScaleFactorRoundingPolicy() == exact)
"""


def test_high_dpi_screens_scale_by_their_exact_factor() -> None:
    """125 % and 150 % Windows screens must not be rounded to 100 % or 200 %."""
    assert _child(ROUNDING) == "True"
