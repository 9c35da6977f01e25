"""The server's tables (SQLAlchemy 2). Migrations in ``migrations/`` create them.

Every change that must flow down to devices (a task created or edited, a review)
stamps its row with a *change version* from the single ``change_counter`` row; see
:mod:`sync.server.versions` for why that keeps cursors from skipping changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sync.server.coltypes import UTCDateTime


class Base(DeclarativeBase):
    pass


def table_of(mapped: type[Base]) -> Table:
    """The Core table behind a mapped class, for bulk statements on hot paths."""
    return cast(Table, mapped.__table__)


class ServerInfo(Base):
    """Facts about this database; ``epoch`` is random per database, so a cursor from
    another database (or a restored backup) is recognised as unservable."""

    __tablename__ = "server_info"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class ChangeCounter(Base):
    __tablename__ = "change_counter"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class Unit(Base):
    __tablename__ = "unit"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    parent_code: Mapped[str | None] = mapped_column(String(64), ForeignKey("unit.code"), index=True)
    level: Mapped[str] = mapped_column(String(32))


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(String(64), ForeignKey("unit.code"), index=True)
    full_name: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Device(Base):
    """A device key registered by a password login; reports are verified against the
    keys registered for their sender and the device they name. A profile recreated
    on the same computer registers a new key beside the old one, so reports signed
    with either still verify."""

    __tablename__ = "device"
    __table_args__ = (
        UniqueConstraint("user_id", "device_id", "public_key", name="uq_device_user_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"))
    public_key: Mapped[str] = mapped_column(String(64))  # Ed25519, base64url
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Token(Base):
    """Only the sha256 of a token is kept: a stolen database yields no live tokens."""

    __tablename__ = "auth_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Task(Base):
    __tablename__ = "task"
    # A unit's changes in version order: what every sync round's pull reads.
    __table_args__ = (Index("ix_task_unit_version", "unit_code", "version"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    doc_number: Mapped[str] = mapped_column(Text, default="")
    doc_date: Mapped[dt.date | None] = mapped_column(Date)
    doc_issuer: Mapped[str] = mapped_column(Text, default="")
    unit_code: Mapped[str] = mapped_column(String(64), ForeignKey("unit.code"), index=True)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    expected_output: Mapped[str] = mapped_column(Text, default="")
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    # the server's receipt time of the report that set ``progress`` (migration 0010)
    progress_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set by a push that moved ``progress``; the publisher gives the task a version.
    progress_pending: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), index=True
    )
    version: Mapped[int] = mapped_column(BigInteger, unique=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Report(Base):
    """A received report, immutable except for its completeness and its review."""

    __tablename__ = "report"
    __table_args__ = (
        Index("ix_report_unit_received", "unit_code", "received_at"),
        Index("ix_report_review_version", "review_version", unique=True),
        # A unit's reviews in version order, without reading the unit's every report.
        Index("ix_report_unit_review", "unit_code", "review_version"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(64), ForeignKey("task.id"), index=True)
    # the task's unit when received: what authorisation checks
    unit_code: Mapped[str] = mapped_column(String(64), ForeignKey("unit.code"))
    submitted_by: Mapped[int] = mapped_column(Integer, ForeignKey("user_account.id"))
    content_sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # the canonical body as received
    progress: Mapped[int] = mapped_column(Integer)
    status_claim: Mapped[str] = mapped_column(String(16))
    classification: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # the device's claim
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    complete: Mapped[bool] = mapped_column(Boolean)
    review_state: Mapped[str | None] = mapped_column(String(16))
    review_comment: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))
    review_version: Mapped[int | None] = mapped_column(BigInteger)
    signature: Mapped[str | None] = mapped_column(String(128))  # over content_sha256
    device_id: Mapped[str | None] = mapped_column(String(64))  # whose key verified it
    # Classified reports: the words and file names, sealed to the server's key. The
    # plaintext is never stored; ``body`` then holds only what travels in the clear.
    sealed: Mapped[str | None] = mapped_column(Text)
    # "device": sealed before sending, and ``body`` + sealed is what was hashed;
    # "server": sent in the clear by an older device and sealed here on arrival.
    sealed_by: Mapped[str | None] = mapped_column(String(16))


class Attachment(Base):
    __tablename__ = "attachment"

    report_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("report.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("blob.sha256"), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(Text)
    mime_type: Mapped[str] = mapped_column(String(127))


class Blob(Base):
    """An attachment's content, declared by a report and filled by chunked uploads."""

    __tablename__ = "blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class BlobChunk(Base):
    """Chunks live in the database so that bytes and ``received`` commit together."""

    __tablename__ = "blob_chunk"

    sha256: Mapped[str] = mapped_column(
        String(64), ForeignKey("blob.sha256", ondelete="CASCADE"), primary_key=True
    )
    offset: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class BundleImport(Base):
    """A USB bundle imported (by upload, relay or the admin command) and the signed
    receipt it got: a second delivery of the same file is answered with that receipt
    and stores nothing."""

    __tablename__ = "bundle_import"

    bundle_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("user_account.id"))
    file_sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    delivered_by: Mapped[str] = mapped_column(String(150))
    reports: Mapped[int] = mapped_column(Integer)
    receipt: Mapped[str] = mapped_column(Text)  # the receipt file, as sent


class AuditEvent(Base):
    """Append-only: who did what on the server."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(150))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
