"""``dxdesk demo``: demo server + demo officer; without a display, the same flow headless."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.integration.cli_runner import run


@pytest.mark.slow
def test_demo_without_display_runs_headless(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"  # memory tokens
    result = run(tmp_path / "home", "--lang", "en", "demo", timeout=180, env=env)
    assert result.code == 0, result.err
    assert "No display" in result.out
    assert "logged in as cb.binhlieu" in result.out
    # Both sides of the system: the console's address and a demo reviewer's login.
    assert "Reviewer console: http://127.0.0.1:" in result.out
    assert "/console/ · ld.qn / lanhdao-demo-2026" in result.out
    assert "Synced:" in result.out
    assert "NV-2026-" in result.out
    # The demo server was stopped; its data stays for the next run.
    assert (tmp_path / "home" / "demo-server" / "server.sqlite3").is_file()


def test_demo_local_only_loads_tasks(tmp_path: Path) -> None:
    result = run(tmp_path / "home", "demo", "--local", "--json")
    assert result.code == 0, result.err
    assert '"loaded": 30' in result.out
