"""The upstream half of a sync round: store a batch of reports, acknowledge each.

Two steps. ``check`` verifies signatures, hashes and seals, reading only the
sender's device keys, so it runs before the write lock is taken. ``store`` runs
inside one write transaction: the stored rows and the acks commit together, so an
ack the client receives always describes committed data, and a batch lost on the
way back is harmless to resend (same id + same hash → ``duplicate``).

Every report must carry a signature that verifies with a key registered for the
sender and the device it names (:mod:`sync.server.devices`); a classified report's
sealed part is opened only to validate it, and stored sealed (:mod:`sync.server.seals`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import ValidationError
from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dxdesk.canonical import content_hash
from dxdesk.clock import VIETNAM_TZ, utcnow
from sync.protocol import Ack, ReportIn, UnparsedReport
from sync.server import (
    audit,
    blobs,
    devices,
    indicators,
    progress,
    report_rules,
    report_words,
    seals,
)
from sync.server.accounts import Principal
from sync.server.errors import field_path
from sync.server.scope import Scope
from sync.server.tables import Attachment, Blob, Report, Task, TaskDeparture, table_of

# Built once: they run on every sync round (see accounts._TOKEN_LOOKUP).
# The batch's tasks are locked at once, in id order, before anything else (FOR NO
# KEY UPDATE: what moving their progress needs). Inserting a report also locks its
# task (the foreign key), in batch order, and the progress publisher's version
# update (a unique column) conflicts with that lock: with the rows taken in two
# orders, PostgreSQL found deadlocks under load. SQLite has no row locks.
_TASK_UNITS = (
    select(Task.id, Task.unit_code, Task.withdrawn_at, Task.withdrawn_reason)
    .where(Task.id.in_(bindparam("ids", expanding=True)))
    .order_by(Task.id)
    .with_for_update(key_share=True)
)
# Where the batch's tasks used to be: a report written before its task moved away
# from the sender's unit still counts, for that unit.
_DEPARTURES = (
    select(TaskDeparture.task_id, TaskDeparture.unit_code, TaskDeparture.moved_at)
    .where(TaskDeparture.task_id.in_(bindparam("ids", expanding=True)))
    .order_by(TaskDeparture.version)
)
_EARLIER = select(Report.id, Report.content_sha256, Report.complete).where(
    Report.id.in_(bindparam("ids", expanding=True))
)
_INSERT_REPORTS = insert(table_of(Report))
_INSERT_ATTACHMENTS = insert(table_of(Attachment))


def _rejected(report_id: str, code: str, message: str, field: str | None = None) -> Ack:
    return Ack(id=report_id, status="rejected", code=code, message=message, field=field)


def _invalid(item: UnparsedReport) -> Ack:
    try:
        ReportIn.model_validate(item.model_dump())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = field_path(first["loc"])
        return _rejected(item.id, "invalid_report", f"{where}: {first['msg']}", where or None)
    # Unreachable in practice: the union tried ReportIn first.
    return _rejected(item.id, "invalid_report", "the report does not match the protocol")


@dataclass(frozen=True)
class _Earlier:
    """A report already stored under an id this batch uses."""

    content_sha256: str
    complete: bool


@dataclass(frozen=True)
class Checked:
    """A batch after the checks that need no write lock: signatures, hashes, seals.

    Verifying costs most of a round; done before the write transaction, rounds
    verify in parallel (the Ed25519 check releases the GIL) instead of in turn.
    """

    items: list[ReportIn | UnparsedReport]
    acks: list[Ack | None]  # a rejection, or None for a report that passed
    signed_on: frozenset[str]  # device ids whose signatures verified
    # Each passed report's canonical body, made for its hash and kept for storing.
    bodies: dict[int, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Batch:
    principal: Principal
    scope: Scope
    server_key: X25519PrivateKey
    task_units: dict[str, str]  # task id → unit code, for the tasks the batch names
    withdrawn: dict[str, tuple[dt.datetime, str]]  # task id → when and why, if withdrawn
    # task id → (unit it left, when), for tasks outside the scope that left a unit in it
    departed: dict[str, list[tuple[str, dt.datetime]]]
    existing: dict[str, _Earlier]
    acks: list[Ack | None] = field(default_factory=list)
    candidates: list[tuple[int, ReportIn, str]] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)  # id → hash, within this batch
    rows: list[dict[str, Any]] = field(default_factory=list)  # reports to insert
    attachments: list[dict[str, Any]] = field(default_factory=list)


def _problem(report_id: str, problem: devices.Problem) -> Ack:
    return _rejected(report_id, problem.code, problem.message, problem.field)


def _content_problem(report: ReportIn, expected: str, server_key: X25519PrivateKey) -> Ack | None:
    """A rejection for a signed report that is still not acceptable, or None."""
    if expected != report.content_sha256:
        return _rejected(
            report.id,
            "hash_mismatch",
            "content_sha256 does not match the report's canonical body",
            "content_sha256",
        )
    attachment_ids = [a.id for a in report.attachments]
    if len(set(attachment_ids)) != len(attachment_ids):
        return _rejected(report.id, "invalid_report", "attachment ids repeat", "attachments")
    problem = seals.check(report, server_key)
    if problem is not None:
        return _problem(report.id, problem)
    return report_rules.contradiction(report)


def check(
    session: Session,
    principal: Principal,
    items: list[ReportIn | UnparsedReport],
    server_key: X25519PrivateKey,
) -> Checked:
    """Run outside the write transaction: reads only the sender's device keys."""
    named = {i.device_id for i in items if isinstance(i, ReportIn) and i.device_id is not None}
    keys = devices.keys_for(session, principal.user_id, named)
    acks: list[Ack | None] = []
    signed_on: set[str] = set()
    bodies: dict[int, dict[str, Any]] = {}
    for index, item in enumerate(items):
        if isinstance(item, UnparsedReport):
            acks.append(_invalid(item))
            continue
        bodies[index] = item.canonical_body()
        expected = content_hash(bodies[index])
        # The signature is checked against the hash of what arrived, not the hash the
        # sender claims: whatever was changed, the answer is bad_signature.
        problem = devices.check(item, expected, keys)
        if problem is not None:
            acks.append(_problem(item.id, problem))
            continue
        assert item.device_id is not None  # it verified
        signed_on.add(item.device_id)
        acks.append(_content_problem(item, expected, server_key))
    return Checked(items, acks, frozenset(signed_on), bodies)


