"""The zygote that starts the tests' ``dxdesk`` commands (tests/support/zygote.py)
gives what the console script gives: exit code, output, environment, folder, input."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cli_runner import keyring_env
from tests.support.zygote import Zygotes


@pytest.fixture
def zygotes() -> Iterator[Zygotes]:
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
