"""The local store's tables.

Reports and attachments get their ids on this device (UUID4) so that the server can
store them idempotently however often a flaky link makes us resend. Tasks and units
come from the server and keep the server's ids.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Text
from sqlmodel import Field, SQLModel

from dxdesk.clock import utcnow
from dxdesk.store.columns import NFCText, UTCDateTime, enum_column


def new_id() -> str:
    return str(uuid.uuid4())


class ReportState(StrEnum):
    DRAFT = "draft"  # editable, autosaved
    QUEUED = "queued"  # finalized: immutable, waiting for a sync
    SENDING = "sending"  # a sync has sent it and awaits the acknowledgement
    ACCEPTED = "accepted"  # our server acknowledged it
    REJECTED = "rejected"  # our server refused it, with a reason
    RETURNED = "returned"  # a reviewer sent it back with a comment

    @property
    def is_final(self) -> bool:
        return self is not ReportState.DRAFT


class StatusClaim(StrEnum):
    """What the officer claims about the task in this report."""

    IN_PROGRESS = "in_progress"
    DONE = "done"


class Classification(StrEnum):
    NORMAL = "normal"  # thường
    SECRET = "secret"  # mật  # noqa: S105 (a classification, not a password)


class Unit(SQLModel, table=True):
    code: str = Field(primary_key=True)
    name: str = Field(sa_type=NFCText)
    parent_code: str | None = Field(default=None, index=True)
    level: str = "commune"


class TaskRemoval(StrEnum):
    """Why the server no longer lists a task for this device (hidden, kept)."""

    WITHDRAWN = "withdrawn"  # thu hồi, with a reason
    MOVED = "moved"  # assigned to a unit outside the user's
    UNLISTED = "unlisted"  # absent from a full refresh (e.g. the user changed unit)


class Task(SQLModel, table=True):
    id: str = Field(primary_key=True)
    code: str = Field(unique=True, index=True)
    title: str = Field(sa_type=NFCText)
    description: str = Field(default="", sa_type=NFCText)
    doc_number: str = Field(default="", sa_type=NFCText)  # số/ký hiệu văn bản giao
    doc_date: dt.date | None = None
    doc_issuer: str = Field(default="", sa_type=NFCText)
    unit_code: str = Field(index=True)
    start_date: dt.date | None = None
    deadline: dt.date | None = Field(default=None, index=True)
    expected_output: str = Field(default="", sa_type=NFCText)  # sản phẩm đầu ra
    # [{"code": "...", "name": "...", "unit": "...", "target": 12.0}]
    indicators: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    completed_on: dt.date | None = None
    progress: int = 0  # latest progress the server knows of
    server_version: int = 0
    search_key: str = Field(default="", index=True)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Hidden from the task list, kept for its reports (migration 0005); cleared when
    # the server lists the task again.
    removed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    removed_why: TaskRemoval | None = Field(
        default=None, sa_column=enum_column(TaskRemoval, nullable=True)
    )
    removed_reason: str | None = Field(default=None, sa_type=NFCText)
    # The full refresh that last listed it (sync.apply).
    refresh_mark: str | None = None

    @property
    def removed(self) -> bool:
        return self.removed_at is not None


class Report(SQLModel, table=True):
    __table_args__ = (Index("ix_report_state_created", "state", "created_at"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    task_id: str = Field(sa_column=Column(ForeignKey("task.id"), nullable=False, index=True))
    state: ReportState = Field(
        default=ReportState.DRAFT, sa_column=enum_column(ReportState, nullable=False)
    )
    progress: int = 0
    status_claim: StatusClaim = Field(
        default=StatusClaim.IN_PROGRESS, sa_column=enum_column(StatusClaim, nullable=False)
    )
    results: str = Field(default="", sa_type=NFCText)
    difficulties: str = Field(default="", sa_type=NFCText)
    proposals: str = Field(default="", sa_type=NFCText)
    # {"indicator code": value}
    indicator_values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    classification: Classification = Field(
        default=Classification.NORMAL, sa_column=enum_column(Classification, nullable=False)
    )
    corrects_id: str | None = Field(default=None, foreign_key="report.id")
    author: str = Field(default="", sa_type=NFCText)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finalized_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # sha256 of the canonical body, fixed at finalize: the server's idempotency check.
    content_sha256: str | None = None
    state_changed_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reject_code: str | None = None
    reject_message: str | None = Field(default=None, sa_type=NFCText)
    review_comment: str | None = Field(default=None, sa_type=NFCText)
    send_attempts: int = 0
    last_error: str | None = None
    # Ed25519 signature (base64url) over content_sha256 with this profile's device
    # key; made at finalize, and again before sending if the key changed since (or
    # for reports queued before signing existed). Not content: the hash is fixed.
    signature: str | None = None
    # The registered device the report was (last) sent as; not signed.
    device_id: str | None = None
    # Classified reports: their words sealed to the server's key (dxdesk.report_seal);
    # the plaintext columns are then empty.
    sealed: str | None = Field(default=None, sa_type=Text)
    # What the seal holds, with the originals of sealed attachments, encrypted for
    # this profile only (dxdesk.own_copy): its author's correction starts from it.
    own_copy: str | None = Field(default=None, sa_type=Text)
    # Written to a USB bundle (the last one, if several) and not yet confirmed by a
    # receipt or a sync: "exported, awaiting receipt". The report stays queued, so a
    # sync still sends it if a network comes first; whichever arrives first wins.
    exported_bundle: str | None = None
    exported_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The server's time of the review last applied (sync or task package): an older
    # review arriving later (a stale USB task package) never undoes a newer one.
    reviewed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def awaiting_receipt(self) -> bool:
        return self.exported_at is not None and self.state in (
            ReportState.QUEUED,
            ReportState.SENDING,
        )


class Attachment(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    report_id: str = Field(
        sa_column=Column(ForeignKey("report.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    file_name: str = Field(sa_type=NFCText)
    mime_type: str
    size: int
    sha256: str = Field(index=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    uploaded_bytes: int = 0  # how much the server confirmed it holds


class ExportedBundle(SQLModel, table=True):
    """A USB bundle this profile wrote; its receipt, once imported, is dated here."""

    __tablename__ = "exported_bundle"

    id: str = Field(primary_key=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    device_id: str
    reports: int
    attachments: int
    size: int
    file_name: str = Field(default="", sa_type=NFCText)
    receipt_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class SyncState(SQLModel, table=True):
    """Small key/value facts the sync engine keeps: cursor, server clock offset."""

    __tablename__ = "sync_state"

    key: str = Field(primary_key=True)
    value: str


class AuditEvent(SQLModel, table=True):
    """Append-only record of what was done on this device, and by whom."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = ""
    action: str
    subject: str = ""
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