def _judge(batch: _Batch, index: int, report: ReportIn) -> Ack | None:
    """An ack for a verified report that needs no storing, or None for a new report."""
    unit_code = batch.task_units.get(report.task_id)
    if unit_code is not None and not batch.scope.allows(unit_code):
        unit_code = _left_unit(batch, report) or unit_code
    if unit_code is None or not batch.scope.allows(unit_code):
        if unit_code is None and batch.scope.units is None:
            return _rejected(report.id, "unknown_task", "No task has this id.", "task_id")
        # The same answer whether the task exists elsewhere or not at all.
        return _rejected(
            report.id,
            "forbidden_task",
            "This task is not assigned to your unit (or does not exist).",
            "task_id",
        )
    earlier = batch.existing.get(report.id)
    earlier_hash = earlier.content_sha256 if earlier is not None else batch.seen.get(report.id)
    if earlier_hash is not None:
        if earlier_hash != report.content_sha256:
            return _rejected(
                report.id,
                "conflict",
                "A different report with this id was already received; "
                "send a correction as a new report instead.",
                "id",
            )
        return None if earlier is None else Ack(id=report.id, status="duplicate")
    refusal = _withdrawn(batch, report)
    if refusal is not None:
        return refusal
    batch.seen[report.id] = report.content_sha256
    batch.candidates.append((index, report, unit_code))
    return None


