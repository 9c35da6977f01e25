"""``dxdesk login``, ``logout`` and ``sync``: the client session on the command line.

The session (``sync.session``) does the work and names each failure; this module
only prints. Exit codes: ``sync.exit_codes`` (docs/cli.md).
"""

from __future__ import annotations

import argparse

from dxdesk.cli import Console, PasswordPrompt, prompt_for, read_password
from dxdesk.errors import DxdeskError
from dxdesk.first_start import load_settings
from dxdesk.identity import credentials, unlock
from dxdesk.identity.profile_tokens import ProfileTokenStore
from dxdesk.paths import Paths
from dxdesk.profile import Profile
from sync.engine import SyncSummary
from sync.exit_codes import (
    EXIT_CAPTIVE,
    EXIT_LOGIN,
    EXIT_OFFLINE,
    EXIT_OUTDATED,
    EXIT_REJECTED,
    EXIT_TLS,
    FAILURE_EXIT,
    SyncCommandError,
)
from sync.failure_messages import failure_message
from sync.progress import Notify, Progress, Retrying, RoundStarted, UploadProgress
from sync.session import ClientSession, first_sign_in
from sync.transport import TransportError

__all__ = [
    "EXIT_CAPTIVE", "EXIT_LOGIN", "EXIT_OFFLINE", "EXIT_OUTDATED", "EXIT_REJECTED", "EXIT_TLS",
    "register",
]  # fmt: skip


def _read_password(args: argparse.Namespace, prompt: str = "Mật khẩu / Password: ") -> str:
    password = read_password(prompt, from_stdin=args.password_stdin)
    if not password:
        raise DxdeskError("No password given.", None)
    return password


def cmd_login(args: argparse.Namespace, paths: Paths, console: Console) -> int:
    settings = load_settings(paths)
    tokens = credentials.choose()
    password = _read_password(args)
    previous = None
    if args.password_changed:
        previous = _read_password(args, "Mật khẩu cũ / Previous password: ")
    try:
        signed = first_sign_in(
            paths, settings, tokens, args.user, password, server_url=args.server,
            previous_password=previous, keep_key=args.remember_key,
        )  # fmt: skip
    except TransportError as exc:
        raise SyncCommandError(exc, login=True) from exc
    signed.client.profile.close()
    out = signed.login
    # Without a secure keyring the token went into the encrypted profile instead.
    kept = tokens.description if tokens.persistent else ProfileTokenStore.description
    if args.json:
        console.json(
            {
                "username": out.user.username,
                "unit_code": out.user.unit_code,
                "role": out.user.role,
                "expires_at": out.expires_at,
                "token_store": kept,
                "token_persistent": True,
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
                "Máy này không có kho khoá an toàn: phiên đăng nhập được giữ trong dữ liệu "
                "đã mã hoá, nên mỗi lần đồng bộ sẽ hỏi mật khẩu để mở dữ liệu.",
                "No secure keyring on this system: the login is kept inside your encrypted "
                "data, so each sync asks for the password that opens it.",
            )
        )
    return 0


def cmd_logout(args: argparse.Namespace, profile: Profile, console: Console) -> int:
    try:
        ClientSession(profile, credentials.choose()).logout()
    except TransportError as exc:
        raise SyncCommandError(exc) from exc
    console.print(console.vi("Đã đăng xuất.", "Logged out."))
    return 0


def _progress(console: Console, enabled: bool) -> Notify:
    """A one-line progress display on a terminal (stderr, so --json stays clean)."""

    def notify(event: Progress) -> None:
        if not enabled:
            return
        if isinstance(event, RoundStarted):
            n = event.pushing
            text = console.vi(f"Đang đồng bộ ({n} báo cáo)…", f"Syncing ({n} reports)…")
        elif isinstance(event, UploadProgress):
            pc = 100 * event.done // max(1, event.total)
            text = console.vi(f"Đang gửi tệp đính kèm: {pc}%", f"Uploading attachment: {pc}%")
        elif isinstance(event, Retrying):
            wait = f"{event.delay_s:.0f} s"
            text = console.vi(f"Mạng yếu; thử lại sau {wait}…", f"Weak network; retry in {wait}…")
        else:
            return
        console.err.write(f"\r{text:<60}")
        console.err.flush()

    return notify


def cmd_sync(args: argparse.Namespace, paths: Paths, console: Console) -> int:
    # An opener, not a handler: the password that unlocks the data (one line of
    # stdin) is the one a login needs when the token has expired.
    password = prompt_for(args)
    profile = unlock.offline(paths, args.user, password).profile
    try:
        return _sync(args, profile, console, password)
    finally:
        profile.close()


def _sync(
    args: argparse.Namespace, profile: Profile, console: Console, password: PasswordPrompt
) -> int:
    session = ClientSession(profile, credentials.choose())
    try:
        transport = session.transport()
    except TransportError as exc:
        raise SyncCommandError(exc) from exc
    try:
        summary = session.sync(
            transport,
            notify=_progress(console, console.err.isatty() and not args.json),
            password=password if args.password_stdin else None,
        )
    except TransportError as exc:  # the login before the sync was refused
        raise SyncCommandError(exc, login=True) from exc
    finally:
        transport.close()
    return _report(summary, console, args.json)


def _report(summary: SyncSummary, console: Console, as_json: bool) -> int:
    code = 0
    if summary.failure is not None:
        code = FAILURE_EXIT[summary.failure]
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
    if summary.failure is not None:
        console.error(
            failure_message(summary.failure, detail=summary.message).text(console.language)
        )
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
    p.set_defaults(opener=cmd_sync)
