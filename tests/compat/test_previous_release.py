"""The previous release against this one, for real, both ways.

The previous release's tree (compat/releases.toml) is taken from git, installed
into its own environment (uv, from its own lock file: what was shipped), and then:
its ``dxdesk`` syncs reports, an attachment and a returned review with the current
server, and the current ``dxdesk`` does the same with its ``dxdesk-server``. One
install per session; the uv cache makes it seconds after the first time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from dxdesk import reports
from dxdesk.store.models import ReportState
from tests.integration.cli_runner import Result
from tests.support import file_keyring
from tests.support.server import DEMO_PASSWORD, REVIEWER, RunningServer
from tests.sync.conftest import Client

REPO = Path(__file__).resolve().parents[2]
RELEASES = REPO / "compat" / "releases.toml"
INSTALL_TIMEOUT_S = 600  # uv sync of the previous release (about 5 s from a warm cache)
START_TIMEOUT_S = 300  # one server start
COMMAND_TIMEOUT_S = 120  # one dxdesk command
# Install, two server starts and the commands of both directions, each at its limit.
TEST_TIMEOUT_S = INSTALL_TIMEOUT_S + 2 * START_TIMEOUT_S + 12 * COMMAND_TIMEOUT_S

pytestmark = [pytest.mark.slow, pytest.mark.timeout(TEST_TIMEOUT_S)]


@dataclass(frozen=True)
class Release:
    version: str
    commit: str
    bin: Path  # its environment's scripts
    shim: Path  # a folder with only the test keyring module (not this checkout)

    def dxdesk(self, home: Path, *args: str, stdin: str | None = None) -> Result:
        """Its own command line, with a keyring kept in a file beside the home (as
        the OS keyring would keep the profile's key), without this checkout's code."""
        env = {**os.environ, "PYTHONPATH": str(self.shim)}
        # Its environment has no bytecode (uv sync does not compile it): with
        # PYTHONDONTWRITEBYTECODE set (as here and on CI) every command compiled its
        # imports from source again (~2 s of CPU each). The first writes them.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHON_KEYRING_BACKEND"] = "file_keyring.FileKeyring"
        env[file_keyring.FILE_ENV] = str(home.parent / f"{home.name}-keyring.json")
        proc = subprocess.run(
            [str(self.bin / "dxdesk"), "--home", str(home), "--lang", "en", *args],
            capture_output=True, text=True, encoding="utf-8", input=stdin,
            timeout=COMMAND_TIMEOUT_S, check=False, env=env, cwd=home.parent,
        )  # fmt: skip
        return Result(proc.returncode, proc.stdout, proc.stderr)


def previous_release() -> tuple[str, str]:
    entry = tomllib.loads(RELEASES.read_text(encoding="utf-8"))["previous"]
    return str(entry["version"]), str(entry["commit"])


def find_uv() -> str:
    """As ./dx finds it: on the PATH, in .tools/, or bootstrapped there."""
    found = shutil.which("uv")
    if found:
        return found
    proc = subprocess.run(
        ["bash", "-c", '. ./dx && ensure_uv >&2 && printf %s "$UV"'],
        cwd=REPO, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False,
    )  # fmt: skip
    if proc.returncode != 0 or not proc.stdout:
        pytest.fail(f"uv could not be found or bootstrapped (as ./dx does): {proc.stderr}")
    return proc.stdout


def _has_commit(commit: str) -> bool:
    present = subprocess.run(
        ["git", "-C", str(REPO), "cat-file", "-e", f"{commit}^{{commit}}"],
        capture_output=True, timeout=30, check=False,
    )  # fmt: skip
    return present.returncode == 0


def install(version: str, commit: str, folder: Path) -> Release:
    if not _has_commit(commit):
        # A shallow clone (CI's may be): fetch that one commit from where it came.
        subprocess.run(
            ["git", "-C", str(REPO), "fetch", "--quiet", "origin", commit],
            capture_output=True, timeout=300, check=False,
        )  # fmt: skip
    if not _has_commit(commit):
        pytest.fail(
            f"The previous release {version} (commit {commit}, compat/releases.toml) is not "
            f"in this clone (a shallow clone?). Fetch it and run again: "
            f"git fetch origin {commit}   (or: git fetch --unshallow --tags)",
            pytrace=False,
        )
    source = folder / "src"
    source.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", commit],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True, timeout=120)
    venv = folder / "venv"
    synced = subprocess.run(
        [find_uv(), "sync", "--frozen", "--no-dev", "--extra", "server", "--python",
         sys.executable, "--project", str(source)],
        env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)},
        capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False,
    )  # fmt: skip
    assert synced.returncode == 0, f"installing {version} failed:\n{synced.stderr}"
    shim = folder / "keyring"
    shim.mkdir()
    shutil.copy(file_keyring.__file__, shim / "file_keyring.py")
    return Release(version, commit, venv / "bin", shim)


@pytest.fixture(scope="session")
def previous(tmp_path_factory: pytest.TempPathFactory) -> Release:
    version, commit = previous_release()
    return install(version, commit, tmp_path_factory.mktemp(f"release-{version}"))


@pytest.fixture
def current_server(tmp_path: Path) -> Iterator[RunningServer]:
    running = RunningServer(tmp_path / "server").start(timeout_s=START_TIMEOUT_S)
    yield running
    running.stop()


@pytest.fixture
def previous_server(previous: Release, tmp_path: Path) -> Iterator[RunningServer]:
    command = str(previous.bin / "dxdesk-server")
    running = RunningServer(tmp_path / "old-server", command=command)
    yield running.start(timeout_s=START_TIMEOUT_S)
    running.stop()


def _photo(folder: Path) -> Path:
    path = folder / f"bien-ban-{uuid.uuid4().hex[:6]}.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(200_000))
    return path


def _reviewer_download(server: RunningServer, report_id: str) -> list[tuple[str, bytes]]:
    """The reviewer opens the report and downloads its files: (name, bytes)."""
    login = requests.post(f"{server.url}/api/v1/auth/login", timeout=30,
                          json={"username": REVIEWER[0], "password": REVIEWER[1]})  # fmt: skip
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    base = f"{server.url}/api/v1/reports/{report_id}"
    files = []
    for item in requests.get(base, headers=headers, timeout=30).json()["attachments"]:
        got = requests.get(f"{base}/attachments/{item['id']}", headers=headers, timeout=30)
        assert got.status_code == 200, got.text
        files.append((item["file_name"], got.content))
    return files


def _ok(result: Result) -> Result:
    assert result.code == 0, f"exit {result.code}\n{result.out}\n{result.err}"
    return result


def test_previous_client_syncs_with_the_current_server(
    previous: Release, current_server: RunningServer, tmp_path: Path
) -> None:
    home = tmp_path / "old-client"

    def old(*args: str, stdin: str | None = None) -> Result:
        return _ok(previous.dxdesk(home, *args, stdin=stdin))

    old("login", "--server", current_server.url, "--user", "cb.bache", "--password-stdin",
        "--remember-key", stdin=DEMO_PASSWORD)  # fmt: skip
    assert old("sync", "--json").json()["pulled_tasks"] > 0
    code = old("tasks", "--json").json()["tasks"][0]["code"]
    with_photo = old("report", code, "--progress", "60", "--summary", "Đã lắp 8 máy",
                     "--attach", str(_photo(tmp_path)), "--json").json()["id"]  # fmt: skip
    plain = old("report", code, "--progress", "65", "--summary", "Thêm 1 máy", "--json").json()
    # A classified report: 0.1 seals its words and names but sends the file in the
    # clear; this server seals it as it arrives and opens it for the reviewer.
    marker = b"OLD-CLIENT-SECRET-FILE-7a2e"
    secret_file = tmp_path / "so-do-kho.jpg"
    secret_data = b"\xff\xd8\xff\xe0" + os.urandom(90_000) + marker
    secret_file.write_bytes(secret_data)
    secret = old("report", code, "--progress", "66", "--summary", "Mật", "--classification",
                 "secret", "--attach", str(secret_file), "--json").json()["id"]  # fmt: skip
    sent = old("sync", "--json").json()
    assert (sent["accepted"], sent["attachments_uploaded"], sent["still_queued"]) == (3, 2, 0)
    stored = {r["id"]: r for r in current_server.reports()}
    assert stored[with_photo]["complete"] is True and plain["id"] in stored
    assert stored[secret]["complete"] is True
    database = current_server.folder / "server.sqlite3"
    on_disk = b"".join(p.read_bytes() for p in database.parent.glob("server.sqlite3*"))
    assert database.exists() and marker not in on_disk
    assert _reviewer_download(current_server, secret) == [(secret_file.name, secret_data)]

    comment = "Bổ sung ảnh biên bản nghiệm thu."
    current_server.api("POST", f"/reports/{with_photo}/return", REVIEWER, {"comment": comment})
    assert old("sync", "--json").json()["pulled_reviews"] == 1
    items = {i["id"]: i for i in old("outbox", "--all", "--json").json()["items"]}
    assert (items[with_photo]["state"], items[with_photo]["review_comment"]) == (
        "returned",
        comment,
    )


def test_current_client_syncs_with_the_previous_server(
    previous_server: RunningServer, tmp_path: Path
) -> None:
    client = Client(tmp_path / "client", tmp_path / "keyring.json")
    _ok(client.login(previous_server.url, "cb.bache"))
    assert _ok(client("sync", "--json")).json()["pulled_tasks"] > 0
    code = _ok(client("tasks", "--json")).json()["tasks"][0]["code"]
    with_photo = _ok(
        client(
            "report",
            code,
            "--progress",
            "60",
            "--summary",
            "Đã lắp 8 máy",
            "--attach",
            str(_photo(tmp_path)),
            "--json",
        )
    ).json()["id"]
    _ok(client("report", code, "--progress", "65", "--summary", "Thêm 1 máy", "--json"))
    # A classified report's attachments are sealed (protocol 2): that server would
    # refuse the seal, so the report waits, queued and said so, for its update.
    secret = _ok(
        client(
            "report", code, "--progress", "66", "--summary", "Mật", "--classification",
            "secret", "--attach", str(_photo(tmp_path)), "--json",
        )
    ).json()["id"]  # fmt: skip
    sent = _ok(client("sync", "--json")).json()
    assert (sent["accepted"], sent["attachments_uploaded"], sent["still_queued"]) == (2, 1, 1)
    assert sent["rejected"] == 0
    stored = previous_server.api("GET", f"/reports/{with_photo}", REVIEWER)
    assert stored["complete"] is True
    profile = client.open()
    try:
        with profile.db.session() as session:
            waiting = reports.get_report(session, secret)
            assert waiting.state is ReportState.QUEUED
            assert waiting.last_error is not None and "update" in waiting.last_error
    finally:
        profile.close()

    comment = "Bổ sung ảnh biên bản nghiệm thu."
    previous_server.api("POST", f"/reports/{with_photo}/return", REVIEWER, {"comment": comment})
    assert _ok(client("sync", "--json")).json()["pulled_reviews"] == 1
    items = {i["id"]: i for i in _ok(client("outbox", "--all", "--json")).json()["items"]}
    assert (items[with_photo]["state"], items[with_photo]["review_comment"]) == (
        "returned",
        comment,
    )
