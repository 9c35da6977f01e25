"""The zygote that starts the tests' ``dxdesk`` commands (tests/support/zygote.py)
gives what the console script gives: exit code, output, environment, folder, input."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sync.local_server import ChildProcess, free_port
from sync.transport import Transport
from tests.integration.cli_runner import keyring_env
from tests.support.server import START_TIMEOUT_S
from tests.support.zygote import BIN, NO_ZYGOTE_ENV, ZygoteProcess, Zygotes


@pytest.fixture
def zygotes(monkeypatch: pytest.MonkeyPatch) -> Iterator[Zygotes]:
    monkeypatch.delenv(NO_ZYGOTE_ENV, raising=False)  # the zygote itself is under test
    started = Zygotes()
    yield started
    started.close()


def test_a_command_ends_as_with_its_console_script(zygotes: Zygotes, tmp_path: Path) -> None:
    env = keyring_env(tmp_path / "home")
    for args in (["--lang", "en", "nosuch"], ["--lang", "vi", "--help"], ["--lang", "xx"]):
        forked = zygotes.run("dxdesk", args, env=env)
        real = zygotes.run("dxdesk", args, env=env, console_script=True)
        assert (forked.returncode, forked.stdout, forked.stderr) == (
            real.returncode, real.stdout, real.stderr,
        ), args  # fmt: skip
    assert forked.returncode == 2


def test_environment_folder_and_input_reach_the_command(zygotes: Zygotes, tmp_path: Path) -> None:
    env = {**keyring_env(tmp_path / "home"), "DXDESK_HOME": "relative-home"}
    done = zygotes.run("dxdesk", ["--lang", "en", "outbox"], env=env, cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    assert "Nobody has logged in" in done.stderr
    # DXDESK_HOME, relative to the folder given: its log tells what happened.
    assert (tmp_path / "relative-home" / "logs" / "dxdesk.log").stat().st_size > 0
    # Input: a password without a newline, read to the end of the input (nothing
    # listens at the server address: a clear failure).
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    args = ["--lang", "en", "login", "--server", url, "--user", "cb", "--password-stdin"]
    forked = zygotes.run("dxdesk", args, env=env, cwd=tmp_path, stdin="secret")
    real = zygotes.run("dxdesk", args, env=env, cwd=tmp_path, stdin="secret", console_script=True)
    assert forked.returncode == real.returncode != 0
    assert forked.stderr == real.stderr


def test_a_command_past_its_timeout_is_killed(zygotes: Zygotes, tmp_path: Path) -> None:
    env = keyring_env(tmp_path / "home")
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        args = ["--lang", "en", "login", "--server", url, "--user", "cb", "--password-stdin"]
        with pytest.raises(subprocess.TimeoutExpired):
            zygotes.run("dxdesk", args, env=env, stdin="secret", timeout=3)
    again = zygotes.run("dxdesk", ["--lang", "en", "nosuch"], env=env)
    assert again.returncode == 2  # the zygote still serves


def test_no_zygote_runs_the_console_script(
    zygotes: Zygotes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DXDESK_TEST_NO_ZYGOTE", "1")
    assert zygotes.run("dxdesk", ["--lang", "en", "nosuch"]).returncode == 2
    assert not zygotes.started
    assert os.environ["DXDESK_TEST_NO_ZYGOTE"] == "1"


def _serve(zygotes: Zygotes, home: Path, *, console_script: bool) -> tuple[ChildProcess, str]:
    """``dxdesk-server serve`` on a free port, its output in home/server.log: started by
    the zygote, or by its console script as LocalServer does."""
    home.mkdir(parents=True)
    port = free_port()
    args = ["serve", "--db", f"sqlite:///{home / 's.sqlite3'}", "--port", str(port),
            "--home", str(home), "--log-level", "info"]  # fmt: skip
    with (home / "server.log").open("ab") as log:
        if console_script:
            process: ChildProcess = subprocess.Popen(
                [str(BIN / "dxdesk-server"), *args], stdout=log, stderr=subprocess.STDOUT
            )
        else:
            process = zygotes.start(
                "dxdesk-server", args, stdout=log.fileno(), stderr=subprocess.STDOUT
            )
    url = f"http://127.0.0.1:{port}"
    probe = Transport(url, connect_timeout_s=2, read_timeout_s=5)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not probe.ping():
        assert process.poll() is None, (home / "server.log").read_text()
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)
    probe.close()
    return process, url


def test_a_started_server_is_a_real_process_handled_as_its_popen(
    zygotes: Zygotes, tmp_path: Path
) -> None:
    ends = {}
    for console_script in (False, True):
        home = tmp_path / ("script" if console_script else "forked")
        process, url = _serve(zygotes, home, console_script=console_script)
        assert process.poll() is None and process.pid != os.getpid()
        assert requests.get(url + "/api/v1/ping", timeout=30).status_code == 200
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=0.1)
        process.terminate()  # as LocalServer.stop() ends it
        code = process.wait(timeout=60)
        assert process.poll() == code
        process.kill()  # after its end: nothing (its pid may be another process's by now)
        log = (home / "server.log").read_text()
        ends[console_script] = (
            code,
            "Application startup complete" in log,
            "Finished server process" in log,
        )
    # uvicorn ends by the signal it caught, after its shutdown, as the script does
    assert ends[False] == ends[True] == (-signal.SIGTERM, True, True)
    assert all(zygote.alive() for zygote in zygotes.started.values())  # still serving


def test_a_dropped_command_is_stopped_as_its_parent_died(zygotes: Zygotes, tmp_path: Path) -> None:
    process, url = _serve(zygotes, tmp_path / "home", console_script=False)
    pid = process.pid
    assert isinstance(process, ZygoteProcess)
    process.close()  # as when the test process ends: the server must not outlive it
    deadline = time.monotonic() + 60
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists(), "the server outlived its handle"
    assert "Finished server process" in (tmp_path / "home" / "server.log").read_text()
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/api/v1/ping", timeout=30)
