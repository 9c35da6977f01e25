"""The new version's self-check proves the GUI can start: a build whose Qt does not
load is rolled back, not kept.

The "new version" here is the real ``dxdesk self-check`` (this checkout, run by the
venv's Python) behind a launcher script, as a frozen build's program would be; the
broken build has a damaged copy of PySide6's QtWidgets module first on its path, as a
release with a truncated library would.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import PySide6
import pytest

from dxdesk import updater
from tests.sync import releases

REPO = Path(__file__).resolve().parents[2]


def launcher(python_path: list[Path]) -> str:
    """A program that runs this checkout's ``dxdesk`` with ``python_path`` first."""
    path = ":".join(str(p) for p in [*python_path, REPO])
    return (
        "#!/bin/sh\n"
        f'PYTHONPATH="{path}" exec "{sys.executable}" -c '
        '"import sys; from ui.launcher import main; sys.exit(main())" "$@"\n'
    )


def broken_qt(where: Path) -> Path:
    """PySide6 as installed, but for a QtWidgets library overwritten with zeros (a
    damaged disk, a bad copy): every other file is the real one, linked."""
    real = Path(PySide6.__file__).parent
    tree = where / "PySide6"
    tree.mkdir(parents=True)
    for entry in real.iterdir():
        (tree / entry.name).symlink_to(entry)
    widgets = tree / "QtWidgets.abi3.so"
    widgets.unlink()
    widgets.write_bytes(bytes((real / "QtWidgets.abi3.so").stat().st_size))
    return where


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The self-check reads settings: from a throwaway home, with no display."""
    monkeypatch.setenv("DXDESK_HOME", str(tmp_path / "home"))
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)


def test_a_new_version_whose_qt_loads_is_kept(tmp_path: Path, isolated: None) -> None:
    app = releases.portable_010(tmp_path)
    archive = releases.archive(tmp_path / "build-0.2.0", "0.2.0", program=launcher([]))
    outcome = updater.install_portable(app, archive, "0.2.0", "0.1.0")
    assert outcome.installed, outcome.problem
    assert updater.current_version(app) == "0.2.0"


def test_a_new_version_whose_qt_cannot_load_is_rolled_back(tmp_path: Path, isolated: None) -> None:
    app = releases.portable_010(tmp_path)
    program = launcher([broken_qt(tmp_path / "broken")])
    archive = releases.archive(tmp_path / "build-0.2.0", "0.2.0", program=program)
    outcome = updater.install_portable(app, archive, "0.2.0", "0.1.0")
    assert not outcome.installed
    assert outcome.problem == "the new version stopped at start (exit code 1)"
    assert updater.current_version(app) == "0.1.0"
    assert not (app / "versions" / "0.2.0").exists()
    assert os.access(app / "dxdesk", os.X_OK)  # the officer's shortcut still starts 0.1.0
