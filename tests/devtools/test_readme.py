"""The README's command-line story runs as written: its two shell blocks, in order,
on the machine `./dx` set up, in a temporary home, against a temporary server.

The only change made to the text is the port (8765 may be taken here). The server
block's `serve` line runs in the background, as the README's "one terminal" does;
every other line runs to its end in a pseudo-terminal, where the password is typed
at its prompt as the officer would."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from sync.local_server import free_port
from tests.support.server import DEMO_PASSWORD, START_TIMEOUT_S

ROOT = Path(__file__).parents[2]
PROMPT = b"Password: "


def readme_blocks() -> list[list[str]]:
    """The shell blocks of "Both sides from the command line", commands joined
    across `\\` continuations."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Both sides from the command line", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    commands = []
    for block in blocks:
        joined = block.replace("\\\n", " ")
        commands.append([line.strip() for line in joined.splitlines() if line.strip()])
    return commands


def in_terminal(command: str, env: dict[str, str], timeout_s: float = 300) -> tuple[int, str]:
    """Run ``command`` in a pseudo-terminal, typing the password at each prompt."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        ["bash", "-c", command], cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave,
        start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    seen = b""
    typed = 0
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the terminal closed: the command ended
                    break
                if not chunk:
                    break
                seen += chunk
                if seen.count(PROMPT) > typed:
                    typed += 1
                    os.write(master, DEMO_PASSWORD.encode() + b"\n")
            elif proc.poll() is not None:
                break
        else:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"{command!r} did not end in {timeout_s:.0f} s:\n{seen.decode()}")
        code = proc.wait(timeout=60)
    finally:
        os.close(master)
    return code, seen.decode("utf-8", errors="replace")


@pytest.mark.slow
def test_the_readme_story_runs_as_written(tmp_path: Path) -> None:
    server_block, officer_block = readme_blocks()
    port = str(free_port())
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DXDESK_HOME", "DXDESK_SERVER_HOME", "VIRTUAL_ENV", "PYTHONPATH"}
    }
    # A fresh user on a headless machine: no keyring, nothing in ~ yet.
    env.update(HOME=str(tmp_path), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    serve = next(line for line in server_block if " serve " in f" {line} ")
    for line in server_block:
        if line != serve:
            code, out = in_terminal(line.replace("8765", port), env)
            assert code == 0, f"{line}\n{out}"
    server = subprocess.Popen(
        ["bash", "-c", f"exec {serve.split('#')[0]} --port {port}"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v1/ping", server)
        outputs = []
        for line in officer_block:
            code, out = in_terminal(line.replace("8765", port), env)
            assert code == 0, f"{line}\n{out}"
            outputs.append(out)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    story = dict(zip(officer_block, outputs, strict=True))
    made = next(out for line, out in story.items() if " report " in line)
    report_id = re.search(r"[0-9a-f]{8}-[0-9a-f-]{27}", made)
    assert report_id, made
    accepted = next(out for line, out in story.items() if "outbox --all" in line)
    assert re.search(rf"{report_id.group()}\s+NV-2026-003\s+đã nhận", accepted), accepted
    assert report_id.group() in outputs[-1], "the province's server lists the report"


def wait_for(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert server.poll() is None, "the README's server stopped"
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"the README's server did not answer at {url}")
