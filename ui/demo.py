"""``dxdesk demo``: a local demo server, a demo officer, and the app connected to it.

Starts ``dxdesk-server`` on 127.0.0.1 with the demo data in an embedded SQLite
database under the profile's ``demo-server/`` folder, logs in ``cb.binhlieu`` and
opens the window. Without a display the same flow runs headless and prints what
happened. ``--local`` only loads the demo tasks into the profile (no server).

The demo's data stays from one run to the next: the server keeps the port it had
(its address is part of the officer's identity here), and when that port is taken
the officer's folder follows the server to its new one. The server process ends
with the app: on Ctrl+C and SIGTERM (said, no traceback), and on a crash or a kill
(the kernel stops it, see ``sync.local_server``). On the first run a report of the
officer's comes back "returned" with a reviewer's comment (``ui.demo_returned``).
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from dxdesk import cli as core_cli
from dxdesk.cli import Console
from dxdesk.errors import DxdeskError
from dxdesk.first_start import load_settings
from dxdesk.identity import credentials, users
from dxdesk.identity.credentials import TokenStore
from dxdesk.paths import Paths
from sync.failure_messages import failure_message
from sync.local_server import LocalServer, port_is_free
from sync.session import ClientSession, SignedIn, first_sign_in
from sync.transport import TransportError
from ui.demo_returned import ensure_returned_report
from ui.display import has_display
from ui.options import WindowOptions

DEMO_USER = "cb.binhlieu"
DEMO_PASSWORD = "canbo-demo-2026"  # noqa: S105 (printed by `dxdesk-server demo`)
# The province's demo reviewer, for the web console (sync/server/demo.py makes it).
DEMO_REVIEWER = "ld.qn"
DEMO_REVIEWER_PASSWORD = "lanhdao-demo-2026"  # noqa: S105 (printed by `dxdesk-server demo`)
CONSOLE_PATH = "/console/"


PORT_FILE = "port"  # in the demo server's folder: the port of its last run


def demo_server(folder: Path) -> LocalServer:
    """The demo server, on the port it had last time when that port is free."""
    try:
        last = int((folder / PORT_FILE).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        last = 0
    port = last if 0 < last < 65536 and port_is_free(last) else None
    return LocalServer(folder, port=port)


def remember_port(server: LocalServer) -> None:
    (server.folder / PORT_FILE).write_text(f"{server.port}\n", encoding="ascii")


def follow_server(paths: Paths, server_url: str) -> None:
    """The demo officer known at an earlier port of this local server moves to its
    address now, so the same folder (drafts, queued reports) opens, and the lock
    screen keeps one entry instead of one per port."""
    index = users.UserIndex(paths)
    if index.find(DEMO_USER, server_url) is not None:
        return
    for known in index.all():
        loopback = urlsplit(known.server_url).hostname == "127.0.0.1"
        if known.username == DEMO_USER and loopback:
            index.move(known, server_url)
            return


@contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """SIGTERM stops the demo as Ctrl+C does: the server is stopped on the way out."""
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def login(paths: Paths, server: LocalServer, tokens: TokenStore) -> tuple[SignedIn, str]:
    """The demo officer's profile, logged in (and its key kept for the demo's sake)."""
    signed = first_sign_in(
        paths, load_settings(paths), tokens, DEMO_USER, DEMO_PASSWORD,
        server_url=server.url, keep_key=True,
    )  # fmt: skip
    out = signed.login
    return signed, f"{out.user.username} ({out.user.unit_code})"


def headless(client: ClientSession, server: LocalServer, console: Console) -> int:
    profile = client.profile
    transport = client.transport(server.url)
    try:
        summary = client.sync(transport)
    finally:
        transport.close()
    if summary.failure is not None:
        console.error(
            failure_message(summary.failure, detail=summary.message).text(console.language)
        )
        return 10
    console.print(
        console.vi(
            f"Đã đồng bộ: nhận {summary.pulled_tasks} nhiệm vụ, gửi {summary.accepted} báo cáo.",
            f"Synced: {summary.pulled_tasks} tasks received, {summary.accepted} reports sent.",
        )
    )
    args = argparse.Namespace(overdue=False, due_soon=False, search=None, json=False, all=False)
    code = core_cli.cmd_tasks(args, profile, console)
    return code or core_cli.cmd_outbox(args, profile, console)


def cmd_demo(args: argparse.Namespace, paths: Paths, console: Console) -> int:
    if args.local:
        local = core_cli.local_demo_profile(paths)
        try:
            return core_cli.cmd_demo(args, local, console)
        finally:
            local.close()
    with interrupt_on_sigterm():
        try:
            return _run(args, paths, console)
        except KeyboardInterrupt:
            console.print(console.vi("Đã dừng bản mẫu.", "Demo stopped."))
            return 130


def _run(args: argparse.Namespace, paths: Paths, console: Console) -> int:
    server = demo_server(paths.data.parent / "demo-server")
    console.print(console.vi("Đang khởi động máy chủ mẫu…", "Starting the demo server…"))
    server.start()
    try:
        remember_port(server)
        follow_server(paths, server.url)
        tokens = credentials.choose()
        try:
            signed, who = login(paths, server, tokens)
            ensure_returned_report(
                signed.client.profile, tokens, server.url, (DEMO_REVIEWER, DEMO_REVIEWER_PASSWORD)
            )
        except TransportError as exc:
            raise DxdeskError(f"demo login failed: {exc}") from exc
        try:
            return _show(args, signed, server, tokens, console, who)
        finally:
            signed.client.profile.close()  # closing twice is harmless
    finally:
        server.stop()


def _show(
    args: argparse.Namespace,
    signed: SignedIn,
    server: LocalServer,
    tokens: TokenStore,
    console: Console,
    who: str,
) -> int:
    console.print(
        console.vi(f"Máy chủ mẫu: {server.url} · đăng nhập {who}",
                   f"Demo server: {server.url} · logged in as {who}")
    )  # fmt: skip
    # The lock screen asks for it after "Lock" or the next start.
    console.print(
        console.vi(f"Mật khẩu của {DEMO_USER}: {DEMO_PASSWORD}",
                   f"{DEMO_USER}'s password: {DEMO_PASSWORD}")
    )  # fmt: skip
    reviewer = f"{DEMO_REVIEWER} / {DEMO_REVIEWER_PASSWORD}"
    console.print(
        console.vi(f"Trang tổng hợp cho lãnh đạo: {server.url}{CONSOLE_PATH} · {reviewer}",
                   f"Reviewer console: {server.url}{CONSOLE_PATH} · {reviewer}")
    )  # fmt: skip
    if args.headless or not has_display():
        if not args.headless:
            console.print(
                console.vi(
                    "Không có màn hình (chưa đặt DISPLAY/WAYLAND_DISPLAY): chạy dòng lệnh.",
                    "No display (DISPLAY/WAYLAND_DISPLAY unset): running headless.",
                )
            )
        return headless(signed.client, server, console)
    from ui.app import run  # noqa: PLC0415
    from ui.lock.unlocking import UserSession  # noqa: PLC0415

    # Straight to the demo officer's window; "Lock" then leads to the lock screen.
    opened = UserSession(signed.client, signed.unlocked)
    options = WindowOptions(args.home, args.lang, args.verbose, args.user)
    return run(options, opened)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="open dxdesk connected to a local demo server")
    p.add_argument("--local", action="store_true", help="only load demo tasks, no server")
    p.add_argument("--unit", help="with --local: only this unit's tasks")
    p.add_argument("--headless", action="store_true", help="no window even with a display")
    p.add_argument("--json", action="store_true", help="with --local: machine-readable output")
    p.set_defaults(opener=cmd_demo)
