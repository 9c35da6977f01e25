"""``dxdesk-server``: run the central server and administer it.

Exit codes: 0 done, 1 the request could not be done (the message says why),
2 bad command line, 3 the database cannot be opened.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import ValidationError
from sqlalchemy import select

from dxdesk import sealing
from dxdesk.atomic_file import write_atomically
from dxdesk.clock import utcnow
from dxdesk.errors import UnsafeFileError
from dxdesk.status import Category
from dxdesk.text import for_terminal, json_for_terminal
from dxdesk.untrusted_files import read_untrusted, refuse_unsafe_target
from sync.protocol import TaskIn
from sync.protocol.bundle_format import MAX_FILE_BYTES, BundleRefusedError
from sync.server import (
    accounts,
    blobs,
    bundles,
    csv_import,
    demo,
    keys,
    release_cli,
    releases,
    reviews,
    stats,
    task_package,
    tasks,
)
from sync.server.app import create_app
from sync.server.config import (
    BODY_TIMEOUT_ENV,
    DB_ENV,
    KEY_FILE_ENV,
    MIB,
    TOKEN_TTL_ENV,
    UPLOAD_QUOTA_ENV,
    UPLOAD_TTL_ENV,
    ServerConfig,
    body_timeout,
    database_url,
    key_file,
    password_cost,
    token_ttl,
    upload_quota,
    upload_ttl,
)
from sync.server.db import Database, DatabaseError, open_database
from sync.server.errors import ApiError
from sync.server.scope import ROLES, Scope
from sync.server.tables import AuditEvent, Report, Unit, User

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_DATABASE = 0, 1, 2, 3


class CommandError(Exception):
    """One line for the operator, exit code 1."""


def _say(text: str = "", *, file: TextIO | None = None) -> None:
    """Every line for the operator. Names, titles and comments come from other
    people: their control characters are shown escaped, never obeyed."""
    print(for_terminal(text), file=file or sys.stdout)


def _print_json(value: Any) -> None:
    print(json_for_terminal(json.dumps(value, ensure_ascii=False, indent=2)))


def _server_key(args: argparse.Namespace, *, create: bool) -> X25519PrivateKey:
    path = key_file(args.key_file, args.url, args.home)
    try:
        return keys.load_or_create(path) if create else keys.load(path)
    except keys.KeyFileError as exc:
        raise CommandError(str(exc)) from exc


def _signing_key(args: argparse.Namespace) -> Ed25519PrivateKey:
    """The receipt and task-package signing key, beside the sealing key."""
    path = keys.signing_key_path(key_file(args.key_file, args.url, args.home))
    try:
        return keys.load_or_create_signing(path)
    except keys.KeyFileError as exc:
        raise CommandError(str(exc)) from exc


def _serve(args: argparse.Namespace, db: Database) -> int:
    try:
        ttl = token_ttl(args.token_ttl)
        quota = upload_quota(args.upload_quota_mib)
        expiry = upload_ttl(args.upload_ttl)
        body_s = body_timeout(args.body_timeout)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    if args.workers < 1:
        raise CommandError("--workers must be at least 1")
    settings = ServerConfig(
        database_url=args.url,
        server_key=_server_key(args, create=True),
        signing_key=_signing_key(args),
        token_ttl=ttl,
        upload_quota=quota,
        upload_ttl=expiry,
        body_timeout_s=body_s,
    )
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "access_log": args.log_level == "debug",
        "timeout_keep_alive": 30,  # 2G links: reuse the connection between rounds
        "proxy_headers": False,
    }
    if args.workers == 1:
        uvicorn.Server(uvicorn.Config(create_app(settings, db), **options)).run()
        return EXIT_OK
    # Each worker builds its own app (sync.server.worker) from these; the keys and
    # the schema exist by now, so the workers only load and open them.
    os.environ[DB_ENV] = args.url
    os.environ[KEY_FILE_ENV] = str(key_file(args.key_file, args.url, args.home))
    os.environ[TOKEN_TTL_ENV] = str(ttl.total_seconds())
    os.environ[UPLOAD_QUOTA_ENV] = str(quota / MIB)
    os.environ[UPLOAD_TTL_ENV] = str(expiry.total_seconds())
    os.environ[BODY_TIMEOUT_ENV] = str(body_s)
    db.dispose()
    # uvicorn kills a worker that has not answered its health check in 5 s; on an old
    # or busy machine a worker still importing is slow, not hung, and killing it only
    # starts another slow one (seen at load 14: the workers never came up).
    options["timeout_worker_healthcheck"] = 60
    uvicorn.run("sync.server.worker:app", factory=True, workers=args.workers, **options)
    return EXIT_OK


def _unit_add(args: argparse.Namespace, db: Database) -> int:
    with db.write() as session:
        unit = accounts.add_unit(session, args.code, args.name, args.parent, args.level)
        _say(f"unit {unit.code} ({unit.name}) saved")
    return EXIT_OK


def _unit_list(args: argparse.Namespace, db: Database) -> int:
    with db.read() as session:
        units = session.scalars(select(Unit).order_by(Unit.code)).all()
    rows = [{"code": u.code, "name": u.name, "parent": u.parent_code, "level": u.level}
            for u in units]  # fmt: skip
    if args.json:
        _print_json(rows)
    for row in rows if not args.json else []:
        _say(f"{row['code']:<20} {row['level']:<13} {row['parent'] or '-':<15} {row['name']}")
    return EXIT_OK


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CommandError("no terminal to ask for the password; use --password-stdin")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        raise CommandError("the two passwords differ")
    return first


def _user_add(args: argparse.Namespace, db: Database) -> int:
    password = _read_password(args.password_stdin)
    with db.write() as session:
        accounts.add_user(
            session,
            username=args.username,
            password=password,
            role=args.role,
            unit_code=args.unit,
            full_name=args.full_name,
            replace=args.replace,
        )
    _say(f"user {args.username} ({args.role}, {args.unit}) saved")
    return EXIT_OK


def _user_list(args: argparse.Namespace, db: Database) -> int:
    with db.read() as session:
        users = session.scalars(select(User).order_by(User.username)).all()
    rows = [{"username": u.username, "role": u.role, "unit_code": u.unit_code,
             "full_name": u.full_name} for u in users]  # fmt: skip
    if args.json:
        _print_json(rows)
    for row in rows if not args.json else []:
        _say(f"{row['username']:<20} {row['role']:<9} {row['unit_code']:<15} {row['full_name']}")
    return EXIT_OK


def _user_revoke(args: argparse.Namespace, db: Database) -> int:
    with db.write() as session:
        count = accounts.revoke_tokens(session, args.username)
    _say(f"{count} session(s) of {args.username} revoked")
    return EXIT_OK


def _date_arg(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return tasks.parse_date(text)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


def _task_add(args: argparse.Namespace, db: Database) -> int:
    try:
        values = TaskIn(
            code=args.code,
            title=args.title,
            unit_code=args.unit,
            description=args.description,
            doc_number=args.doc_number,
            doc_date=_date_arg(args.doc_date),
            doc_issuer=args.doc_issuer,
            start_date=_date_arg(args.start_date),
            deadline=_date_arg(args.deadline),
            expected_output=args.expected_output,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CommandError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
    with db.write() as session:
        try:
            task, _created = tasks.upsert(session, values, "admin", replace=False)
        except tasks.TaskError as exc:
            raise CommandError(str(exc)) from exc
        _say(f"task {task.code} added for {task.unit_code} (id {task.id})")
    return EXIT_OK


def _task_import(args: argparse.Namespace, db: Database) -> int:
    try:
        with db.write() as session:
            result = csv_import.import_tasks(session, Path(args.file), "admin")
    except csv_import.CsvImportError as exc:
        _say(f"error: {args.file}: nothing imported, {len(exc.problems)} problem(s):",
              file=sys.stderr)  # fmt: skip
        for problem in exc.problems:
            _say(f"  {problem}", file=sys.stderr)
        return EXIT_FAILED
    _say(f"{result.created} task(s) created, {result.updated} updated")
    return EXIT_OK


def _task_withdraw(args: argparse.Namespace, db: Database) -> int:
    with db.write() as session:
        try:
            task = tasks.by_code(session, args.code, args.province)
            tasks.withdraw(session, task, args.reason, "admin")
        except tasks.TaskError as exc:
            raise CommandError(str(exc)) from exc
        _say(f"task {task.code} of {task.unit_code} withdrawn; its devices drop it when they sync")
    return EXIT_OK


def _task_move(args: argparse.Namespace, db: Database) -> int:
    with db.write() as session:
        try:
            task = tasks.by_code(session, args.code, args.province)
            left = task.unit_code
            tasks.move(session, task, args.unit, "admin")
        except tasks.TaskError as exc:
            raise CommandError(str(exc)) from exc
        _say(f"task {task.code} moved from {left} to {task.unit_code}")
    return EXIT_OK


def _key(args: argparse.Namespace, _db: Database) -> int:
    server_key = _server_key(args, create=True)
    signing_key = _signing_key(args)
    path = key_file(args.key_file, args.url, args.home)
    public, fingerprint = keys.public_text(server_key), keys.public_fingerprint(server_key)
    if args.json:
        _print_json(
            {
                "public_key": public,
                "fingerprint": fingerprint,
                "key_file": str(path),
                "signing_key": keys.signing_text(signing_key),
                "signing_fingerprint": keys.signing_fingerprint(signing_key),
                "signing_key_file": str(keys.signing_key_path(path)),
            }
        )
    else:
        _say(f'server_public_key = "{public}"   # fingerprint {fingerprint}, file {path}')
        _say(f"# receipts and task packages are signed by {keys.signing_text(signing_key)} "
              f"(fingerprint {keys.signing_fingerprint(signing_key)})")  # fmt: skip
    return EXIT_OK


def _show_report(args: argparse.Namespace, db: Database) -> int:
    """One report in full, a sealed one opened with the server key (audited)."""
    with db.read() as session:
        row = session.get(Report, args.show)
    if row is None:
        raise CommandError(f"no report {args.show}")
    server_key = _server_key(args, create=False) if row.sealed is not None else None
    with db.write() as session:
        try:
            item = reviews.read(session, "admin", Scope(None), args.show, server_key)
            opened = reviews.open_words(row, server_key)
        except (ApiError, sealing.SealError) as exc:
            raise CommandError(str(exc)) from exc
        verdict = reviews.signature_status(session, row, opened)
    if args.json:
        _print_json({**item.model_dump(), "signature_status": verdict})
        return EXIT_OK
    sealed = f" (sealed on the {row.sealed_by})" if row.sealed_by else ""
    _say(f"Report {item.id}  task {item.task_code}  unit {item.unit_code}")
    _say(f"  progress {item.progress}%  {item.status_claim}  {item.classification}{sealed}")
    _say(f"  by {item.submitted_by} ({item.author}), created {item.created_at[:19]}, "
          f"received {item.received_at[:19]}")  # fmt: skip
    _say(f"  signature: {verdict}" + (f", device {item.device_id}" if item.device_id else ""))
    for label, text in (("Results", item.results), ("Difficulties", item.difficulties),
                        ("Proposals", item.proposals)):  # fmt: skip
        _say(f"{label}: {text}")
    if item.indicator_values:
        _say("Indicators: " + ", ".join(f"{k}={v}" for k, v in item.indicator_values.items()))
    for attachment in item.attachments:
        _say(f"  attachment {attachment['file_name']} ({attachment['size']} bytes, "
              f"sha256 {attachment['sha256'][:12]}…)")  # fmt: skip
    return EXIT_OK


def _write_file(path: Path, data: bytes) -> None:
    """Whole or not at all: a half-written file on a stick is worse than none."""
    try:
        write_atomically(path, data, mode=0o644)
    except UnsafeFileError as exc:  # a link or a folder where the file should go
        raise CommandError(exc.render("en")) from exc
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _import_bundle(args: argparse.Namespace, db: Database) -> int:
    source = Path(args.file)
    target = Path(args.receipt) if args.receipt else source.with_name(source.name + ".receipt")
    try:
        data = read_untrusted(source, MAX_FILE_BYTES)
        refuse_unsafe_target(target)  # now: nothing is imported whose receipt cannot be written
    except UnsafeFileError as exc:  # a link, pipe, device or oversized file on the stick
        raise CommandError(exc.render("en")) from exc
    except OSError as exc:
        raise CommandError(f"cannot read {source}: {exc.strerror or exc}") from exc
    server_key, signing_key = _server_key(args, create=False), _signing_key(args)
    try:
        with db.write() as session:
            delivery = bundles.deliver(
                session, data, server_key=server_key, signing_key=signing_key,
                delivered_by="admin",
            )  # fmt: skip
    except BundleRefusedError as exc:
        with db.write() as session:
            bundles.record_refusal(session, "admin", exc, data)
        raise CommandError(f"{source}: {exc.render('en')}") from exc
    _write_file(target, delivery.receipt)
    counts = {s: delivery.count(s) for s in ("accepted", "duplicate", "incomplete", "rejected")}
    if args.json:
        _print_json(
            {
                "bundle_id": delivery.bundle_id,
                "device_id": delivery.device_id,
                "replayed": delivery.replayed,
                **counts,
                "receipt_file": str(target),
            }
        )
        return EXIT_OK  # fmt: skip
    if delivery.replayed:
        _say(f"bundle {delivery.bundle_id} was already imported at {delivery.received_at[:19]}; "
              "nothing was imported again")  # fmt: skip
    else:
        _say(f"bundle {delivery.bundle_id} from device {delivery.device_id}: "
              + ", ".join(f"{n} {s}" for s, n in counts.items()))  # fmt: skip
    for ack in delivery.acks:
        if ack.status == "rejected":
            _say(f"  rejected {ack.id}: {ack.code}: {ack.message}")
    _say(f"receipt written to {target}")
    return EXIT_OK


def _export_tasks(args: argparse.Namespace, db: Database) -> int:
    target = Path(args.file)
    signing_key = _signing_key(args)
    with db.write() as session:
        try:
            data, n_tasks, n_reviews = task_package.export(session, args.unit, signing_key)
        except task_package.UnknownUnitError as exc:
            raise CommandError(str(exc)) from exc
    _write_file(target, data)
    _say(f"{n_tasks} task(s) and {n_reviews} review(s) of {args.unit} written to {target}")
    return EXIT_OK


def _reports(args: argparse.Namespace, db: Database) -> int:
    if args.show:
        return _show_report(args, db)
    with db.read() as session:
        found, more = reviews.listing(
            session, Scope(None), unit=args.unit, task_id=None, limit=args.limit, offset=0
        )
    if args.json:
        _print_json([item.model_dump() for item in found])
        return EXIT_OK
    for item in found:
        state = item.review_state or ("complete" if item.complete else "incomplete")
        mark = " (sealed)" if item.sealed else ""
        _say(f"{item.received_at[:19]}  {item.unit_code:<15} {item.task_code:<14} "
              f"{item.progress:>3}%  {state:<10} {item.submitted_by}  {item.id}{mark}")  # fmt: skip
    if more:
        _say(f"(only the newest {args.limit}; use --limit)")
    return EXIT_OK


def _audit(args: argparse.Namespace, db: Database) -> int:
    if args.limit < 1:
        raise CommandError("--limit must be at least 1")
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(args.limit)
    if args.actor:
        query = query.where(AuditEvent.actor == args.actor)
    if args.action:
        query = query.where(AuditEvent.action.startswith(args.action, autoescape=True))
    with db.read() as session:
        events = list(session.scalars(query))
    rows = [
        {"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
         "subject": e.subject, "detail": e.detail}
        for e in events
    ]  # fmt: skip
    if args.json:
        _print_json(rows)
        return EXIT_OK
    for e in events:
        detail = " ".join(f"{k}={v}" for k, v in sorted(e.detail.items()))
        _say(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.actor:<16} {e.action:<22} {e.subject}  {detail}")
    return EXIT_OK


def _stats(args: argparse.Namespace, db: Database) -> int:
    if args.silent_days < 1:
        raise CommandError("--silent-days must be at least 1")
    with db.read() as session:
        result = stats.compute(session, tasks.today(), args.silent_days)
    if args.json:
        _print_json(result.as_json())
        return EXIT_OK
    _say(f"Tasks by status on {result.today:%d/%m/%Y}")
    header = "".join(f"{c.label_en:>24}" for c in Category)
    _say(f"{'unit':<15}{header}")
    for code, counts in sorted(result.per_unit.items()):
        _say(f"{code:<15}" + "".join(f"{counts[c.value]:>24}" for c in Category))
    _say(f"\nOverdue tasks: {len(result.overdue)}")
    for item in result.overdue:
        _say(f"  {item['code']:<14} {item['unit_code']:<15} {item['days_overdue']:>4} days  "
              f"{item['progress']:>3}%  {item['title']}")  # fmt: skip
    _say(f"\nUnits with no report in the last {result.silent_days} days: "
          f"{len(result.silent_units)}")  # fmt: skip
    for unit in result.silent_units:
        _say(f"  {unit['unit_code']:<15} {unit['name']}")
    return EXIT_OK


def _expire_uploads(args: argparse.Namespace, db: Database) -> int:
    try:
        older_than = upload_ttl(args.older_than)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    with db.write() as session:
        swept = blobs.sweep(session, now=utcnow(), older_than=older_than)
    if args.json:
        _print_json(swept.as_dict())
    else:
        print(
            f"{swept.expired} abandoned upload(s) dropped ({swept.expired_bytes} bytes), "
            f"{swept.duplicates} duplicate copy(ies) of stored attachments dropped"
        )
    return EXIT_OK


def _demo(args: argparse.Namespace, db: Database) -> int:
    with db.write() as session:
        logins, count = demo.load(session, tasks.today())
    _say(f"Demo loaded: {count} tasks. Logins (demo passwords, change them for real use):")
    for login in logins:
        _say(f"  {login.username:<16} {login.password:<20} {login.role:<9} {login.unit_code}")
    return EXIT_OK


Handler = Callable[[argparse.Namespace, Database], int]


class _Commands:
    """Adds subcommands that all take --db and --home."""

    def __init__(self) -> None:
        self.common = argparse.ArgumentParser(add_help=False)
        self.common.add_argument("--db", help="database URL (sqlite:///PATH or postgresql://…)")
        self.common.add_argument(
            "--home", help="data folder (default: DXDESK_SERVER_HOME or the platform's)"
        )

    def add(self, group: Any, name: str, handler: Handler, help_: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(name, parents=[self.common], help=help_)
        sub.set_defaults(handler=handler)
        return sub


def _serve_and_demo(cmd: _Commands, commands: Any) -> None:
    serve = cmd.add(commands, "serve", _serve, "run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--token-ttl", type=float, help="token lifetime in seconds (30 days)")
    serve.add_argument(
        "--body-timeout",
        type=float,
        help="seconds a request body may take, plus 1 s per 8 KiB it declares (60)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the port (1); one per CPU core on a busy server",
    )
    serve.add_argument(
        "--upload-quota-mib",
        type=float,
        help="per unit: MiB of unfinished uploads at once (1000; at least 100)",
    )
    serve.add_argument(
        "--upload-ttl",
        type=float,
        help="seconds without progress after which an unfinished upload is dropped (7 days)",
    )
    _key_file_option(serve)
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    cmd.add(commands, "demo", _demo, "load the demo province, communes, users and tasks")
    key = cmd.add(commands, "key", _key, "print the server's sealing key (for provisioning)")
    key.add_argument("--json", action="store_true")
    _key_file_option(key)


def _key_file_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--key-file",
        help="the server's private sealing key (default: server-key in the data folder, "
        "or beside the SQLite database; DXDESK_SERVER_KEY_FILE)",
    )


def _units_and_users(cmd: _Commands, commands: Any) -> None:
    unit = commands.add_parser("unit", help="units (đơn vị)")
    units = unit.add_subparsers(dest="action", required=True)
    unit_add = cmd.add(units, "add", _unit_add, "add or rename a unit")
    unit_add.add_argument("code")
    unit_add.add_argument("name")
    unit_add.add_argument("--parent")
    unit_add.add_argument("--level", default="commune", choices=accounts.LEVELS)
    cmd.add(units, "list", _unit_list, "list units").add_argument("--json", action="store_true")

    user = commands.add_parser("user", help="user accounts")
    users = user.add_subparsers(dest="action", required=True)
    user_add = cmd.add(users, "add", _user_add, "add a user (password from prompt or stdin)")
    user_add.add_argument("username")
    user_add.add_argument("--role", required=True, choices=ROLES)
    user_add.add_argument("--unit", required=True)
    user_add.add_argument("--full-name", default="")
    user_add.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin's first line"
    )
    user_add.add_argument("--replace", action="store_true", help="update an existing user")
    cmd.add(users, "list", _user_list, "list users").add_argument("--json", action="store_true")
    revoke = cmd.add(users, "revoke-tokens", _user_revoke, "sign a user out everywhere")
    revoke.add_argument("username")


def _tasks(cmd: _Commands, commands: Any) -> None:
    task = commands.add_parser("task", help="tasks (nhiệm vụ)")
    group = task.add_subparsers(dest="action", required=True)
    task_add = cmd.add(group, "add", _task_add, "assign one task")
    task_add.add_argument("--code", required=True)
    task_add.add_argument("--title", required=True)
    task_add.add_argument("--unit", required=True)
    task_add.add_argument("--deadline", required=True, help="dd/mm/yyyy or yyyy-mm-dd")
    task_add.add_argument("--description", default="")
    task_add.add_argument("--doc-number", default="")
    task_add.add_argument("--doc-date")
    task_add.add_argument("--doc-issuer", default="")
    task_add.add_argument("--start-date")
    task_add.add_argument("--expected-output", default="")
    task_import = cmd.add(group, "import", _task_import, "assign tasks from a CSV file")
    task_import.add_argument("file")
    province = "the province whose code it is, when several provinces use the code"
    withdraw = cmd.add(group, "withdraw", _task_withdraw, "withdraw (thu hồi) a task")
    withdraw.add_argument("code")
    withdraw.add_argument("--reason", required=True, help="why; shown on the unit's devices")
    withdraw.add_argument("--province", help=province)
    move = cmd.add(group, "move", _task_move, "assign a task to another unit")
    move.add_argument("code")
    move.add_argument("--unit", required=True, help="the unit that takes the task")
    move.add_argument("--province", help=province)


def _listings(cmd: _Commands, commands: Any) -> None:
    reports = cmd.add(commands, "reports", _reports, "list received reports, newest first")
    reports.add_argument("--json", action="store_true")
    reports.add_argument("--unit")
    reports.add_argument("--limit", type=int, default=100)
    reports.add_argument(
        "--show", metavar="ID", help="one report in full, a classified one opened (audited)"
    )
    _key_file_option(reports)
    stats_cmd = cmd.add(commands, "stats", _stats, "tasks by status, overdue, silent units")
    stats_cmd.add_argument("--json", action="store_true")
    stats_cmd.add_argument("--silent-days", type=int, default=14)
    audit_cmd = cmd.add(commands, "audit", _audit, "who did what, newest first (append-only)")
    audit_cmd.add_argument("--json", action="store_true")
    audit_cmd.add_argument("--limit", type=int, default=100)
    audit_cmd.add_argument("--actor", help="only this user ('admin' for admin commands)")
    audit_cmd.add_argument("--action", help="only actions starting with this, e.g. auth.")


def _usb(cmd: _Commands, commands: Any) -> None:
    imp = cmd.add(commands, "import-bundle", _import_bundle, "import a USB bundle of reports")
    imp.add_argument("file")
    imp.add_argument("--receipt", metavar="OUT", help="where to write the receipt (FILE.receipt)")
    imp.add_argument("--json", action="store_true")
    _key_file_option(imp)
    expire = cmd.add(
        commands, "expire-uploads", _expire_uploads, "drop abandoned unfinished uploads now"
    )
    expire.add_argument(
        "--older-than",
        type=float,
        metavar="SECONDS",
        help="drop unfinished uploads with no progress for this long "
        "(DXDESK_SERVER_UPLOAD_TTL, else 7 days)",
    )
    expire.add_argument("--json", action="store_true")
    exp = cmd.add(commands, "export-tasks", _export_tasks, "write a unit's signed task package")
    exp.add_argument("--unit", required=True)
    exp.add_argument("file")
    _key_file_option(exp)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dxdesk-server", description="dxdesk central tracking server"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    cmd = _Commands()
    for add in (_serve_and_demo, _units_and_users, _tasks, _listings, _usb,
                release_cli.add_commands):  # fmt: skip
        add(cmd, commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    offline = release_cli.run_offline(args)  # the release key's commands: no database
    if offline is not None:
        return offline
    try:
        password_cost()  # a wrong value is named now, not at the first login
    except ValueError as exc:
        _say(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        args.url = database_url(args.db, args.home)
        db = open_database(args.url)
    except (DatabaseError, OSError) as exc:
        _say(f"error: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    try:
        handler: Handler = args.handler
        return handler(args, db)
    except (CommandError, accounts.AdminError, releases.PublishError) as exc:
        _say(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED
    finally:
        db.dispose()


if __name__ == "__main__":
    sys.exit(main())
