"""A cut in the middle of a big attachment costs at most the chunk in flight."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

from sqlmodel import select

from dxdesk import reports
from dxdesk.identity.credentials import MemoryTokenStore
from dxdesk.reports import ReportContent
from dxdesk.store.models import Attachment, Task
from sync import client_account
from sync.engine import SyncEngine
from sync.transport import Transport
from sync.uploads import MAX_CHUNK
from tests.support.badlink import BadLink, LinkProfile
from tests.support.profiles import new_user_profile
from tests.support.server import DEMO_PASSWORD, RunningServer

SIZE = 3_000_000


def test_cut_mid_upload_resumes_from_what_the_server_holds(
    server: RunningServer, tmp_path: Path
) -> None:
    big = tmp_path / "bien-ban-hop.pdf"
    big.write_bytes(b"%PDF-1.5\n" + os.urandom(SIZE - 9))
    profile = new_user_profile(tmp_path / "officer")
    link_profile = LinkProfile(latency_s=0.01, up_bps=20_000_000, down_bps=20_000_000)
    with BadLink(server.port, link_profile) as link:
        transport = Transport(link.url)
        with profile.db.session() as session:
            client_account.login(session, transport, MemoryTokenStore(), "cb.halong", DEMO_PASSWORD)
        engine = SyncEngine(profile.db, profile.attachments, transport, sleep=lambda _s: None)
        assert engine.run().failure is None  # tasks
        with profile.db.session() as session:
            task = session.exec(select(Task)).first()
            assert task is not None
            draft = reports.create_draft(session, task, ReportContent(progress=50, results="x"))
            reports.attach(session, profile.attachments, draft.id, big, profile.limits)
            reports.finalize(session, profile.attachments, draft.id)

        start_up = link.stats.bytes_up

        def cut_halfway() -> None:
            while link.stats.bytes_up - start_up < SIZE // 2:
                time.sleep(0.002)
            link.cut_all()

        cutter = threading.Thread(target=cut_halfway, daemon=True)
        cutter.start()
        summary = engine.run()  # the engine retries after the cut, and resumes
        cutter.join(timeout=10)
        transport.close()
        sent = link.stats.bytes_up - start_up

    assert summary.failure is None, summary.message
    assert summary.accepted == 1
    assert link.stats.cuts >= 1
    # Everything sent beyond the file itself: one chunk at most, plus protocol.
    assert sent - SIZE < MAX_CHUNK + 64_000
    sha = hashlib.sha256(big.read_bytes()).hexdigest()
    with profile.db.session() as session:
        rows = session.exec(select(Attachment).where(Attachment.sha256 == sha)).all()
        assert [row.uploaded_bytes for row in rows] == [SIZE]
    on_server = [r for r in server.reports() if r["id"] == draft.id]
    assert on_server[0]["complete"] is True
    profile.close()
