"""``dxdesk login``, ``logout`` and ``sync``: the sync engine on the command line
(and, through ``sync.bundle_cli``, the USB stick commands).

Exit codes beyond the core's (docs/cli.md): 10 the server cannot be reached
(nothing lost, everything still queued) · 11 login needed · 12 some reports were
rejected (see ``dxdesk outbox``) · 13 this network needs sign-in in a browser ·
14 the server's certificate is not trusted · 15 this dxdesk is too old for the server.
"""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

from dxdesk import credentials, device
from dxdesk.cli import Console, read_password
from dxdesk.errors import DxdeskError
from dxdesk.first_start import load_settings
from dxdesk.paths import Paths
from dxdesk.profile import Profile
from dxdesk.settings import Settings
from dxdesk.settings import save as save_settings
from sync import account
from sync.engine import SyncEngine, SyncSummary
from sync.protocol import OkOut
from sync.signin import sign_in
from sync.transport import Failure, Transport, TransportError

EXIT_OFFLINE = 10
EXIT_LOGIN = 11
EXIT_REJECTED = 12
EXIT_CAPTIVE = 13
EXIT_TLS = 14
EXIT_OUTDATED = 15

FAILURE_EXIT = {
    Failure.OFFLINE: EXIT_OFFLINE,
    Failure.SERVER: EXIT_OFFLINE,
    Failure.AUTH: EXIT_LOGIN,
    Failure.CAPTIVE_PORTAL: EXIT_CAPTIVE,
    Failure.TLS: EXIT_TLS,
    Failure.OUTDATED: EXIT_OUTDATED,
    Failure.CONFIG: 2,
    Failure.REJECTED: 1,
}


class SyncCommandError(DxdeskError):
    def __init__(self, error: TransportError) -> None:
        super().__init__(str(error))
        self.exit_code = FAILURE_EXIT[error.failure]


def _read_password(args: argparse.Namespace, prompt: str = "Mật khẩu / Password: ") -> str:
    password = read_password(prompt, from_stdin=args.password_stdin)
    if not password:
        raise DxdeskError("No password given.", None)
    return password


def _transport(profile: Profile | Settings, server_url: str | None = None) -> Transport:
    settings = profile if isinstance(profile, Settings) else profile.settings
    url = server_url or settings.server_url
    if not url:
        raise DxdeskError(
            "No server is set up: run dxdesk login --server https://… --user NAME first."
        )
    try:
        return Transport(
            url,
            ca_bundle=settings.ca_bundle or None,
            allow_http=settings.allow_http,
            connect_timeout_s=settings.connect_timeout_s,
            read_timeout_s=settings.read_timeout_s,
        )
    except TransportError as exc:
        raise SyncCommandError(exc) from exc


def cmd_login(args: argparse.Namespace, paths: Paths, console: Console) -> int:
    settings = load_settings(paths)
    transport = _transport(settings, args.server)
    tokens = credentials.choose()
    password = _read_password(args)
    previous = None
    if args.password_changed:
        previous = _read_password(args, "Mật khẩu cũ / Previous password: ")
    try:
        signed = sign_in(
            paths, settings, transport, tokens, args.user, password,
            previous_password=previous, keep_key=args.remember_key,
        )  # fmt: skip
    except TransportError as exc:
        raise SyncCommandError(exc) from exc
    finally:
        transport.close()
    signed.profile.close()
    out = signed.login
    if settings.server_url != transport.base_url:
        settings.server_url = transport.base_url
        save_settings(settings, paths.settings_file)
    if args.json:
        console.json(
            {
                "username": out.user.username,
                "unit_code": out.user.unit_code,
                "role": out.user.role,
                "expires_at": out.expires_at,
                "token_store": tokens.description,
                "token_persistent": tokens.persistent,
            }
        )
    else:
        console.print(
            console.vi(
                f"Đã đăng nhập {out.user.username} ({out.user.unit_code}).",
                f"Logged in as {out.user.username} ({out.user.unit_code}).",
            )
        )
    if not tokens.persistent:
        console.error(
            console.vi(
                "Máy này không có kho khoá an toàn: phiên đăng nhập chỉ giữ trong lần chạy này.",
                "No secure keyring on this system: the login lasts for this process only.",
            )
        )
    return 0


def cmd_logout(args: argparse.Namespace, profile: Profile, console: Console) -> int:
    tokens = credentials.choose()
    transport = _transport(profile)
    with profile.db.session() as session:
        transport.token = account.token_for(session, transport.base_url, tokens)
        if transport.token:
            # Revoke on the server when it can be reached; forget locally anyway.
            with contextlib.suppress(TransportError):
                transport.call("POST", "/auth/logout", OkOut)
        account.forget_token(session, transport.base_url, tokens)
    transport.close()
    console.print(console.vi("Đã đăng xuất.", "Logged out."))
    return 0


