"""The ``dxdesk`` command: the desktop app, and the same work headless.

Exit codes (stable, documented in docs/cli.md):
0 success · 1 unexpected error (a bug; details in the log) · 2 invalid input ·
3 not found · 4 the local store cannot be used · 5 the data stays locked (wrong or
missing password, or too many wrong tries) · 6 nothing can be written here: the disk
is full, or the profile's folder is read-only or not permitted.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from dxdesk import (
    __version__,
    clock,
    demo_data,
    disk,
    local_state,
    logsetup,
    provisioning,
    reports,
    tasks,
)
from dxdesk.errors import DxdeskError, StorageError
from dxdesk.first_start import load_settings as load_profile_settings
from dxdesk.identity import credentials, unlock, users
from dxdesk.messages import DEFAULT_LANGUAGE, LANGUAGES
from dxdesk.paths import Paths
from dxdesk.profile import Profile, open_profile
from dxdesk.settings import load as load_settings
from dxdesk.settings import save as save_settings
from dxdesk.status import Category
from dxdesk.store.models import Classification, ReportState, StatusClaim, Task
from dxdesk.text import Match, for_terminal, json_for_terminal

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_BUG = 1
EXIT_USAGE = 2


class Console:
    """Where a command writes, and in which language."""

    def __init__(self, out: TextIO, err: TextIO, language: str) -> None:
        self.out, self.err, self.language = out, err, language

    def vi(self, vietnamese: str, english: str) -> str:
        return vietnamese if self.language == "vi" else english

    # Titles, comments and names come from the server or other people: whatever
    # is printed shows their control characters escaped, never obeyed.
    def print(self, text: str = "") -> None:
        print(for_terminal(text), file=self.out)

    def json(self, payload: Any) -> None:
        document = json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=False)
        self.out.write(json_for_terminal(document) + "\n")

    def error(self, text: str) -> None:
        # One line: scripts read the first line of stderr.
        print("dxdesk: " + for_terminal(" ".join(text.split())), file=self.err)


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _task_json(row: tasks.TaskRow[Task], language: str) -> dict[str, Any]:
    task, status = row.task, row.status
    return {
        "code": task.code,
        "title": task.title,
        "unit": task.unit_code,
        "deadline": _date(task.deadline),
        "status": status.category.value,
        "status_label": status.category.label_vi if language == "vi" else status.category.label_en,
        "due_soon": status.due_soon,
        "overdue": status.overdue,
        "days_left": status.days_left,
        # What the server has accepted; a draft's or queued report's apart (issue #16).
        "progress": row.accepted_progress,
        "pending_progress": row.pending_progress,
        "completed_on": _date(task.completed_on),
        "doc_number": task.doc_number,
        "latest_report_state": row.latest_report_state.value if row.latest_report_state else None,
        "search_match": row.match.name.lower() if row.match is not None else None,
    }


def _progress_text(row: tasks.TaskRow[Task]) -> str:
    """Accepted progress, then the one still on this PC: "40%→60%"."""
    text = f"{row.accepted_progress}%"
    return text if row.pending_progress is None else f"{text}→{row.pending_progress}%"


def _dmy(value: Any) -> str:
    return value.strftime("%d/%m/%Y") if value is not None else "—"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _status_text(console: Console, row: tasks.TaskRow[Task]) -> str:
    category = row.status.category
    label = category.label_vi if console.language == "vi" else category.label_en
    if row.status.due_soon:
        label += console.vi(" · sắp đến hạn", " · due soon")
    return label


def _days_text(console: Console, row: tasks.TaskRow[Task]) -> str:
    days = row.status.days_left
    if days is None or row.status.category.is_done:
        return ""
    if days < 0:
        return console.vi(f"quá {-days} ngày", f"{-days} d overdue")
    return console.vi(f"còn {days} ngày", f"{days} d left")


def cmd_tasks(args: argparse.Namespace, profile: Profile, console: Console) -> int:
    with profile.db.session() as session:
        today = clock.reference_date(local_state.server_offset(session))
        rows = tasks.list_tasks(
            session,
            today,
            due_soon_days=profile.settings.due_soon_days,
            overdue=args.overdue,
            due_soon=args.due_soon,
            search=args.search,
        )
    if args.json:
        console.json(
            {
                "reference_date": today.isoformat(),
                "count": len(rows),
                "tasks": [_task_json(row, console.language) for row in rows],
            }
        )
        return EXIT_OK
    if not rows:
        console.print(console.vi("Không có nhiệm vụ nào.", "No tasks."))
        return EXIT_OK
    for row in rows:
        console.print(
            f"{row.task.code:<12} {_dmy(row.task.deadline):<10} {_days_text(console, row):<14} "
            f"{_progress_text(row):>8}  {_clip(_status_text(console, row), 44):<44} "
            f"{_clip(row.task.title, 70)}"
        )
    if args.search:
        whole = sum(1 for row in rows if row.match is not None and row.match <= Match.WORDS)
        console.print(
            console.vi(f"{len(rows)} nhiệm vụ, {whole} khớp trọn từng chữ",
                       f"{len(rows)} tasks, {whole} matching whole words")
        )  # fmt: skip
    else:
        console.print(console.vi(f"{len(rows)} nhiệm vụ", f"{len(rows)} tasks"))
    return EXIT_OK


def _report_json(item: reports.OutboxItem, language: str) -> dict[str, Any]:
    report = item.report
    removal = item.task_removal
    return {
        "id": report.id,
        "task_code": item.task_code,
        "state": report.state.value,
        "created_at": report.created_at.isoformat(),
        "finalized_at": report.finalized_at.isoformat() if report.finalized_at else None,
        "progress": report.progress,
        "status_claim": report.status_claim.value,
        "classification": report.classification.value,
        "attachments": item.attachment_count,
        "corrects_id": report.corrects_id,
        "reject_code": report.reject_code,
        "reject_message": report.reject_message,
        "review_comment": report.review_comment,
        # Written to a USB bundle and still waiting for its receipt (or a sync).
        "awaiting_receipt": report.awaiting_receipt,
        "exported_bundle": report.exported_bundle,
        "exported_at": report.exported_at.isoformat() if report.exported_at else None,
        # The task was withdrawn or moved away (hidden from the task list): why.
        "task_removed": removal.code if removal else None,
        "task_removal": removal.text(language) if removal else None,
    }


STATE_LABELS = {
    ReportState.DRAFT: ("bản nháp", "draft"),
    ReportState.QUEUED: ("chờ gửi", "queued"),
    ReportState.SENDING: ("đang gửi", "sending"),
    ReportState.ACCEPTED: ("đã nhận", "accepted"),
    ReportState.REJECTED: ("bị từ chối", "rejected"),
    ReportState.RETURNED: ("bị trả lại", "returned"),
}
EXPORTED_LABEL = ("đã xuất USB, chờ biên nhận", "exported, awaiting receipt")
TASK_WITHDRAWN = "task_withdrawn"  # the server's code for a report on a withdrawn task


def cmd_outbox(args: argparse.Namespace, profile: Profile, console: Console) -> int:
    with profile.db.session() as session:
        items = reports.outbox(session, include_accepted=args.all)
    if args.json:
        console.json(
            {"count": len(items), "items": [_report_json(i, console.language) for i in items]}
        )
        return EXIT_OK
    if not items:
        console.print(console.vi("Hộp thư đi trống.", "The outbox is empty."))
        return EXIT_OK
    for item in items:
        report = item.report
        label = console.vi(
            *(EXPORTED_LABEL if report.awaiting_receipt else STATE_LABELS[report.state])
        )
        when = report.created_at.astimezone(clock.VIETNAM_TZ).strftime("%d/%m/%Y %H:%M")
        secret = report.classification is Classification.SECRET
        summary = console.vi("(mật)", "(classified)") if secret else _clip(report.results, 50)
        progress = f"{report.progress:>3}%"
        console.print(f"{report.id}  {item.task_code:<12} {label:<11} {when} {progress} {summary}")
        reason = report.reject_message or report.review_comment
        if report.reject_code == TASK_WITHDRAWN and item.task_removal is not None:
            reason = None  # the server's words; said below in the user's language
        if reason:
            console.print("    → " + reason)
        if item.task_removal is not None:
            console.print("    ⊘ " + item.task_removal.text(console.language))
    return EXIT_OK


def _content(args: argparse.Namespace) -> reports.ReportContent:
    return reports.ReportContent(
        progress=args.progress,
        status_claim=args.status,
        results=args.summary,
        difficulties=args.difficulties,
        proposals=args.proposals,
        classification=args.classification,
    )


def cmd_report(args: argparse.Namespace, profile: Profile, console: Console) -> int:
    content = _content(args)
    attachments = [Path(p) for p in args.attach]
    with profile.db.session() as session:
        task = reports.find_task(session, args.task_code)
        report = reports.create(
            session, profile.attachments, task, content, attachments, profile.limits,
            author=profile.author, final=not args.draft,
        )  # fmt: skip
        items = [
            i for i in reports.outbox(session, include_accepted=True) if i.report.id == report.id
        ]
    if args.json:
        console.json(_report_json(items[0], console.language))
    elif args.draft:
        console.print(console.vi(f"Đã lưu bản nháp {report.id} cho {task.code}.",
                                 f"Saved draft {report.id} for {task.code}."))  # fmt: skip
    else:
        console.print(
            console.vi(
                f"Đã chốt báo cáo {report.id} cho {task.code}; sẽ gửi ở lần đồng bộ tới.",
                f"Finalized report {report.id} for {task.code}; it will be sent at the next sync.",
            )
        )
    return EXIT_OK


LOCAL_DEMO = users.KnownUser("demo", "local", "Cán bộ mẫu (demo)", "", "demo")
LOCAL_DEMO_PASSWORD = "demo"  # noqa: S105 (demo data only; printed by the command)


def local_demo_profile(paths: Paths) -> Profile:
    """An offline demo officer (password ``demo``) whose key is kept in the keyring
    (when there is one), so the demo's commands open without asking."""
    unlocked = users.enroll(paths, LOCAL_DEMO, LOCAL_DEMO_PASSWORD)
    store = credentials.choose()
    users.remember_key(store, unlocked)
    return open_profile(paths, user=unlocked)


