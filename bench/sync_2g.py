"""Sync over 2G-like links: our engine against a one-request-per-report client and
against the link's physical limit. Not a test: prints a Markdown table.

    uv run python bench/sync_2g.py            # everything (about 25 minutes)
    uv run python bench/sync_2g.py --quick    # EDGE only, fewer photos

Links are emulated by tests/support/badlink.py (latency, per-direction bandwidth);
the server is the real `dxdesk-server` process on 127.0.0.1 with SQLite.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlmodel import select

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dxdesk import reports  # noqa: E402
from dxdesk.identity import device  # noqa: E402
from dxdesk.identity.credentials import MemoryTokenStore  # noqa: E402
from dxdesk.paths import Paths  # noqa: E402
from dxdesk.profile import Profile, open_profile  # noqa: E402
from dxdesk.reports import ReportContent  # noqa: E402
from dxdesk.store.models import Report, Task  # noqa: E402
from sync import client_account  # noqa: E402
from sync.engine import SyncEngine, SyncSummary  # noqa: E402
from sync.transport import Transport  # noqa: E402
from sync.uploads import FIRST_CHUNK, MAX_CHUNK  # noqa: E402
from tests.support.badlink import EDGE, GPRS, BadLink, LinkProfile  # noqa: E402
from tests.support.server import DEMO_PASSWORD, RunningServer  # noqa: E402

RESULTS = (
    "Đã số hoá {a}/1.200 hồ sơ lưu trữ của Đảng uỷ xã",
    "hoàn thành danh mục tra cứu cho {b} phông tài liệu",
    "tổ chức {c} buổi hướng dẫn cán bộ sử dụng hệ thống",
    "{d}% văn bản đi, đến được xử lý trên môi trường điện tử",
    "rà soát {a} đảng viên, cập nhật {b} hồ sơ thay đổi",
    "khảo sát {c} thôn, bản; {b} thôn chưa có sóng di động",
)
DIFFICULTIES = (
    "Mất điện {c} ngày trong tuần",
    "sóng di động yếu tại trụ sở",
    "máy quét hỏng {c} lần",
    "thiếu cán bộ chuyên trách công nghệ thông tin",
    "đường vào thôn bị sạt lở sau mưa lớn",
)


def typical(n: int) -> ReportContent:
    """A realistic report: varied wording and numbers, so gzip cannot cheat."""
    rng = random.Random(n)  # noqa: S311 (repeatable test data, not secrets)
    values = {"a": rng.randint(100, 1200), "b": rng.randint(1, 40), "c": rng.randint(1, 9),
              "d": rng.randint(10, 100)}  # fmt: skip
    results = "; ".join(p.format(**values) for p in rng.sample(RESULTS, 3)) + "."
    difficulties = "; ".join(p.format(**values) for p in rng.sample(DIFFICULTIES, 2)) + "."
    return ReportContent(
        progress=values["d"],
        results=results[0].upper() + results[1:],
        difficulties=difficulties[0].upper() + difficulties[1:],
        proposals=f"Đề nghị tỉnh hỗ trợ {values['c']:02d} máy quét và bộ lưu điện cho trụ sở xã.",
        indicator_values={"HS": values["a"]},
    )


@dataclass
class Run:
    seconds: float
    up: int
    down: int
    requests: int


def make_profile(folder: Path, server: RunningServer, user: str) -> tuple[Profile, Transport]:
    profile = open_profile(Paths.under(folder))
    transport = Transport(server.url)
    with profile.db.session() as session:
        client_account.login(session, transport, MemoryTokenStore(), user, DEMO_PASSWORD)
    SyncEngine(profile.db, profile.attachments, transport).run()  # pull tasks, fast link
    transport.close()
    return profile, transport


def queue(profile: Profile, count: int, photos: list[Path] | None = None) -> list[str]:
    ids = []
    with profile.db.session() as session:
        task = session.exec(select(Task)).first()
        assert task is not None
        for n in range(count):
            draft = reports.create_draft(session, task, typical(n), author="Nguyễn Thị Hoa")
            if photos:
                limits = profile.limits
                reports.attach(session, profile.attachments, draft.id, photos[n], limits)
            ids.append(reports.finalize(session, profile.attachments, draft.id).id)
    return ids


def ours(profile: Profile, token: str, link: BadLink) -> tuple[Run, SyncSummary]:
    transport = Transport(link.url, read_timeout_s=600)
    transport.token = token
    before = (link.stats.bytes_up, link.stats.bytes_down)
    started = time.monotonic()
    summary = SyncEngine(profile.db, profile.attachments, transport).run()
    seconds = time.monotonic() - started
    transport.close()
    assert summary.failure is None, summary.message
    run = Run(
        seconds,
        link.stats.bytes_up - before[0],
        link.stats.bytes_down - before[1],
        transport.traffic.requests,
    )
    return run, summary


def one_request_per_report(profile: Profile, token: str, link: BadLink) -> Run:
    """ODK Collect's way: one HTTP request per record, body not compressed."""
    with profile.db.session() as session:
        pending = [
            (r, reports.attachments_of(session, r.id))
            for r in session.exec(select(Report).where(Report.state == "queued"))
        ]
        registered = device.registered_device(session)
        key = device.signing_key(session)
        bodies = []
        for report, attachments in pending:  # signed as they leave, as the engine does
            reports.sign_for_sending(session, report, key, registered)
            body = {**reports.canonical_body(report, attachments)}
            body["content_sha256"] = report.content_sha256
            body["signature"], body["device_id"] = report.signature, registered
            bodies.append((body, [a.sha256 for a in attachments]))
        session.commit()
    http = requests.Session()
    http.headers.update({"Authorization": f"Bearer {token}", "X-Dxdesk-Protocol": "1"})
    before = (link.stats.bytes_up, link.stats.bytes_down)
    started = time.monotonic()
    count = 0
    for body, shas in bodies:
        response = http.post(f"{link.url}/api/v1/sync", json={"reports": [body]}, timeout=600)
        response.raise_for_status()
        count += 1
        for sha in shas:
            data = profile.attachments.path_for(sha).read_bytes()
            put = http.put(
                f"{link.url}/api/v1/blobs/{sha}",
                params={"offset": 0, "size": len(data)},
                data=data,
                headers={"Content-Type": "application/octet-stream"},
                timeout=600,
            )
            put.raise_for_status()
            count += 1
    seconds = time.monotonic() - started
    http.close()
    return Run(seconds, link.stats.bytes_up - before[0], link.stats.bytes_down - before[1], count)