def _progress(console: Console, enabled: bool) -> Any:
    """A one-line progress display on a terminal (stderr, so --json stays clean)."""

    def notify(event: str, data: dict[str, Any]) -> None:
        if not enabled:
            return
        if event == "round":
            n = data["pushing"]
            text = console.vi(f"Đang đồng bộ ({n} báo cáo)…", f"Syncing ({n} reports)…")
        elif event == "upload_progress":
            pc = 100 * data["done"] // max(1, data["total"])
            text = console.vi(f"Đang gửi tệp đính kèm: {pc}%", f"Uploading attachment: {pc}%")
        elif event == "retry":
            wait = f"{data['delay_s']:.0f} s"
            text = console.vi(f"Mạng yếu; thử lại sau {wait}…", f"Weak network; retry in {wait}…")
        else:
            return
        console.err.write(f"\r{text:<60}")
        console.err.flush()

    return notify


def cmd_sync(args: argparse.Namespace, profile: Profile, console: Console) -> int:
    tokens = credentials.choose()
    transport = _transport(profile)
    try:
        with profile.db.session() as session:
            who = account.current(session)
            transport.token = account.token_for(session, transport.base_url, tokens)
            if not transport.token and args.password_stdin and who is not None:
                password = getattr(args, "stdin_password", None) or _read_password(args)
                account.login(
                    session, transport, tokens, who.username, password,
                    device_id=device.device_id(profile.paths),
                    pinned_server_key=profile.settings.server_public_key or None,
                )  # fmt: skip
        if not transport.token:
            raise SyncCommandError(
                TransportError(
                    Failure.AUTH,
                    "Login needed: run dxdesk login (nothing was lost; reports stay queued).",
                )
            )
        engine = SyncEngine(
            profile.db,
            profile.attachments,
            transport,
            actor=who.username if who else "",
            notify=_progress(console, console.err.isatty() and not args.json),
        )
        summary = engine.run()
    except TransportError as exc:
        raise SyncCommandError(exc) from exc
    finally:
        transport.close()
    if summary.failure == Failure.AUTH.value:
        with profile.db.session() as session:
            account.forget_token(session, transport.base_url, tokens)
    return _report(summary, console, args.json)


def _report(summary: SyncSummary, console: Console, as_json: bool) -> int:
    code = 0
    if summary.failure is not None:
        code = FAILURE_EXIT[Failure(summary.failure)]
    elif summary.rejected:
        code = EXIT_REJECTED
    if as_json:
        console.json({**summary.as_json(), "exit_code": code})
    else:
        if console.err.isatty():
            console.err.write("\r")
        console.print(
            console.vi(
                f"Đã gửi {summary.accepted} báo cáo, bị từ chối {summary.rejected}, "
                f"nhận {summary.pulled_tasks} cập nhật nhiệm vụ; còn chờ {summary.still_queued}.",
                f"Sent {summary.accepted} reports, {summary.rejected} rejected, "
                f"{summary.pulled_tasks} task updates received; {summary.still_queued} waiting.",
            )
        )
    if summary.clock_warning and summary.clock_offset_s is not None:
        minutes = f"{abs(summary.clock_offset_s) / 60:.0f}"
        console.error(
            console.vi(
                f"Đồng hồ máy tính lệch {minutes} phút so với máy chủ; "
                "thời hạn được tính theo giờ máy chủ.",
                f"This computer's clock is {minutes} minutes off the server's; "
                "deadlines follow the server's clock.",
            )
        )
    if summary.failure is not None and summary.message:
        console.error(summary.message)
    return code


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("login", help="log in to the tracking server")
    p.add_argument("--server", help="server address, e.g. https://dx.example.gov.vn")
    p.add_argument("--user", required=True)
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.add_argument(
        "--password-changed",
        action="store_true",
        help="the password was changed on the server: also ask for the previous one "
        "(with --password-stdin: the second line)",
    )
    p.add_argument(
        "--remember-key",
        action="store_true",
        help="keep the data key in the OS keyring: this user's data then opens without "
        "the password (only on a PC nobody else uses)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(opener=cmd_login)

    p = sub.add_parser("logout", help="forget the login on this computer")
    p.set_defaults(handler=cmd_logout)

    p = sub.add_parser("sync", help="send queued reports and fetch task changes")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--password-stdin", action="store_true", help="log in first when needed (scripts)"
    )
    p.set_defaults(handler=cmd_sync)

    # USB stick commands build on this module (its transport and exit codes).
    from sync import bundle_cli  # noqa: PLC0415

    bundle_cli.register(sub)
