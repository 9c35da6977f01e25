"""The real main window on a real X server (Xvfb), screenshot saved: what
scripts/screenshots.py does for docs/screenshots/, checked in the suite."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed")
def test_main_window_under_xvfb(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "screenshots.py"), "--out", str(tmp_path),
         "--only", "main"],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    image = QImage(str(tmp_path / "main.png"))
    assert (image.width(), image.height()) == (1366, 768)
    # Not a blank screen: the window paints many distinct colours.
    colours = {image.pixel(x, y) for x in range(0, 1366, 23) for y in range(0, 768, 17)}
    assert len(colours) > 20