def physical_limit(run: Run, link: LinkProfile, round_trips: int) -> float:
    assert link.up_bps and link.down_bps
    return run.up * 8 / link.up_bps + run.down * 8 / link.down_bps + round_trips * link.round_trip_s


def photo_files(folder: Path, count: int, size: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"anh-{n}-{uuid.uuid4().hex[:6]}.jpg"
        path.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(size - 4))  # photos do not compress
        paths.append(path)
    return paths


def scenario(
    server: RunningServer,
    base: Path,
    name: str,
    link_profile: LinkProfile,
    user: str,
    count: int,
    photo_size: int | None,
) -> dict[str, object]:
    results: dict[str, object] = {"scenario": name}
    runs = {}
    for style in ("dxdesk", "one-per-report"):
        folder = base / f"{name}-{style}"
        profile, _ = make_profile(folder / "profile", server, user)
        photos = photo_files(folder / "photos", count, photo_size) if photo_size else None
        queue(profile, count, photos)
        transport = Transport(server.url)
        with profile.db.session() as session:
            out = client_account.login(session, transport, MemoryTokenStore(), user, DEMO_PASSWORD)
        transport.close()
        with BadLink(server.port, link_profile) as link:
            if style == "dxdesk":
                run, summary = ours(profile, out.token, link)
                assert summary.accepted == count, summary
                results["rounds"] = summary.rounds
            else:
                run = one_request_per_report(profile, out.token, link)
        runs[style] = run
        profile.close()
    mine, odk = runs["dxdesk"], runs["one-per-report"]
    # The fewest request/response exchanges the protocol allows: one sync round for
    # reports; with photos, the round that declares them, one PUT per photo and the
    # round that confirms. (The emulator does not delay TCP handshakes, so they
    # cost nothing here and are not counted.)
    minimum_rtts = 1 + (count + 1 if photo_size else 0)
    limit = physical_limit(mine, link_profile, minimum_rtts)
    results |= {
        "dxdesk_s": round(mine.seconds, 1),
        "one_per_report_s": round(odk.seconds, 1),
        "speedup": round(odk.seconds / mine.seconds, 1),
        "physical_limit_s": round(limit, 1),
        "vs_limit": round(mine.seconds / limit, 2),
        "dxdesk_bytes_up": mine.up,
        "dxdesk_bytes_down": mine.down,
        "dxdesk_requests": mine.requests,
        "one_per_report_bytes_up": odk.up,
        "one_per_report_requests": odk.requests,
    }
    if not photo_size:
        results["wire_bytes_per_report_up"] = round(mine.up / count)
    return results


def cut_mid_attachment(server: RunningServer, base: Path, size: int) -> dict[str, object]:
    """A 5 MB attachment, the connection cut halfway: how much is sent twice?"""
    link_profile = LinkProfile(latency_s=0.05, up_bps=8_000_000, down_bps=8_000_000)
    sent: dict[str, int] = {}
    for mode in ("clean", "cut"):
        folder = base / f"cut-{mode}"
        profile, _ = make_profile(folder / "profile", server, "cb.coto")
        queue(profile, 1, photo_files(folder / "photos", 1, size))
        transport = Transport(server.url)
        with profile.db.session() as session:
            out = client_account.login(
                session, transport, MemoryTokenStore(), "cb.coto", DEMO_PASSWORD
            )
        transport.close()
        with BadLink(server.port, link_profile) as link:
            cutter = None
            if mode == "cut":

                def cut_halfway(link: BadLink = link) -> None:
                    while link.stats.bytes_up < size // 2:
                        time.sleep(0.005)
                    link.cut_all()

                cutter = threading.Thread(target=cut_halfway, daemon=True)
                cutter.start()
            run, summary = ours(profile, out.token, link)
            assert summary.accepted == 1, summary
            if cutter is not None:
                cutter.join(timeout=5)
            sent[mode] = run.up
        profile.close()
    return {
        "attachment_bytes": size,
        "bytes_up_clean": sent["clean"],
        "bytes_up_with_cut": sent["cut"],
        "resent_bytes": sent["cut"] - sent["clean"],
        "chunk_range": f"{FIRST_CHUNK}–{MAX_CHUNK}",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="dxbench-"))
    server = RunningServer(base / "server").start()
    rows: list[dict[str, object]] = []
    try:
        links = [("EDGE", EDGE, "cb.binhlieu")] + (
            [] if args.quick else [("GPRS", GPRS, "cb.bache")]
        )
        for name, link, user in links:
            rows.append(scenario(server, base, f"{name} 200 reports", link, user, 200, None))
            photos = 3 if args.quick else 10
            rows.append(
                scenario(
                    server, base, f"{name} {photos}×200 KB photos", link, user, photos, 200_000
                )
            )
        cut = cut_mid_attachment(server, base, 5_000_000)
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    print(json.dumps(cut))
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "cut": cut}, ensure_ascii=False, indent=1))
    digest = hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:8]
    print(f"run {digest} finished")


if __name__ == "__main__":
    main()
