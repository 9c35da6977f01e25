"""The engine's seams are typed: a summary's failure is a Failure, its progress
events are dataclasses (sync.progress), the scheduler's next step an Action."""

from __future__ import annotations

import socket

from dxdesk.profile import Profile
from sync import progress
from sync.engine import SyncEngine, SyncSummary
from sync.scheduler import Action, SyncScheduler
from sync.transport import Failure, Transport


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nobody listens once this closes


def test_an_unreachable_server_is_a_typed_failure_with_typed_events(profile: Profile) -> None:
    events: list[progress.Progress] = []
    transport = Transport(f"http://127.0.0.1:{closed_port()}", connect_timeout_s=2)
    transport.token = "t"
    engine = SyncEngine(
        profile.db, profile.attachments, transport,
        notify=events.append, sleep=lambda _s: None, max_attempts=3,
    )  # fmt: skip
    try:
        summary = engine.run()
    finally:
        transport.close()
    assert summary.failure is Failure.OFFLINE
    assert summary.as_json()["failure"] == "offline"
    assert isinstance(events[0], progress.RoundStarted) and events[0].pushing == 0
    retries = [e for e in events if isinstance(e, progress.Retrying)]
    assert [r.attempt for r in retries] == [1, 2]
    assert all(r.delay_s >= 0 and r.reason for r in retries)


def test_the_scheduler_decides_with_an_action() -> None:
    scheduler = SyncScheduler(SyncSummary, lambda: False)
    scheduler.request_sync(now=True)
    with scheduler._cond:
        assert scheduler._wait_for_work() is Action.SYNC
