"""``dxdesk demo``: demo server + demo officer; without a display, the same flow headless."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from dxdesk.identity import users
from dxdesk.paths import Paths
from tests.integration.cli_runner import DXDESK, keyring_env, run


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


# -- the demo's data stays; its server ends with the app ------------------------------

DEMO_PASSWORD = "canbo-demo-2026"
WAIT_S = 150.0  # generous: a loaded 2-core machine; never a timing assertion


def headless_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    return env


def demo_port(home: Path) -> int:
    return int((home / "demo-server" / "port").read_text(encoding="ascii"))


@pytest.mark.slow
@pytest.mark.timeout(900)  # four runs of the demo
def test_demo_keeps_its_data_between_runs_even_when_its_port_moves(tmp_path: Path) -> None:
    home, env = tmp_path / "home", headless_env()
    first = run(home, "--lang", "en", "demo", timeout=WAIT_S, env=env)
    assert first.code == 0, first.err
    assert "cb.binhlieu's password: canbo-demo-2026" in first.out
    # A report of the officer's came back from the reviewer, with the comment.
    returned = [line for line in first.out.splitlines() if "  returned  " in line]
    assert len(returned) == 1, first.out
    assert "→ Đề nghị bổ sung số liệu" in first.out
    port = demo_port(home)
    assert f"http://127.0.0.1:{port} " in first.out

    draft = run(
        home, "report", "NV-2026-004", "--progress", "35", "--summary", "Nháp giữa hai lần chạy",
        "--draft", "--password-stdin", stdin=DEMO_PASSWORD + "\n", env=env,
    )  # fmt: skip
    assert draft.code == 0, draft.err

    second = run(home, "--lang", "en", "demo", timeout=WAIT_S, env=env)
    assert second.code == 0, second.err
    assert f"http://127.0.0.1:{port} " in second.out  # the same port, so the same officer
    assert returned[0] in second.out  # the same report, not a second one
    assert "Nháp giữa hai lần chạy" in second.out

    # Something else holds the port: the server moves, the officer's folder follows.
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        third = run(home, "--lang", "en", "demo", timeout=WAIT_S, env=env)
    assert third.code == 0, third.err
    assert f"http://127.0.0.1:{port} " not in third.out
    assert returned[0] in third.out and "Nháp giữa hai lần chạy" in third.out
    known = users.UserIndex(Paths.under(home)).all()
    assert [u.username for u in known] == ["cb.binhlieu"]  # one entry on the lock screen
    assert known[0].server_url == f"http://127.0.0.1:{demo_port(home)}"


def server_pids(home: Path) -> list[int]:
    """The live dxdesk-server processes serving this home's demo database."""
    marker = str(home / "demo-server").encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"\0serve\0" in cmdline and marker in cmdline:
            found.append(int(entry.name))
    return found


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def start_window_demo(home: Path) -> tuple[subprocess.Popen[str], Path]:
    """``dxdesk demo`` with a window (Qt's offscreen platform), once it shows."""
    env = {**keyring_env(home), "QT_QPA_PLATFORM": "offscreen"}
    log = Paths.under(home).log_file
    process = subprocess.Popen(
        [str(DXDESK), "--home", str(home), "--lang", "en", "demo"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip

    def shown() -> bool:
        assert process.poll() is None, process.communicate()
        return log.is_file() and "window shown for cb.binhlieu" in log.read_text("utf-8")

    until(shown, "the demo window never showed")
    assert server_pids(home), "no demo server while the window shows"
    return process, log


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="signals and /proc as on Linux")
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_demo_stops_its_server_on_sigterm_and_ctrl_c(tmp_path: Path, stop: int) -> None:
    home = tmp_path / "home"
    process, _log = start_window_demo(home)
    process.send_signal(stop)
    out, err = process.communicate(timeout=WAIT_S)
    assert "Traceback" not in err + out, err
    assert process.returncode in (0, 130), err
    assert server_pids(home) == []


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_demo_server_dies_with_a_killed_app(tmp_path: Path) -> None:
    home = tmp_path / "home"
    process, _log = start_window_demo(home)
    process.kill()  # as a native crash would end it: no Python code runs
    process.communicate(timeout=WAIT_S)
    until(lambda: server_pids(home) == [], "the demo server outlived the app")