def _left_unit(batch: _Batch, report: ReportIn) -> str | None:
    """The sender's unit the task was moved away from after the device wrote the
    report (its ``created_at``), or None: such a report was written while the task
    was the unit's, so it is stored for that unit (its reviewers see it, its review
    comes back to the sender)."""
    created = dt.datetime.fromisoformat(report.created_at)
    for unit_code, moved_at in batch.departed.get(report.task_id, []):
        if created < moved_at:
            return unit_code
    return None


def _withdrawn(batch: _Batch, report: ReportIn) -> Ack | None:
    """A new report on a withdrawn task is refused, unless the device wrote it before
    the withdrawal (its ``created_at``): work done while the task was assigned counts.
    A resent report already stored is a duplicate as always (checked before)."""
    withdrawn = batch.withdrawn.get(report.task_id)
    if withdrawn is None:
        return None
    at, reason = withdrawn
    if dt.datetime.fromisoformat(report.created_at) < at:
        return None
    return _rejected(
        report.id,
        "task_withdrawn",
        f"The task was withdrawn on {at.astimezone(VIETNAM_TZ):%d/%m/%Y}: {reason}",
        "task_id",
    )


def _reject_unknown_corrections(session: Session, batch: _Batch) -> None:
    """Corrections must name a report of their task: stored, or in this batch."""
    refused = report_rules.unknown_corrections(session, [r for _i, r, _u in batch.candidates])
    for index, report, _unit in batch.candidates:
        batch.acks[index] = refused.get(report.id)
    batch.candidates = [c for c in batch.candidates if c[1].id not in refused]


def _declare_blobs(session: Session, shas: set[str]) -> None:
    """Insert the missing content addresses (what uploads and attachments refer to)."""
    if not shas:
        return
    now = utcnow()
    rows = [
        {"sha256": sha, "size": 0, "complete": False, "updated_at": now} for sha in sorted(shas)
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(Blob).values(rows).on_conflict_do_nothing(index_elements=["sha256"]))


def _store(
    batch: _Batch, held: dict[str, int], report: ReportIn, unit_code: str, body: dict[str, Any]
) -> tuple[Ack, progress.Counted | None]:
    """Queue ``report``'s rows for insertion; the Counted when it is complete.

    ``held`` is what the sender has uploaded (sha → verified size): only their own
    uploads count, so the answer says nothing about what anyone else holds."""
    for attachment in report.attachments:
        size = held.get(attachment.sha256)
        if size is not None and size != attachment.size:
            return _rejected(
                report.id,
                "attachment_size_mismatch",
                f"attachment {attachment.id} declares {attachment.size} bytes but the content "
                f"you uploaded under {attachment.sha256[:12]}… has {size}",
                "attachments",
            ), None
    missing = sorted({a.sha256 for a in report.attachments if a.sha256 not in held})
    body, sealed, sealed_by = seals.to_store(report, batch.server_key, body)
    created_at = dt.datetime.fromisoformat(report.created_at).astimezone(dt.UTC)
    received_at = utcnow()
    batch.rows.append(
        {
            "id": report.id,
            "task_id": report.task_id,
            "unit_code": unit_code,
            "submitted_by": batch.principal.user_id,
            "content_sha256": report.content_sha256,
            "body": body,
            "progress": report.progress,
            "status_claim": report.status_claim,
            "classification": report.classification,
            "created_at": created_at,
            "received_at": received_at,
            "complete": not missing,
            "signature": report.signature,
            "device_id": report.device_id,
            "sealed": sealed,
            "sealed_by": sealed_by,
            "search_words": report_words.folded(body, sealed),
        }
    )
    batch.attachments += [
        {
            "report_id": report.id,
            "id": stored["id"],
            "sha256": stored["sha256"],
            "size": stored["size"],
            "file_name": stored["file_name"],
            "mime_type": stored["mime_type"],
        }
        for stored in body["attachments"]
    ]
    if missing:
        message = "Stored; waiting for the attachments to be uploaded."
        return Ack(id=report.id, status="incomplete", message=message, missing_blobs=missing), None
    counted = progress.Counted(report.id, report.task_id, received_at, created_at, report.progress)
    return Ack(id=report.id, status="accepted"), counted


