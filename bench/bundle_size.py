"""How big a USB bundle is: bytes per report and per attachment byte.

    uv run --frozen python bench/bundle_size.py

Reports carry the same realistic Vietnamese text as bench/sync_2g.py (varied
wording and numbers, so compression cannot cheat). Attachments are random bytes,
which compress like the JPEG photos and PDFs officers attach (not at all). Each
bundle is written by the real ``export-bundle`` code from an encrypted profile:
signed, sealed to a server key, with its manifest. For comparison, the gzip body of
one sync round carrying the same reports. Prints Markdown tables.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlmodel import col, select

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from sync_2g import typical  # noqa: E402

from dxdesk import clock, demo_data, reports, sealing  # noqa: E402
from dxdesk.identity import device, trusted_server_key  # noqa: E402
from dxdesk.profile import Profile  # noqa: E402
from dxdesk.reports import ReportContent  # noqa: E402
from dxdesk.store.models import Task  # noqa: E402
from sync.bundle_export import export_bundle  # noqa: E402
from sync.engine import pending_reports, wire_body  # noqa: E402
from tests.support.profiles import new_user_profile  # noqa: E402

SERVER_KEY = sealing.public_key_text(sealing.generate())


def fresh_profile(folder: Path) -> Profile:
    profile = new_user_profile(folder, "cb.binhlieu")
    with profile.db.session() as session:
        demo_data.load(session, clock.reference_date(None))
        device.mark_registered(session, str(uuid.uuid4()), device.signing_key(session))
        trusted_server_key.remember(session, SERVER_KEY)
        session.commit()
    return profile


def queue(profile: Profile, count: int, *, secret: bool = False, photo: Path | None = None) -> None:
    with profile.db.session() as session:
        task = session.exec(select(Task).order_by(col(Task.code))).first()
        assert task is not None
        for n in range(count):
            content: ReportContent = typical(n)
            if secret:
                content.classification = "secret"
            draft = reports.create_draft(session, task, content, author="Nguyễn Thị Hoa")
            if photo is not None:
                reports.attach(session, profile.attachments, draft.id, photo, profile.limits)
            reports.finalize(session, profile.attachments, draft.id)


def sync_body_bytes(profile: Profile) -> int:
    """The gzip body a sync round would send for the same reports."""
    with profile.db.session() as session:
        key, registered = device.signing_key(session), device.registered_device(session)
        bodies = [
            wire_body(session, r, key, registered).model_dump(mode="json")
            for r in pending_reports(session)
        ]
        session.rollback()
    raw = json.dumps({"cursor": None, "reports": bodies, "limit": 500}, ensure_ascii=False)
    return len(gzip.compress(raw.encode("utf-8"), compresslevel=6))


def measure(
    folder: Path, count: int, *, secret: bool = False, photo: Path | None = None
) -> dict[str, float]:
    profile = fresh_profile(folder)
    try:
        queue(profile, count, secret=secret, photo=photo)
        sync_bytes = sync_body_bytes(profile)
        started = time.perf_counter()
        result = export_bundle(profile, folder / "out.dxbundle")
        seconds = time.perf_counter() - started
    finally:
        profile.close()
    return {"size": result.size, "sync": sync_bytes, "seconds": seconds,
            "attachment_bytes": result.attachment_bytes}  # fmt: skip


def main() -> None:
    print("Reports without attachments\n")
    print(
        "| reports | kind | bundle bytes | bytes/report | sync round gzip bytes/report | export s |"
    )
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for count, secret in ((1, False), (10, False), (100, False), (500, False), (100, True)):
            m = measure(root / f"r{count}{secret}", count, secret=secret)
            kind = "classified (sealed)" if secret else "normal"
            print(f"| {count} | {kind} | {m['size']:,.0f} | {m['size'] / count:,.0f} | "
                  f"{m['sync'] / count:,.0f} | {m['seconds']:.2f} |")  # fmt: skip

        print("\nOne report with one attachment (random bytes, like a JPEG)\n")
        print("| attachment | bundle bytes | bytes added by it | added per attachment byte "
              "| bundle / attachment | export s |")  # fmt: skip
        print("|---|---|---|---|---|---|")
        base = measure(root / "base", 1)["size"]
        for size in (10_000, 100_000, 1_000_000, 10_000_000):
            photo = root / f"anh-{size}.jpg"
            photo.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(size - 4))
            m = measure(root / f"a{size}", 1, photo=photo)
            added = m["size"] - base
            print(f"| {size:,} B | {m['size']:,.0f} | {added:,.0f} | {added / size:.6f} | "
                  f"{m['size'] / size:.4f} | {m['seconds']:.2f} |")  # fmt: skip
        print(f"\n(The same report without the attachment: a {base:,.0f}-byte bundle.)")


if __name__ == "__main__":
    main()
