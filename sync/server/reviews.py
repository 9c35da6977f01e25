"""What reviewers do with received reports: list them, read one (opening a sealed
classified report, which is audited), return or accept them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from dxdesk import sealing
from dxdesk.canonical import content_hash
from dxdesk.clock import utcnow
from dxdesk.text import clean
from sync.protocol import ReportOut, SealedContent
from sync.server import audit, devices, seals, signature_check, versions
from sync.server.accounts import Principal
from sync.server.errors import ApiError
from sync.server.scope import Scope
from sync.server.tables import Attachment, Report, Task, User

REVIEWER_ROLES = ("reviewer", "admin")


def require_reviewer(principal: Principal) -> None:
    if principal.role not in REVIEWER_ROLES:
        raise ApiError(403, "forbidden_role", "Only reviewers and admins may do this.")


def visible_report(session: Session, scope: Scope, report_id: str, *, lock: bool) -> Report:
    query = select(Report).where(Report.id == report_id, scope.where(Report.unit_code))
    report = session.scalar(query.with_for_update() if lock else query)
    if report is None:  # other units' reports are as absent as unknown ones
        raise ApiError(404, "not_found", "No report with this id in your units.")
    return report


def review(
    session: Session,
    principal: Principal,
    scope: Scope,
    report_id: str,
    *,
    state: str,
    comment: str,
) -> Report:
    require_reviewer(principal)
    report = visible_report(session, scope, report_id, lock=True)
    report.review_state = state
    report.review_comment = clean(comment)
    report.reviewed_at = utcnow()
    report.reviewed_by = principal.user_id
    (report.review_version,) = versions.allocate(session)  # last: see versions.py
    session.flush()
    audit.record(session, principal.username, f"report.{state}", report_id)
    return report


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _attachments(session: Session, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for item in session.scalars(select(Attachment).where(Attachment.report_id.in_(ids))):
        found.setdefault(item.report_id, []).append(
            {"id": item.id, "sha256": item.sha256, "size": item.size,
             "file_name": item.file_name, "mime_type": item.mime_type}
        )  # fmt: skip
    return found


def as_opened(attachment: dict[str, Any], opened: SealedContent) -> dict[str, Any]:
    """An attachment of an opened sealed report as its author attached it: its name,
    and for sealed bytes the original's sha256, size and type (what is downloaded)."""
    entry = next((a for a in opened.attachments if a.id == attachment["id"]), None)
    if entry is None:
        return attachment
    shown = {**attachment, "file_name": entry.file_name}
    if entry.bytes_sealed:
        shown.update(sha256=entry.sha256, size=entry.size, mime_type=entry.mime_type)
    return shown


def _out(
    report: Report,
    task_code: str,
    username: str,
    attachments: list[dict[str, Any]],
    opened: SealedContent | None = None,
) -> ReportOut:
    """``opened``: the sealed words, for the one reader who asked for them."""
    words: dict[str, Any] = dict(report.body)
    if opened is not None:
        words.update(opened.model_dump(mode="json", exclude={"attachments"}))
        attachments = [as_opened(a, opened) for a in attachments]
    return ReportOut(
        id=report.id,
        task_id=report.task_id,
        task_code=task_code,
        unit_code=report.unit_code,
        submitted_by=username,
        progress=report.progress,
        status_claim=report.status_claim,
        results=str(words.get("results", "")),
        difficulties=str(words.get("difficulties", "")),
        proposals=str(words.get("proposals", "")),
        indicator_values=dict(words.get("indicator_values", {})),
        classification=report.classification,
        corrects_id=words.get("corrects_id"),
        author=str(words.get("author", "")),
        created_at=report.created_at.isoformat(),
        received_at=report.received_at.isoformat(),
        complete=report.complete,
        attachments=attachments,
        review_state=report.review_state,
        review_comment=report.review_comment,
        reviewed_at=_iso(report.reviewed_at),
        sealed=report.sealed is not None,
        # A signature verified only with a key registered for the sender.
        signed_by=username if report.signature is not None else None,
        device_id=report.device_id,
    )


def _with_names(scope: Scope) -> Any:
    return (
        select(Report, Task.code, User.username)
        .join(Task, Task.id == Report.task_id)
        .join(User, User.id == Report.submitted_by)
        .where(scope.where(Report.unit_code))
    )


def listing(
    session: Session,
    scope: Scope,
    *,
    unit: str | None,
    task_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[ReportOut], bool]:
    """Sealed reports are listed without their words (see :func:`read`)."""
    query = (
        _with_names(scope)
        .order_by(Report.received_at.desc(), Report.id)
        .offset(offset)
        .limit(limit + 1)
    )
    if unit is not None:
        query = query.where(Report.unit_code == unit)
    if task_id is not None:
        query = query.where(Report.task_id == task_id)
    rows = session.execute(query).all()
    attachments = _attachments(session, [row[0].id for row in rows[:limit]])
    out = [
        _out(report, task_code, username, attachments.get(report.id, []))
        for report, task_code, username in rows[:limit]
    ]
    return out, len(rows) > limit


def open_words(report: Report, key: X25519PrivateKey | None) -> SealedContent | None:
    """The sealed words of ``report``, if it is sealed; SealError without the key."""
    if report.sealed is None:
        return None
    if key is None:
        raise sealing.SealError("no server key to open it with")
    return seals.open_stored(report, key)


def signature_status(session: Session, report: Report, opened: SealedContent | None) -> str:
    """Check again, from what is stored, that the report is what its device signed:
    "valid", "unsigned" (received before reports were signed) or "invalid"."""
    if report.signature is None or report.device_id is None:
        return "unsigned"
    content_sha256 = content_hash(seals.original_body(report, opened))
    if content_sha256 != report.content_sha256:
        return "invalid"
    keys = devices.keys_ever(session, report.submitted_by, report.device_id)
    if signature_check.verifies(keys, content_sha256, report.signature):
        return "valid"
    return "invalid"


def read(
    session: Session,
    actor: str,
    scope: Scope,
    report_id: str,
    key: X25519PrivateKey | None,
    *,
    open_sealed: bool = True,
) -> ReportOut:
    """One report in full; a sealed one is opened with the server's key, and the
    opening is audited (in the caller's write transaction). With ``open_sealed``
    false, a sealed report comes without its words (the console's first view)."""
    found = session.execute(_with_names(scope).where(Report.id == report_id)).first()
    if found is None:  # other units' reports are as absent as unknown ones
        raise ApiError(404, "not_found", "No report with this id in your units.")
    report, task_code, username = found
    try:
        opened = open_words(report, key) if open_sealed else None
    except sealing.SealError as exc:
        raise ApiError(
            409,
            "sealed_unreadable",
            "This classified report was sealed to another server key; restore that key "
            "file to read it.",
        ) from exc
    if opened is not None:
        audit.record(session, actor, "report.unseal", report.id)
    return _out(report, task_code, username, _attachments(session, [report.id]).get(report.id, []),
                opened)  # fmt: skip
