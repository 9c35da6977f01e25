"""What reviewers do with received reports: list them, return or accept them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from dxdesk.clock import utcnow
from dxdesk.text import clean
from sync.protocol import ReportOut
from sync.server import audit, versions
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


def listing(
    session: Session,
    scope: Scope,
    *,
    unit: str | None,
    task_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[ReportOut], bool]:
    query = (
        select(Report, Task.code, User.username)
        .join(Task, Task.id == Report.task_id)
        .join(User, User.id == Report.submitted_by)
        .where(scope.where(Report.unit_code))
        .order_by(Report.received_at.desc(), Report.id)
        .offset(offset)
        .limit(limit + 1)
    )
    if unit is not None:
        query = query.where(Report.unit_code == unit)
    if task_id is not None:
        query = query.where(Report.task_id == task_id)
    rows = session.execute(query).all()
    ids = [row[0].id for row in rows[:limit]]
    attachments: dict[str, list[dict[str, object]]] = {}
    for item in session.scalars(select(Attachment).where(Attachment.report_id.in_(ids))):
        attachments.setdefault(item.report_id, []).append(
            {"id": item.id, "sha256": item.sha256, "size": item.size,
             "file_name": item.file_name, "mime_type": item.mime_type}
        )  # fmt: skip
    out = []
    for report, task_code, username in rows[:limit]:
        body = report.body
        out.append(
            ReportOut(
                id=report.id,
                task_id=report.task_id,
                task_code=task_code,
                unit_code=report.unit_code,
                submitted_by=username,
                progress=report.progress,
                status_claim=report.status_claim,
                results=str(body.get("results", "")),
                difficulties=str(body.get("difficulties", "")),
                proposals=str(body.get("proposals", "")),
                indicator_values=dict(body.get("indicator_values", {})),
                classification=report.classification,
                corrects_id=body.get("corrects_id"),
                author=str(body.get("author", "")),
                created_at=report.created_at.isoformat(),
                received_at=report.received_at.isoformat(),
                complete=report.complete,
                attachments=attachments.get(report.id, []),
                review_state=report.review_state,
                review_comment=report.review_comment,
                reviewed_at=_iso(report.reviewed_at),
            )
        )
    return out, len(rows) > limit
