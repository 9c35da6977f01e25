"""Auto-sync when the connection returns: the scheduler, the real engine, the real
server, and a link that drops out."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from dxdesk import reports
from dxdesk.identity.credentials import MemoryTokenStore
from dxdesk.reports import ReportContent
from dxdesk.store.models import Report, ReportState, Task
from sync import client_account
from sync.backoff import Backoff
from sync.engine import SyncEngine
from sync.scheduler import Connectivity, SyncScheduler
from sync.transport import Transport
from tests.support.badlink import BadLink, LinkProfile
from tests.support.profiles import new_user_profile
from tests.support.server import DEMO_PASSWORD, RunningServer
from tests.unit.test_scheduler import wait_until


def test_queued_reports_go_out_by_themselves_when_the_link_returns(
    server: RunningServer, tmp_path: Path
) -> None:
    profile = new_user_profile(tmp_path / "officer")
    with BadLink(server.port, LinkProfile(latency_s=0.02)) as link:
        transport = Transport(link.url, connect_timeout_s=2, read_timeout_s=5)
        with profile.db.session() as session:
            client_account.login(session, transport, MemoryTokenStore(), "cb.coto", DEMO_PASSWORD)
        engine = SyncEngine(
            profile.db, profile.attachments, transport, max_attempts=1, sleep=lambda _s: None
        )
        scheduler = SyncScheduler(
            engine.run,
            transport.ping,
            debounce_s=0.05,
            periodic_s=0,
            backoff=Backoff(base_s=0.2, cap_s=0.5),
        )
        scheduler.start()
        try:
            scheduler.request_sync(now=True)
            wait_until(lambda: scheduler.status.connectivity is Connectivity.ONLINE)

            link.update(offline=True)
            link.cut_all()
            with profile.db.session() as session:
                task = session.exec(select(Task)).first()
                assert task is not None
                for n in range(3):
                    draft = reports.create_draft(
                        session, task, ReportContent(progress=n, results=f"Mất sóng {n}")
                    )
                    reports.finalize(session, profile.attachments, draft.id)
            scheduler.request_sync()
            wait_until(lambda: scheduler.status.connectivity is Connectivity.OFFLINE)

            link.update(offline=False)  # signal is back; nobody presses anything

            def all_accepted() -> bool:
                with profile.db.session() as session:
                    states = {r.state for r in session.exec(select(Report))}
                return states == {ReportState.ACCEPTED}

            wait_until(all_accepted, timeout=30)
            # The round that accepted them reports back just after its commit.
            wait_until(lambda: scheduler.status.connectivity is Connectivity.ONLINE)
        finally:
            scheduler.stop()
            transport.close()
            profile.close()
