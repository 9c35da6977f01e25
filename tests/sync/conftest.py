"""Client sync tests: the real server process, the real ``dxdesk`` command."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from dxdesk import reports
from dxdesk.profile import Profile
from dxdesk.reports import ReportContent
from dxdesk.store.models import Report, Task
from tests.integration.cli_runner import Result, run
from tests.support.file_keyring import FILE_ENV
from tests.support.profiles import open_user_profile
from tests.support.server import DEMO_PASSWORD, RunningServer

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = RunningServer(tmp_path_factory.mktemp("server")).start()
    yield running
    running.stop()


class Client:
    """One officer's dxdesk profile, driven through the command line."""

    def __init__(self, home: Path, keyring_file: Path, *, console_script: bool = False) -> None:
        self.home = home
        self.console_script = console_script  # the installed script itself, no zygote
        self.password = DEMO_PASSWORD
        self.env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "PYTHON_KEYRING_BACKEND": "tests.support.file_keyring.FileKeyring",
            FILE_ENV: str(keyring_file),
        }

    def __call__(self, *args: str, stdin: str | None = None, timeout: float = 120) -> Result:
        return run(
            self.home, "--lang", "en", *args, stdin=stdin, timeout=timeout, env=self.env,
            console_script=self.console_script,
        )  # fmt: skip

    def login(self, url: str, user: str = "cb.binhlieu", password: str = DEMO_PASSWORD) -> Result:
        self.password = password
        return self(
            "login", "--server", url, "--user", user, "--password-stdin", "--remember-key",
            stdin=password,
        )  # fmt: skip

    def open(self) -> Profile:
        return open_user_profile(self.home, self.password)

    def queue(self, count: int, attachments: list[Path] | None = None) -> list[str]:
        """Finalize ``count`` reports on the first task, in-process (fast; the
        command itself is tested elsewhere). Report n gets ``attachments[n]``."""
        profile = self.open()
        ids = []
        try:
            with profile.db.session() as session:
                task = session.exec(select(Task).order_by(col(Task.code))).first()
                assert task is not None, "sync first: no tasks"
                for n in range(count):
                    content = ReportContent(progress=n % 101, results=f"Báo cáo lần {n}")
                    draft = reports.create_draft(session, task, content, author="test")
                    if attachments and n < len(attachments):
                        path = attachments[n]
                        reports.attach(session, profile.attachments, draft.id, path, profile.limits)
                    ids.append(reports.finalize(session, profile.attachments, draft.id).id)
        finally:
            profile.close()
        return ids

    def states(self) -> dict[str, str]:
        profile = self.open()
        try:
            with profile.db.session() as session:
                return {r.id: r.state.value for r in session.exec(select(Report))}
        finally:
            profile.close()

    def settings(self, **values: object) -> None:
        from dxdesk.settings import Settings, load, save

        path = self.home / "config" / "settings.toml"
        current = load(path) if path.exists() else Settings()
        for key, value in values.items():
            setattr(current, key, value)
        save(current, path)


@pytest.fixture
def client(tmp_path: Path) -> Client:
    return Client(tmp_path / "client", tmp_path / "keyring.json")
