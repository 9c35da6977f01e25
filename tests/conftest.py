"""Shared fixtures: every test gets its own profile folder and real SQLite file."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from dxdesk import tasks
from dxdesk.paths import Paths
from dxdesk.profile import Profile, open_profile
from dxdesk.settings import Settings
from tests.support.file_order import costliest_first, keep_collection_order, load_costs
from tests.support.zygote import ZYGOTES

TODAY = dt.date(2026, 11, 24)

# Every account the tests make, in-process or through a server they start, is hashed
# at OWASP's minimum Argon2id cost instead of the production 3 x 64 MiB x 4 threads:
# those hashes were most of the server tests' CPU. tests/server/test_password_cost.py
# checks the production default and that hashes of either cost verify under the other.
os.environ.setdefault("DXDESK_SERVER_ARGON2", "2,19,1")
# The same for the client profiles the tests make (each unlock derives the key again);
# tests/security/test_profile_cost.py checks the default and that either cost opens.
os.environ.setdefault("DXDESK_PROFILE_ARGON2", "2,19,1")


@pytest.hookimpl(trylast=True)  # after pytest's own grouping by fixtures, within files
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The long files first, so xdist's two workers (--dist loadfile) end together.
    items[:] = costliest_first(items, load_costs())


def pytest_configure(config: pytest.Config) -> None:
    keep_collection_order(config)


@pytest.fixture(scope="session", autouse=True)
def _zygotes() -> Iterator[None]:
    # The processes that start the tests' dxdesk commands (tests/support/zygote.py).
    yield
    ZYGOTES.close()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing a test runs may touch the developer's real profile.
    monkeypatch.setenv("DXDESK_HOME", str(tmp_path / "default-home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths.under(tmp_path / "home").ensure()


@pytest.fixture
def profile(paths: Paths) -> Iterator[Profile]:
    opened = open_profile(paths, Settings(language="en"))
    yield opened
    opened.close()


@pytest.fixture
def session(profile: Profile) -> Iterator[Session]:
    with profile.db.session() as opened:
        yield opened


def make_task(session: Session, code: str = "NV-001", **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "code": code,
        "title": "Số hoá hồ sơ, tài liệu lưu trữ của Đảng uỷ xã",
        "description": "Đẩy nhanh tiến độ số hoá hồ sơ",
        "doc_number": "17-KH/BCĐ",
        "unit_code": "QN-BINHLIEU",
        "deadline": TODAY + dt.timedelta(days=10),
    }
    values.update(overrides)
    task = tasks.upsert(session, values)
    session.commit()
    return task


@pytest.fixture
def pdf_file(tmp_path: Path) -> Path:
    path = tmp_path / "bien-ban.pdf"
    path.write_bytes(b"%PDF-1.4\n" + os.urandom(2048))
    return path
