"""Finalizes reports in a loop until killed; prints each id once finalize returned.

Run by test_crash.py, which SIGKILLs it at random moments.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from dxdesk import reports, tasks
from dxdesk.paths import Paths
from dxdesk.profile import open_profile
from dxdesk.reports import ReportContent


def main(home: str, attachment: str) -> None:
    profile = open_profile(Paths.under(Path(home)))
    with profile.db.session() as session:
        task = tasks.upsert(
            session,
            {"id": "crash-task", "code": "NV-CRASH", "title": "Thử mất điện", "unit_code": "U"},
        )
        session.commit()
        # The parent times its kill from here, not from process start, so a slow machine
        # cannot make it kill before anything was finalized.
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        n = 0
        while True:
            n += 1
            body = f"Báo cáo số {n} – {uuid.uuid4()}"
            draft = reports.create_draft(
                session, task, ReportContent(progress=n % 101, results=body)
            )
            if n % 3 == 0:
                reports.attach(
                    session, profile.attachments, draft.id, Path(attachment), profile.limits
                )
            final = reports.finalize(session, profile.attachments, draft.id)
            sys.stdout.write(f"{final.id}\t{final.content_sha256}\t{body}\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
