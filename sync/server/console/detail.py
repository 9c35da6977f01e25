"""One report as the console shows it, its task's earlier reports, its files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from dxdesk import sealing
from sync.protocol import ReportOut
from sync.server import reviews
from sync.server.accounts import Principal
from sync.server.errors import ApiError
from sync.server.scope import Scope
from sync.server.tables import Report, Task, Unit

EARLIER_SHOWN = 20


@dataclass(frozen=True)
class Earlier:
    id: str
    received_at: dt.datetime
    progress: int
    review_state: str | None


@dataclass(frozen=True)
class IndicatorValue:
    code: str
    name: str
    measure: str
    target: Any
    value: Any


@dataclass(frozen=True)
class Detail:
    report: ReportOut
    task: Task
    unit_name: str
    hidden: bool  # a sealed report not opened on this request
    unreadable: bool  # sealed to a key this server does not have
    signature: str | None  # "valid" / "invalid" / "unsigned"; None: checked once opened
    indicators: list[IndicatorValue]
    earlier: list[Earlier]


def load(
    session: Session, principal: Principal, scope: Scope, report_id: str,
    key: X25519PrivateKey, *, open_sealed: bool,
) -> Detail:  # fmt: skip
    """ApiError 404 outside the scope. Opening a sealed report is audited, so call
    it in a write transaction when ``open_sealed``."""
    row = reviews.visible_report(session, scope, report_id, lock=False)
    unreadable = False
    try:
        out = reviews.read(
            session, principal.username, scope, report_id, key, open_sealed=open_sealed
        )
        opened = reviews.open_words(row, key) if open_sealed else None
    except ApiError as exc:
        if exc.detail.code != "sealed_unreadable":
            raise
        out = reviews.read(session, principal.username, scope, report_id, key, open_sealed=False)
        opened, unreadable = None, True
    hidden = row.sealed is not None and opened is None
    if hidden and row.sealed_by == "server":
        signature = None  # the signed body includes the sealed words
    else:
        try:
            signature = reviews.signature_status(session, row, opened)
        except sealing.SealError:
            signature = None
    task = session.get(Task, row.task_id)
    assert task is not None  # a foreign key
    values = out.indicator_values
    indicators = [
        IndicatorValue(str(i.get("code", "")), str(i.get("name", "")), str(i.get("unit", "")),
                       i.get("target"), values.get(str(i.get("code", ""))))
        for i in (task.indicators or [])
    ]  # fmt: skip
    known = {i.code for i in indicators}
    indicators += [IndicatorValue(k, k, "", None, v) for k, v in values.items() if k not in known]
    earlier = [
        Earlier(rid, at if at.tzinfo else at.replace(tzinfo=dt.UTC), progress, state)
        for rid, at, progress, state in session.execute(
            select(Report.id, Report.received_at, Report.progress, Report.review_state)
            .where(Report.task_id == row.task_id, Report.received_at < row.received_at,
                   scope.where(Report.unit_code))
            .order_by(Report.received_at.desc(), Report.id.desc())
            .limit(EARLIER_SHOWN)
        )
    ]  # fmt: skip
    unit = session.get(Unit, row.unit_code)
    return Detail(
        out,
        task,
        unit.name if unit is not None else row.unit_code,
        hidden,
        unreadable,
        signature,
        indicators,
        earlier,
    )
