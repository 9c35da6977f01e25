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
    Float,
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
    key registered for their sender and the device they name. One key per user and
    device is current: registering another (a profile recreated on the computer, a
    deliberate rotation) retires the one before. A retired key still verifies new
    reports for a grace period (``devices.RETIRED_KEY_GRACE``: a USB stick signed
    before the rotation) and, always, the reports it signed that are stored."""

    __tablename__ = "device"
    __table_args__ = (
        UniqueConstraint("user_id", "device_id", "public_key", name="uq_device_user_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"))
    # Ed25519, base64url; indexed: a login checks that no other user registered it.
    public_key: Mapped[str] = mapped_column(String(64), index=True)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # When a later key of the same user and device replaced it; None while current.
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginChallenge(Base):
    """A login challenge already spent by a login that registered a key (its nonce's
    sha256), kept until the nonce expires so it cannot be used twice."""

    __tablename__ = "login_challenge"

    nonce_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


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
    __table_args__ = (
        # A unit's changes in version order: what every sync round's pull reads.
        Index("ix_task_unit_version", "unit_code", "version"),
        # The console's overview: categories per unit and the overdue list, read from
        # the index alone (docs/benchmarks.md, reviewer console).
        # (A withdrawn task is no longer anyone's to do: not counted, not listed.)
        Index("ix_task_unit_state", "unit_code", "completed_on", "deadline", "withdrawn_at"),
        Index(
            "ix_task_open_deadline", "completed_on", "deadline", "code", "unit_code", "withdrawn_at"
        ),
        # Codes are unique per province, not across the country (scope.UnitTree).
        UniqueConstraint("code_scope", "code", name="uq_task_scope_code"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    # The unit whose codes this task's code is unique among: its unit's province.
    code_scope: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    # ``fold(code + " " + title)`` (dxdesk.text): the console's diacritic-insensitive
    # search matches it in SQL instead of folding every task's title per request
    # (seconds at national scale). Written with the title, by tasks._fill.
    search_key: Mapped[str] = mapped_column(Text, server_default="")
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
    # Withdrawn (thu hồi): the row stays, for the reports on it; devices drop the task.
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_by: Mapped[str | None] = mapped_column(String(150))


class TaskDeparture(Base):
    """A task moved away from ``unit_code``: the unit's devices drop it. The row
    takes its own change version, so it reaches them by their cursor (migration 0016)."""

    __tablename__ = "task_departure"
    __table_args__ = (Index("ix_task_departure_unit_version", "unit_code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(String(64), ForeignKey("task.id"))
    unit_code: Mapped[str] = mapped_column(String(64))  # the unit it left
    version: Mapped[int] = mapped_column(BigInteger, unique=True)
    moved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class TaskIndicator(Base):
    """One of a task's indicators beside the value its newest report gave, kept by
    :mod:`sync.server.indicators`: the overview sums these in one aggregate instead
    of reading every task and seeking its latest report (migration 0014)."""

    __tablename__ = "task_indicator"
    __table_args__ = (Index("ix_task_indicator_unit", "unit_code"),)

    task_id: Mapped[str] = mapped_column(String(64), ForeignKey("task.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # in the task's list
    unit_code: Mapped[str] = mapped_column(String(64))  # the task's (moved with it)
    code: Mapped[str] = mapped_column(String(100))
    measure: Mapped[str] = mapped_column(String(100))  # the indicator's "unit" (ha, hồ sơ)
    name: Mapped[str] = mapped_column(Text)
    target: Mapped[float | None] = mapped_column(Float)
    # from the task's newest report by (received_at, id); None: it gave no number
    value: Mapped[float | None] = mapped_column(Float)
    value_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    value_report: Mapped[str | None] = mapped_column(String(64))


class Report(Base):
    """A received report, immutable except for its completeness and its review."""

    __tablename__ = "report"
    __table_args__ = (
        Index("ix_report_unit_received", "unit_code", "received_at"),
        Index("ix_report_review_version", "review_version", unique=True),
        # A unit's reviews in version order, without reading the unit's every report.
        Index("ix_report_unit_review", "unit_code", "review_version"),
        # The console: the inbox newest first (keyset paging), a task's latest report.
        Index("ix_report_received_id", "received_at", "id"),
        Index("ix_report_task_received", "task_id", "received_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Indexed by ix_report_task_received (task_id first), which serves the foreign key too.
    task_id: Mapped[str] = mapped_column(String(64), ForeignKey("task.id"))
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
    # The clear words folded for the console's search (report_words); None when sealed.
    search_words: Mapped[str | None] = mapped_column(Text)


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
    """A content address some report declared. ``complete`` once an upload of it
    was verified, with ``size`` its true size (0 before). Who may use the content is
    not here: see :class:`BlobUpload`."""

    __tablename__ = "blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class BlobUpload(Base):
    """One user's upload of one content address: in progress, then (verified) the
    user's proof of possession. A report counts only when its submitter's upload of
    each attachment is complete with the declared size, so nobody learns what others
    hold, and nobody can touch an upload in progress but its owner.

    The bytes live once per content: a sweep drops the chunks of every complete
    upload of a content but the oldest (``blobs.sweep``). ``user_id`` is NULL only
    for content kept from before uploads had owners (migration 0006)."""

    __tablename__ = "blob_upload"
    __table_args__ = (
        UniqueConstraint("user_id", "sha256", name="uq_blob_upload_user_sha"),
        # Bytes in flight per unit (the quota), and the sweep's abandoned uploads.
        Index("ix_blob_upload_unit", "unit_code", "complete"),
        Index("ix_blob_upload_sha", "sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("blob.sha256"))
    user_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))
    # the uploader's unit when the upload started: whose quota it uses
    unit_code: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)  # the uploader's claim; true once complete
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # the last progress
    # Each chunk sealed by the server as it arrived (a classified report's attachment
    # sent in the clear by an older device): opened only to verify and to serve it.
    sealed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class UploadChunk(Base):
    """Chunks live in the database so that bytes and ``received`` commit together."""

    __tablename__ = "upload_chunk"

    upload_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("blob_upload.id", ondelete="CASCADE"), primary_key=True
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


class Release(Base):
    """A published dxdesk version on a channel: its signed manifest, as the admin's
    ``dxdesk-server release sign`` wrote it (the server holds no release key)."""

    __tablename__ = "release"
    __table_args__ = (UniqueConstraint("channel", "version", name="uq_release_channel_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    manifest: Mapped[bytes] = mapped_column(LargeBinary)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ReleaseArtifact(Base):
    """One installer of a release (the portable archive, the .deb, the Windows setup)."""

    __tablename__ = "release_artifact"
    __table_args__ = (UniqueConstraint("release_id", "platform", name="uq_release_platform"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    release_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("release.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)


class ReleaseChunk(Base):
    """An artifact's bytes, in the database like attachments' (every worker serves
    them, backups carry them), in fixed chunks keyed by content address."""

    __tablename__ = "release_chunk"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
