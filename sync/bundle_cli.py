"""USB stick commands: ``export-bundle``, ``deliver-bundle``, ``import-receipt``,
``import-tasks`` (docs/cli.md).

Exit codes beyond sync's: 16 the file was refused (truncated, corrupted, altered,
for another server, device or unit; the one-line message says which). A receipt
that lists rejected reports exits 12, like a sync.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from dxdesk.atomic_file import write_atomically
from dxdesk.cli import Console
from dxdesk.clock import VIETNAM_TZ
from dxdesk.identity import credentials, trusted_server_key
from dxdesk.profile import Profile
from dxdesk.untrusted_files import read_untrusted, refuse_unsafe_target
from sync import client_account, relay
from sync.bundle_export import export_bundle
from sync.exit_codes import EXIT_REJECTED, SyncCommandError
from sync.protocol.bundle_format import MAX_FILE_BYTES, BundleRefusedError
from sync.protocol.signed_doc import MAX_DOCUMENT_BYTES
from sync.receipt_import import import_receipt
from sync.session import transport_for
from sync.task_import import import_tasks
from sync.transport import Failure, TransportError

EXIT_REFUSED = BundleRefusedError.exit_code


def _actor(profile: Profile) -> str:
    return profile.user.username if profile.user is not None else ""


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def _read(path: Path, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    # A link, pipe, device or oversized file on the stick: UnsafeFileError, exit 2.
    # Any other OSError: one line and exit 1, from the core's main.
    return read_untrusted(path, limit)


def cmd_export_bundle(args: argparse.Namespace, profile: Profile, console: Console) -> int:
    target = Path(args.file)
    result = export_bundle(
        profile, target, new_only=args.new_only, overwrite=args.overwrite, actor=_actor(profile)
    )
    if args.json:
        console.json(result.as_json())
        return 0
    if result.bundle_id is None:
        console.print(
            console.vi(
                "Không có báo cáo nào chờ gửi; không tạo tệp.",
                "No report is waiting to be sent; no file was written.",
            )
        )
        return 0
    n, a, size = result.reports, result.attachments, _size(result.size)
    console.print(
        console.vi(
            f"Đã xuất {n} báo cáo ({a} tệp đính kèm, {size}) vào {target}. Chúng vẫn chờ gửi "
            "cho đến khi có biên nhận (dxdesk import-receipt) hoặc một lần đồng bộ.",
            f"Exported {n} reports ({a} attachments, {size}) to {target}. They stay waiting "
            "until a receipt (dxdesk import-receipt) or a sync confirms them.",
        )
    )
    if result.left_out:
        k = result.left_out
        console.print(
            console.vi(
                f"Còn {k} báo cáo không vừa tệp này: chạy lại "
                "dxdesk export-bundle --new-only TỆP_KHÁC.",
                f"{k} more reports did not fit: run dxdesk export-bundle --new-only OTHER_FILE.",
            )
        )
    return 0


def cmd_deliver_bundle(args: argparse.Namespace, profile: Profile, console: Console) -> int:
    source = Path(args.file)
    data = _read(source, MAX_FILE_BYTES)
    target = Path(args.receipt) if args.receipt else source.with_name(source.name + ".receipt")
    refuse_unsafe_target(target)  # before the upload: said now, not after the server took it
    tokens = credentials.choose()
    try:
        transport = transport_for(profile.settings)
    except TransportError as exc:
        raise SyncCommandError(exc) from exc
    try:
        with profile.db.session() as session:
            checked = relay.check_locally(data, trusted_server_key.known(session))
            signing_key = trusted_server_key.signing_known(session)
            transport.token = client_account.token_for(session, transport.base_url, tokens)
        if not transport.token:
            raise TransportError(
                Failure.AUTH, "Login needed: run dxdesk login (the bundle was not sent)."
            )
        out = relay.deliver(transport, checked, signing_key)
    except TransportError as exc:
        if exc.failure is Failure.REJECTED and (exc.code or "").startswith("bundle_"):
            raise BundleRefusedError(str(exc)) from exc  # the server's own sentence
        raise SyncCommandError(exc) from exc
    finally:
        transport.close()
    write_atomically(target, out.receipt.encode("utf-8"))
    if args.json:
        console.json({**out.model_dump(exclude={"receipt"}), "receipt_file": str(target)})
        return 0
    if out.replayed:
        console.print(
            console.vi(
                f"Gói {out.bundle_id} đã được chuyển trước đây; máy chủ không nhập lại và trả "
                "lại biên nhận gốc.",
                f"Bundle {out.bundle_id} was delivered before; the server imported nothing "
                "again and returned the original receipt.",
            )
        )
    else:
        ok, dup, bad = out.accepted, out.duplicate, out.rejected
        console.print(
            console.vi(
                f"Đã chuyển gói {out.bundle_id}: {ok} báo cáo được nhận, {dup} đã có từ "
                f"trước, {bad} bị từ chối.",
                f"Delivered bundle {out.bundle_id}: {ok} reports accepted, {dup} already "
                f"there, {bad} rejected.",
            )
        )
    console.print(
        console.vi(
            f"Biên nhận: {target}. Hãy mang tệp này về máy gốc và chạy dxdesk import-receipt.",
            f"Receipt: {target}. Take it back to the original computer and run "
            "dxdesk import-receipt.",
        )
    )
    return 0


def cmd_import_receipt(args: argparse.Namespace, profile: Profile, console: Console) -> int:
    result = import_receipt(profile, _read(Path(args.file)), actor=_actor(profile))
    code = EXIT_REJECTED if result.listed_rejected else 0
    if args.json:
        console.json({**result.as_json(), "exit_code": code})
        return code
    ok, bad, same = len(result.accepted), len(result.rejected), result.unchanged
    console.print(
        console.vi(
            f"Biên nhận gói {result.bundle_id}: {ok} báo cáo được nhận, {bad} bị từ chối, "
            f"{same} không đổi.",
            f"Receipt for bundle {result.bundle_id}: {ok} reports accepted, {bad} rejected, "
            f"{same} unchanged.",
        )
    )
    for item in result.rejected:
        console.print(f"  {item['id']}: {item['message'] or item['code']}")
    return code


def cmd_import_tasks(args: argparse.Namespace, profile: Profile, console: Console) -> int:
    imported = import_tasks(profile, _read(Path(args.file)), actor=_actor(profile))
    if args.json:
        console.json(imported.as_json())
        return 0
    result = imported.result
    try:
        made = dt.datetime.fromisoformat(imported.created_at).astimezone(VIETNAM_TZ)
        when = made.strftime("%d/%m/%Y %H:%M")
    except ValueError:
        when = imported.created_at
    same = result.tasks_unchanged + result.reviews_unchanged
    console.print(
        console.vi(
            f"Gói nhiệm vụ của {imported.unit_code} (lập {when}): cập nhật "
            f"{result.tasks_changed} nhiệm vụ và {result.reviews_changed} kết quả duyệt; "
            f"{same} mục đã mới nhất.",
            f"Task package for {imported.unit_code} (made {when}): {result.tasks_changed} "
            f"tasks and {result.reviews_changed} review outcomes updated; {same} already "
            "up to date.",
        )
    )
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export-bundle", help="write every report waiting to be sent to a file (USB stick)"
    )
    p.add_argument("file")
    p.add_argument(
        "--new-only", action="store_true", help="leave out reports already in an earlier bundle"
    )
    p.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_export_bundle)

    p = sub.add_parser(
        "deliver-bundle", help="upload someone's bundle to the server (you cannot read it)"
    )
    p.add_argument("file")
    p.add_argument("--receipt", metavar="OUT", help="where to save the receipt (FILE.receipt)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_deliver_bundle)

    p = sub.add_parser("import-receipt", help="apply the server's receipt for a bundle")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_import_receipt)

    p = sub.add_parser("import-tasks", help="apply a task package from the server (USB stick)")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_import_tasks)
