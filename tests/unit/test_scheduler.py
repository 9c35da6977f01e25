"""The scheduler's promises, with plain callables standing in for the network."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from sync.backoff import Backoff
from sync.engine import SyncSummary
from sync.scheduler import Connectivity, SchedulerStatus, SyncScheduler
from sync.transport import Failure

FAST = Backoff(base_s=0.05, cap_s=0.2)


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


class FakeNetwork:
    """Counts syncs and probes, and notices two syncs running at once."""

    def __init__(self) -> None:
        self.online = True
        self.failure = Failure.OFFLINE
        self.syncs = 0
        self.probes = 0
        self.running = 0
        self.overlapped = False
        self.lock = threading.Lock()

    def run_sync(self) -> SyncSummary:
        with self.lock:
            self.running += 1
            self.overlapped |= self.running > 1
            self.syncs += 1
        time.sleep(0.05)
        with self.lock:
            self.running -= 1
        return SyncSummary() if self.online else SyncSummary(failure=self.failure)

    def probe(self) -> bool:
        self.probes += 1
        return self.online


@pytest.fixture
def network() -> FakeNetwork:
    return FakeNetwork()


@pytest.fixture
def scheduler(network: FakeNetwork) -> Iterator[SyncScheduler]:
    statuses: list[SchedulerStatus] = []
    sched = SyncScheduler(
        network.run_sync,
        network.probe,
        listener=statuses.append,
        debounce_s=0.1,
        periodic_s=0,
        backoff=FAST,
    )
    sched.start()
    yield sched
    sched.stop()


def test_requests_in_a_burst_become_one_sync(
    scheduler: SyncScheduler, network: FakeNetwork
) -> None:
    for _ in range(10):
        scheduler.request_sync()
    wait_until(lambda: network.syncs == 1 and not scheduler.status.syncing)
    time.sleep(0.3)
    assert network.syncs == 1
    assert scheduler.status.connectivity is Connectivity.ONLINE
    assert scheduler.status.last_success_at is not None


def test_never_two_syncs_at_once(scheduler: SyncScheduler, network: FakeNetwork) -> None:
    threads = [
        threading.Thread(target=scheduler.request_sync, kwargs={"now": True}) for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_until(lambda: network.syncs >= 1 and not scheduler.status.syncing)
    for _ in range(5):
        scheduler.request_sync(now=True)
        time.sleep(0.02)
    wait_until(lambda: not scheduler.status.syncing)
    assert not network.overlapped


def test_offline_probes_with_backoff_then_syncs_when_the_server_answers(
    scheduler: SyncScheduler, network: FakeNetwork
) -> None:
    network.online = False
    scheduler.request_sync(now=True)
    wait_until(lambda: network.probes >= 3)
    assert scheduler.status.connectivity is Connectivity.OFFLINE
    syncs_while_offline = network.syncs
    assert syncs_while_offline == 1  # probes, not full syncs, while offline
    network.online = True
    wait_until(lambda: scheduler.status.connectivity is Connectivity.ONLINE)
    assert network.syncs == syncs_while_offline + 1


def test_connectivity_hint_triggers_an_immediate_probe(network: FakeNetwork) -> None:
    slow = Backoff(base_s=60, cap_s=60)
    sched = SyncScheduler(
        network.run_sync, network.probe, debounce_s=0.05, periodic_s=0, backoff=slow
    )
    sched.start()
    try:
        network.online = False
        sched.request_sync(now=True)
        wait_until(lambda: sched.status.connectivity is Connectivity.OFFLINE)
        network.online = True
        sched.connectivity_hint(online=True)  # without it the next probe is up to 60 s away
        wait_until(lambda: sched.status.connectivity is Connectivity.ONLINE, timeout=5)
    finally:
        sched.stop()


def test_captive_portal_and_login_needed_are_distinct_states(
    scheduler: SyncScheduler, network: FakeNetwork
) -> None:
    network.online = False
    network.failure = Failure.CAPTIVE_PORTAL
    scheduler.request_sync(now=True)
    wait_until(lambda: scheduler.status.connectivity is Connectivity.CAPTIVE_PORTAL)
    network.failure = Failure.AUTH
    network.online = False
    scheduler.request_sync(now=True)
    wait_until(lambda: scheduler.status.connectivity is Connectivity.LOGIN_NEEDED)
    before = network.syncs
    scheduler.request_sync()  # automatic requests wait for a login...
    time.sleep(0.3)
    assert network.syncs == before
    network.online = True
    scheduler.request_sync(now=True)  # ...the user's own request does not
    wait_until(lambda: scheduler.status.connectivity is Connectivity.ONLINE)


def test_user_request_tries_at_once_even_while_offline(network: FakeNetwork) -> None:
    slow = Backoff(base_s=60, cap_s=60)
    sched = SyncScheduler(network.run_sync, network.probe, debounce_s=0, periodic_s=0, backoff=slow)
    sched.start()
    try:
        network.online = False
        sched.request_sync(now=True)
        wait_until(lambda: sched.status.connectivity is Connectivity.OFFLINE)
        sched.request_sync()  # automatic: waits for the (far) probe
        time.sleep(0.3)
        assert network.syncs == 1
        sched.request_sync(now=True)  # the Sync button: tries now
        wait_until(lambda: network.syncs == 2)
    finally:
        sched.stop()


def test_a_crashing_sync_does_not_stop_the_scheduler(network: FakeNetwork) -> None:
    calls = []

    def broken() -> SyncSummary:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("bug")
        return SyncSummary()

    sched = SyncScheduler(broken, network.probe, debounce_s=0.01, periodic_s=0, backoff=FAST)
    sched.start()
    try:
        sched.request_sync(now=True)
        wait_until(lambda: sched.status.connectivity is Connectivity.ONLINE)
        assert len(calls) == 2
    finally:
        sched.stop()
