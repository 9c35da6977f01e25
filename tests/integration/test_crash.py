"""Power-cut stand-in: SIGKILL a process that is finalizing reports, many times."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from dxdesk import reports
from dxdesk.canonical import content_hash
from dxdesk.paths import Paths
from dxdesk.profile import open_profile
from dxdesk.store.models import ReportState

ROUNDS = 25
CHILD = Path(__file__).with_name("crash_child.py")


def kill_at_random(home: Path, attachment: Path, rng: random.Random) -> list[str]:
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(home), str(attachment)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"ready", proc.stderr and proc.stderr.read()
    # Kill after a random number of finalizes (at least one, so every round promises
    # something whatever the machine's speed), then a random moment into the next one.
    lines = [proc.stdout.readline().decode("utf-8") for _ in range(rng.randint(1, 4))]
    time.sleep(rng.uniform(0.0, 0.15))
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, err.decode()
    # Only complete lines: a line cut mid-write was never fully reported.
    lines = [line.rstrip("\n") for line in lines]
    lines += out.decode("utf-8", errors="replace").split("\n")[:-1]
    return lines


@pytest.mark.slow
def test_every_returned_finalize_survives_sigkill(tmp_path: Path) -> None:
    rng = random.Random(20261124)
    home = tmp_path / "home"
    attachment = tmp_path / "bien-ban.pdf"
    attachment.write_bytes(b"%PDF-1.4\n" + os.urandom(64 * 1024))
    promised: dict[str, tuple[str, str]] = {}
    for _ in range(ROUNDS):
        for line in kill_at_random(home, attachment, rng):
            report_id, sha, body = line.split("\t")
            promised[report_id] = (sha, body)
    assert len(promised) >= ROUNDS, "every round waits for at least one finalize"

    profile = open_profile(Paths.under(home))
    with profile.db.session() as session:
        assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        for report_id, (sha, body) in promised.items():
            report = reports.get_report(session, report_id)
            assert report.state is ReportState.QUEUED
            assert report.results == body
            assert report.content_sha256 == sha
            attached = reports.attachments_of(session, report_id)
            recomputed = content_hash(reports.canonical_body(report, attached))
            assert recomputed == sha, "stored content differs from what was finalized"
            for attachment_row in attached:
                assert profile.attachments.verify(attachment_row.sha256)
    profile.close()