def cmd_demo(args: argparse.Namespace, profile: Profile, console: Console) -> int:
    with profile.db.session() as session:
        today = clock.reference_date(local_state.server_offset(session))
        count = demo_data.load(session, today, args.unit)
        rows = tasks.list_tasks(session, today, due_soon_days=profile.settings.due_soon_days)
    counts = {category: 0 for category in Category}
    for row in rows:
        counts[row.status.category] += 1
    if args.json:
        console.json({"loaded": count, "by_status": {c.value: n for c, n in counts.items()}})
        return EXIT_OK
    console.print(
        console.vi(f"Đã nạp {count} nhiệm vụ mẫu vào {profile.paths.data}.",
                   f"Loaded {count} demo tasks into {profile.paths.data}.")
    )  # fmt: skip
    for category, number in counts.items():
        label = category.label_vi if console.language == "vi" else category.label_en
        console.print(f"  {label}: {number}")
    # The hint must open this same profile when pasted, so it names the --home given.
    command = f"dxdesk --home {shlex.quote(args.home)}" if args.home else "dxdesk"
    report = "--progress 50 --summary '…'"
    console.print(
        console.vi(f"Thử: {command} tasks --overdue · {command} report MÃ {report}",
                   f"Try: {command} tasks --overdue · {command} report CODE {report}")
    )  # fmt: skip
    return EXIT_OK


