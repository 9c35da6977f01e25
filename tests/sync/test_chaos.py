"""Exactly once under any crash: `dxdesk sync` SIGKILLed at random, dozens of times,
through a slow link, then allowed to finish."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from tests.support.badlink import BadLink, LinkProfile
from tests.support.server import DEMO_PASSWORD, START_TIMEOUT_S, RunningServer
from tests.support.zygote import ZYGOTES
from tests.sync.conftest import Client

REPORTS = 200
KILLS = 30
# How long each killed sync may run once it has sent its first bytes: timed from
# there, not from its start, so the kill lands in the sync itself however long a
# loaded machine takes to start and unlock (timed from the start, 30 of 30 kills
# landed before the first byte at load 10; see docs/benchmarks.md).
KILL_AFTER_S = (0.0, 1.5)
KILL_PHASE_S = 900  # the kill rounds, all together, on a loaded machine
FINAL_SYNC_TIMEOUT_S = 300
# Slow enough (60 kbit/s up: 7.5 kB/s) that the whole job (~1.9 MB up) outlasts the
# kill phase's ~25 s on the wire: every kill lands mid-flight. At this speed the
# round of 200 reports (~40 kB) outlasts most kill delays, so the first half of the
# kills lands in the report push (and, where a round got through, between the
# server's commit and the client's record of its acks).
SLOW = LinkProfile(latency_s=0.05, up_bps=60_000, down_bps=1_000_000)
# The second half runs at 800 kbit/s: the reports' round gets through, and the kills
# land in the photos' chunks (64 KB first, ~0.6 s here), cut and resumed.
PHOTOS = replace(SLOW, up_bps=800_000)
FINISH = replace(SLOW, up_bps=2_000_000)


def photo(folder: Path, n: int, size: int) -> Path:
    path = folder / f"hien-truong-{n}.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(size))
    return path


@pytest.mark.slow
# Its own waits: the server's start, the kill rounds, the final sync, and the rest.
@pytest.mark.timeout(START_TIMEOUT_S + KILL_PHASE_S + FINAL_SYNC_TIMEOUT_S + 180)
def test_sigkill_at_random_loses_and_duplicates_nothing(
    server: RunningServer, client: Client, tmp_path: Path
) -> None:
    rng = random.Random(424242)
    sizes = (900_000, 400_000, 250_000, 60_000)
    photos = [photo(tmp_path, n, size) for n, size in enumerate(sizes)]
    with BadLink(server.port, SLOW) as link:
        assert client.login(link.url, "cb.bache").code == 0
        assert client("sync").code == 0
        ids = set(client.queue(REPORTS, attachments=photos))

        kills = 0
        deadline = time.monotonic() + KILL_PHASE_S
        for _ in range(KILLS * 2):
            if kills == KILLS // 2:
                link.set_profile(PHOTOS)
            # Forked from the zygote (imports done): each round costs less CPU.
            sent_before = link.stats.bytes_up
            proc = ZYGOTES.start(
                "dxdesk", ["--home", str(client.home), "sync", "--json"], env=client.env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            while link.stats.bytes_up == sent_before and proc.poll() is None:
                assert time.monotonic() < deadline, "the kill rounds took too long"
                time.sleep(0.01)
            try:
                proc.wait(timeout=rng.uniform(*KILL_AFTER_S))
            except subprocess.TimeoutExpired:
                proc.kill()  # SIGKILL
                proc.wait()
                kills += 1
            if kills >= KILLS:
                break
        assert kills >= KILLS, "every round should have been killed mid-flight"
        received = [_received(server, path) for path in photos]
        assert any(received), "no kill landed while a photo was going up"
        assert received != [p.stat().st_size for p in photos], "the kills left no photo to finish"

        # The last sync finishes what the kills left (the photos, ~1.6 MB): at 60 kbit/s
        # that was ~230 s of waiting. At 2 Mbit/s it still sends each photo in
        # several chunks, resumed from where the server stands.
        link.set_profile(FINISH)
        final = client("sync", "--json", timeout=FINAL_SYNC_TIMEOUT_S)
        assert final.code == 0, final.err
        assert final.json()["still_queued"] == 0

    assert set(client.states().values()) == {"accepted"}
    assert set(client.states()) == ids

    on_server = [r for r in server.reports() if r["id"] in ids]
    assert len(on_server) == REPORTS
    assert len({r["id"] for r in on_server}) == REPORTS
    assert all(r["complete"] for r in on_server)
    bache = [r for r in server.reports() if r["unit_code"] == "QN-BACHE"]
    assert len(bache) == REPORTS, "no report may be stored twice under another id"

    for path in photos:
        assert _received(server, path) == path.stat().st_size


def _received(server: RunningServer, path: Path) -> int:
    """Bytes of ``path`` the server holds (straight, not through the link); all of
    them only when the upload is complete."""
    token = requests.post(
        server.url + "/api/v1/auth/login",
        json={"username": "cb.bache", "password": DEMO_PASSWORD},
        timeout=10,
    ).json()["token"]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    status = requests.get(
        f"{server.url}/api/v1/blobs/{sha}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    received: int = status["received"]
    assert status["complete"] is (received == path.stat().st_size)
    return received
