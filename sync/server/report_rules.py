"""What a report's wire shape cannot say alone: its fields must agree with each
other, and a correction must correct something.

The device refuses both at finalize (``dxdesk.validation``); the server checks
again, since a device is only one client, and rejects just the report at fault.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from sync.protocol import Ack, ReportIn
from sync.server.tables import Report

_TASKS_OF = select(Report.id, Report.task_id).where(Report.id.in_(bindparam("ids", expanding=True)))


def _invalid(report: ReportIn, field: str, message: str) -> Ack:
    return Ack(id=report.id, status="rejected", code="invalid_report", message=message, field=field)


def contradiction(report: ReportIn) -> Ack | None:
    """A rejection when the report contradicts itself, else None."""
    if report.status_claim == "done" and report.progress != 100:
        return _invalid(
            report,
            "progress",
            f"progress: a report that claims the task done must say 100%, not {report.progress}%",
        )
    return None


def unknown_corrections(session: Session, reports: list[ReportIn]) -> dict[str, Ack]:
    """Rejections (by report id) of the corrections among ``reports`` (those about
    to be stored) whose ``corrects_id`` names no report of the same task, stored
    already or among ``reports``. A correction of a rejected one is rejected too."""
    named = sorted({r.corrects_id for r in reports if r.corrects_id is not None})
    if not named:
        return {}
    task_of = dict(session.connection().execute(_TASKS_OF, {"ids": named}).all())
    batch = {r.id: r for r in reports}
    rejected: dict[str, Ack] = {}
    changed = True
    while changed:  # until no rejection leaves another correction without its target
        changed = False
        for report in reports:
            target = report.corrects_id
            if target is None or report.id in rejected:
                continue
            in_batch = batch.get(target)
            found: str | None
            if in_batch is not None and target not in rejected and target != report.id:
                found = in_batch.task_id
            else:
                found = task_of.get(target)
            if found != report.task_id:
                # The same answer whether the report exists elsewhere or not at all.
                rejected[report.id] = _invalid(
                    report,
                    "corrects_id",
                    "corrects_id: no report with this id was received for this task",
                )
                changed = True
    return rejected