Handler = Callable[[argparse.Namespace, Profile, Console], int]
# Commands that decide themselves whether and whose profile to open (login, the
# window, the demo): they get the folders, not an unlocked profile.
Opener = Callable[[argparse.Namespace, Paths, Console], int]
# Adds subcommands; how the sync and UI packages extend this core command line
# without the core importing them.
Extension = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def cmd_no_gui(args: argparse.Namespace, paths: Paths, console: Console) -> int:
    console.error(
        console.vi(
            "Giao diện cửa sổ chưa có trong phiên bản này; dùng các lệnh (dxdesk --help).",
            "The desktop window is not in this version yet; use the commands (dxdesk --help).",
        )
    )
    return EXIT_USAGE


def version_text(paths: Paths) -> str:
    """``dxdesk 0.1.0 — Tỉnh Quảng Ninh (https://…)`` when provisioned; never fails."""
    site, server = "", ""
    try:
        baked = provisioning.baked_profile_path()
        if paths.settings_file.exists():
            chosen = load_settings(paths.settings_file)
            site, server = chosen.site_name, chosen.server_url
        elif baked is not None:
            profile = provisioning.load(baked)
            site, server = profile.site_name, profile.server_url
    except DxdeskError:
        pass  # a broken settings file must not hide the version
    text = f"dxdesk {__version__}"
    if site or server:
        text += f" — {site or '?'} ({server or '?'})"
    return text


