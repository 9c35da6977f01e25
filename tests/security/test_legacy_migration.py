"""An unencrypted profile of an earlier version, taken over by its owner at the
first unlock: killed at random moments, it loses nothing and ends encrypted."""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import col, select

from dxdesk import local_state, reports
from dxdesk.demo_data import load as load_demo
from dxdesk.identity import users
from dxdesk.paths import Paths
from dxdesk.profile import open_profile
from dxdesk.reports import ReportContent
from dxdesk.store.legacy_migration import MARKER
from dxdesk.store.models import Attachment, Report, ReportState, Task
from tests.support.profiles import FAST_KDF

REPO = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("migrate_child.py")
PASSWORD = "mật khẩu của A"
OWNER = "cb.binhlieu"
REPORTS = 40


def make_legacy_home(home: Path, tmp: Path) -> dict[str, str]:
    """A plain store with queued reports and attachments, owned by OWNER."""
    paths = Paths.under(home)
    profile = open_profile(paths)  # no user: the old single, plain store
    expected = {}
    try:
        with profile.db.session() as session:
            load_demo(session, dt.date(2026, 11, 27), None)
            local_state.put(session, "account.username", OWNER)
            session.commit()
            task = session.exec(select(Task).order_by(col(Task.code))).first()
            assert task is not None
            for n in range(REPORTS):
                text = f"LEGACY-{n:03d} kết quả đã đạt được"
                draft = reports.create_draft(session, task, ReportContent(n, results=text))
                photo = tmp / f"anh-{n}.jpg"
                photo.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(150_000))
                reports.attach(session, profile.attachments, draft.id, photo, profile.limits)
                reports.finalize(session, profile.attachments, draft.id)
                expected[draft.id] = text
    finally:
        profile.close()
    return expected


def queued_in_legacy(database: Path) -> dict[str, str]:
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT id, results FROM report WHERE state = 'queued'").fetchall()
    return dict(rows)


def queued_in_encrypted(paths: Paths) -> dict[str, str]:
    user = users.require_user(paths, OWNER)
    profile = open_profile(paths, user=users.unlock(paths, user, PASSWORD))
    try:
        with profile.db.session() as session:
            rows = session.exec(select(Report).where(Report.state == ReportState.QUEUED)).all()
            for attachment in session.exec(select(Attachment)):
                assert profile.attachments.verify(attachment.sha256)
            return {r.id: r.results for r in rows}
    finally:
        profile.close()


def run_child(home: Path, env: dict[str, str], kill_after: float | None) -> float:
    """Run the child; kill it ``kill_after`` seconds after it is ready. Without a kill,
    return how long the take-over itself lasted (until the plain store is gone)."""
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(home), PASSWORD], env=env, stdout=subprocess.PIPE
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == b"ready"
    started = time.monotonic()
    window = 0.0
    if kill_after is not None:
        time.sleep(kill_after)
        child.send_signal(signal.SIGKILL)
    else:
        plain = Paths.under(home).database
        while plain.exists() and child.poll() is None:
            time.sleep(0.002)
        window = time.monotonic() - started
    child.wait()
    child.stdout.close()
    if kill_after is None:
        assert child.returncode == 0
    return window


@pytest.mark.slow
def test_migration_survives_sigkill_at_random_moments(tmp_path: Path) -> None:
    home = tmp_path / "home"
    expected = make_legacy_home(home, tmp_path)
    paths = Paths.under(home)
    enrolled = users.enroll(paths, users.KnownUser(OWNER, "https://dx"), PASSWORD, params=FAST_KDF)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # How long the take-over lasts on this machine now: a full run on a copy. Kills
    # then land inside that window. The machine's speed drifts (2-3x on the project
    # VM), so a run that finishes before its kill starts over from a pristine copy,
    # and the window is measured again.
    pristine = tmp_path / "pristine"
    shutil.copytree(home, pristine)

    def measure() -> float:
        probe = tmp_path / "probe"
        shutil.rmtree(probe, ignore_errors=True)
        shutil.copytree(pristine, probe)
        return run_child(probe, env, kill_after=None)

    window = measure()
    rng = random.Random(20261127)
    mid_migration = 0
    for _ in range(20):
        run_child(home, env, kill_after=rng.uniform(0.02, 0.9) * window)
        staging = list(enrolled.folder.root.glob("*.migrating"))
        if staging or (enrolled.folder.root / MARKER).exists():
            mid_migration += 1
        # Whatever moment it died at, one complete copy of every queued report exists.
        marker = enrolled.folder.root / MARKER
        committed = enrolled.folder.database.exists() and (
            marker.exists() or not paths.database.exists()
        )
        if committed:
            assert queued_in_encrypted(paths) == expected
        else:
            assert queued_in_legacy(paths.database) == expected
        if not paths.database.exists() and not marker.exists():  # the take-over ended
            if mid_migration >= 3:
                break
            shutil.rmtree(home)
            shutil.copytree(pristine, home)
            window = min(window, measure())
    assert mid_migration >= 3, "the kills should land mid-migration"
    done = subprocess.run(
        [sys.executable, str(CHILD), str(home), PASSWORD],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert queued_in_encrypted(paths) == expected
    # Nothing plain is left behind: no old store, copies, backups or staging file.
    assert not paths.database.exists()
    assert not paths.attachments.exists()
    assert not (enrolled.folder.root / MARKER).exists()
    assert not list(enrolled.folder.root.glob("*.migrating"))
    everything = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    for text in expected.values():
        assert text.encode("utf-8") not in everything


def test_someone_elses_plain_store_is_left_alone(tmp_path: Path) -> None:
    home = tmp_path / "home"
    make_legacy_home(home, tmp_path)
    paths = Paths.under(home)
    other = users.enroll(paths, users.KnownUser("cb.other", "https://dx"), "pw", params=FAST_KDF)
    profile = open_profile(paths, user=other)
    try:
        with profile.db.session() as session:
            assert session.exec(select(Report)).all() == []
    finally:
        profile.close()
    assert len(queued_in_legacy(paths.database)) == REPORTS