def store(
    session: Session,
    principal: Principal,
    scope: Scope,
    checked: Checked,
    server_key: X25519PrivateKey,
) -> list[Ack]:
    """Store a checked batch in the write transaction; safe to retry with the same batch."""
    items = checked.items
    valid = [
        item
        for item, ack in zip(items, checked.acks, strict=True)
        if isinstance(item, ReportIn) and ack is None
    ]
    task_ids = sorted({r.task_id for r in valid})
    report_ids = sorted({r.id for r in valid})
    connection = session.connection()
    tasks = connection.execute(_TASK_UNITS, {"ids": task_ids}).all()
    away = sorted(row.id for row in tasks if not scope.allows(row.unit_code))
    departed: dict[str, list[tuple[str, dt.datetime]]] = {}
    for row in connection.execute(_DEPARTURES, {"ids": away}) if away else ():
        if scope.allows(row.unit_code):
            departed.setdefault(row.task_id, []).append((row.unit_code, row.moved_at))
    batch = _Batch(
        principal,
        scope,
        server_key,
        task_units={row.id: row.unit_code for row in tasks},
        withdrawn={
            row.id: (row.withdrawn_at, row.withdrawn_reason or "")
            for row in tasks
            if row.withdrawn_at is not None
        },
        departed=departed,
        existing={
            report_id: _Earlier(sha, complete)
            for report_id, sha, complete in connection.execute(_EARLIER, {"ids": report_ids})
        },
        acks=list(checked.acks),
    )
    for index, item in enumerate(items):
        if isinstance(item, ReportIn) and checked.acks[index] is None:
            batch.acks[index] = _judge(batch, index, item)
    _reject_unknown_corrections(session, batch)

    shas = {a.sha256 for _index, report, _task in batch.candidates for a in report.attachments}
    _declare_blobs(session, shas)
    held = blobs.held(session, principal.user_id, shas)
    counted: list[progress.Counted] = []
    for index, report, unit_code in batch.candidates:
        ack, done = _store(batch, held, report, unit_code, checked.bodies[index])
        batch.acks[index] = ack
        if done is not None:
            counted.append(done)
    # Core executemany, not ORM objects: a round's rows are never read back here,
    # and building mapped instances was most of a sync round's cost.
    if batch.rows:
        connection.execute(_INSERT_REPORTS, batch.rows)
    if batch.attachments:
        connection.execute(_INSERT_ATTACHMENTS, batch.attachments)

    # Duplicates of reports still waiting for blobs say so, with what is missing.
    waiting = [report_id for report_id, r in batch.existing.items() if not r.complete]
    missing = blobs.unheld(session, waiting) if waiting else {}
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        first.setdefault(item.id, index)
        current = batch.acks[index]
        if current is None:  # repeated id within the batch, same content as the first
            earlier = batch.acks[first[item.id]]
            assert earlier is not None
            current = earlier
            if earlier.status == "accepted":
                current = Ack(id=item.id, status="duplicate")
        elif current.status == "duplicate" and item.id in missing:
            current = Ack(
                id=item.id,
                status="incomplete",
                message="Already stored; still waiting for attachments.",
                missing_blobs=missing[item.id],
            )
        batch.acks[index] = current
    progress.apply(session, counted)
    # After progress: a task's row, then its indicators, as a task edit locks them.
    indicators.record(session, batch.rows)
    devices.touch(session, principal.user_id, checked.signed_on)
    acks = [ack for ack in batch.acks if ack is not None]
    statuses = [ack.status for ack in acks]
    counts = {status: statuses.count(status) for status in sorted(set(statuses))}
    audit.record(session, principal.username, "sync.push", "", **counts)
    return acks


def ingest(
    session: Session,
    principal: Principal,
    scope: Scope,
    items: list[ReportIn | UnparsedReport],
    server_key: X25519PrivateKey,
) -> list[Ack]:
    """Check and store in one transaction (bundle imports, which hold it anyway)."""
    checked = check(session, principal, items, server_key)
    return store(session, principal, scope, checked, server_key)