def cmd_import_profile(args: argparse.Namespace, paths: Paths, console: Console) -> int:
    site = provisioning.load(Path(args.file))
    settings = load_profile_settings(paths)
    provisioning.apply(site, settings, paths.config)
    save_settings(settings, paths.settings_file)
    console.print(
        console.vi(f"Đã áp dụng cấu hình {site.site_name}: máy chủ {site.server_url}.",
                   f"Applied the {site.site_name} profile: server {site.server_url}.")
    )  # fmt: skip
    return EXIT_OK


def build_parser(extensions: Sequence[Extension] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dxdesk", description="Offline-first progress reporting (báo cáo tiến độ nhiệm vụ)."
    )
    parser.add_argument("--version", action="store_true", help="show the version and site")
    _global_options(parser, after_command=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("tasks", help="list tasks assigned to this unit")
    p.add_argument("--overdue", action="store_true", help="only overdue tasks")
    p.add_argument("--due-soon", action="store_true", help="only tasks due soon")
    p.add_argument("--search", metavar="TEXT", help="search, with or without diacritics")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_tasks)

    p = sub.add_parser("report", help="write a progress report on a task")
    p.add_argument("task_code", metavar="TASK_CODE")
    p.add_argument("--progress", required=True, metavar="N", help="0–100")
    p.add_argument("--summary", required=True, metavar="TEXT", help="results achieved")
    p.add_argument("--status", default=StatusClaim.IN_PROGRESS.value,
                   choices=[s.value for s in StatusClaim])  # fmt: skip
    p.add_argument("--difficulties", default="", metavar="TEXT")
    p.add_argument("--proposals", default="", metavar="TEXT")
    p.add_argument("--classification", default=Classification.NORMAL.value,
                   choices=[c.value for c in Classification])  # fmt: skip
    p.add_argument("--attach", action="append", default=[], metavar="FILE")
    p.add_argument("--draft", action="store_true", help="save as a draft, do not queue")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser("outbox", help="reports not yet accepted by the server")
    p.add_argument("--all", action="store_true", help="include accepted reports")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_outbox)

    p = sub.add_parser("import-profile", help="apply a site provisioning profile (TOML)")
    p.add_argument("file")
    p.set_defaults(opener=cmd_import_profile)

    # `dxdesk demo` lives in the ui package (it starts a demo server and the window);
    # its --local form calls cmd_demo below.
    for extend in extensions:
        extend(sub)
    for command in sub.choices.values():
        _global_options(command, after_command=True)
    return parser


def _global_options(parser: argparse.ArgumentParser, *, after_command: bool) -> None:
    """The options every command takes, before or after its name (`outbox --json
    --password-stdin`, `tasks --lang en`). After the name they default to nothing, so
    the value given before it stands; a command's own option of the same name wins."""
    quiet: dict[str, Any] = {"default": argparse.SUPPRESS} if after_command else {}
    options: list[tuple[tuple[str, ...], dict[str, Any]]] = [
        (("--home",), {"help": "keep every file under DIR (portable use, tests)"}),
        (("--lang",), {"choices": LANGUAGES, "help": "language of messages (default: settings)"}),
        (("-v", "--verbose"), {"action": "store_true", "help": "log debug details"}),
        (("--user",), {"help": "whose data to open (default: the last user)"}),
        (
            ("--password-stdin",),
            {
                "dest": "unlock_stdin",
                "action": "store_true",
                "help": "read the password that unlocks the data from stdin (scripts)",
            },
        ),
    ]
    for flags, settings in options:
        try:
            parser.add_argument(*flags, **settings, **quiet)
        except argparse.ArgumentError:
            continue  # the command defines this option itself (login --user)


def _language(args: argparse.Namespace, paths: Paths) -> str:
    if args.lang:
        return str(args.lang)
    try:
        return load_settings(paths.settings_file).language
    except DxdeskError:
        return DEFAULT_LANGUAGE


def _utf8(stream: TextIO) -> TextIO:
    # Windows pipes default to the ANSI code page, which cannot hold Vietnamese.
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None and (stream.encoding or "").lower().replace("-", "") != "utf8":
        reconfigure(encoding="utf-8", errors="replace")
    return stream


def read_password(prompt: str = "Mật khẩu / Password: ", *, from_stdin: bool) -> str | None:
    """A password from stdin (scripts) or the terminal; never from argv or the env."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n") or None
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt) or None
    return None


class PasswordPrompt:
    """The password of one command, asked at most once: unlocking the data and a
    login that follows (``sync --password-stdin``) read the same line of stdin."""

    def __init__(self, *, from_stdin: bool) -> None:
        self.from_stdin = from_stdin
        self._asked = False
        self._password: str | None = None

    def __call__(self) -> str | None:
        if not self._asked:
            self._asked = True
            self._password = read_password(from_stdin=self.from_stdin)
        return self._password


def prompt_for(args: argparse.Namespace) -> PasswordPrompt:
    return PasswordPrompt(from_stdin=args.unlock_stdin or getattr(args, "password_stdin", False))


def main(
    argv: Sequence[str] | None = None,
    *,
    extensions: Sequence[Extension] = (),
    gui: Opener = cmd_no_gui,
) -> int:
    """Run one command; ``gui`` runs when no command is given."""
    parser = build_parser(extensions)
    args = parser.parse_args(argv)
    paths = Paths.resolve(args.home)
    console = Console(_utf8(sys.stdout), _utf8(sys.stderr), _language(args, paths))
    if args.version:
        console.print(version_text(paths))
        return EXIT_OK
    handler: Handler | None = getattr(args, "handler", None)
    opener: Opener = getattr(args, "opener", gui)
    profile = None
    try:
        with disk.writing(paths.data):
            paths.ensure()
        disk.check_writable(paths.data)  # a read-only home is said before anything starts
        logsetup.configure(paths.log_file, verbose=args.verbose)
        log.info("dxdesk %s: %s", __version__, args.command or "gui")
        if handler is None:
            return opener(args, paths, console)
        profile = unlock.offline(paths, args.user, prompt_for(args)).profile
        return handler(args, profile, console)
    except DxdeskError as exc:
        # The store could not be opened because the disk is full: say that.
        named = disk.sqlite_disk_error(exc.__cause__, paths.data) if exc.__cause__ else None
        shown = named if isinstance(exc, StorageError) and named is not None else exc
        console.error(shown.render(console.language))
        return shown.exit_code
    except OSError as exc:
        named = disk.disk_error(exc, paths.data)
        if named is not None:
            console.error(named.render(console.language))
            return named.exit_code
        console.error(f"{exc.strerror or exc}: {exc.filename or ''}")
        return EXIT_BUG
    except Exception as exc:
        # SQLite says "database or disk is full" as text, from any commit.
        named = disk.sqlite_disk_error(exc, paths.data)
        if named is not None:
            log.warning("%s", exc)
            console.error(named.render(console.language))
            return named.exit_code
        log.exception("unexpected error")
        console.error(
            console.vi(f"Lỗi không mong đợi; chi tiết trong {paths.log_file}.",
                       f"Unexpected error; details in {paths.log_file}.")
        )  # fmt: skip
        return EXIT_BUG
    finally:
        if profile is not None:
            profile.close()


if __name__ == "__main__":
    sys.exit(main())
