"""Attachments: content-addressed by sha256, uploaded in resumable chunks.

A blob may be uploaded by a user only when a report in that user's scope declares
it (the report is sent first, in a sync, and held as ``incomplete``). So nobody can
store arbitrary files, and asking about a hash outside one's scope reveals nothing:
it reads as "received 0".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from dxdesk.clock import utcnow
from sync.protocol import MAX_CHUNK_BYTES, BlobStatus
from sync.server import audit, progress
from sync.server.accounts import Principal
from sync.server.errors import ApiError
from sync.server.scope import Scope
from sync.server.tables import Attachment, Blob, BlobChunk, Report


def _declared_in_scope(session: Session, scope: Scope, sha256: str) -> bool:
    query = select(
        exists()
        .where(Attachment.sha256 == sha256, Attachment.report_id == Report.id)
        .where(scope.where(Report.unit_code))
    )
    return bool(session.scalar(query))


def status(session: Session, scope: Scope, sha256: str) -> BlobStatus:
    blob = session.get(Blob, sha256)
    if blob is None or not _declared_in_scope(session, scope, sha256):
        return BlobStatus(sha256=sha256, received=0, complete=False)
    return BlobStatus(sha256=sha256, received=blob.received, complete=blob.complete, size=blob.size)


@dataclass(frozen=True)
class Outcome:
    status: BlobStatus
    # Set when the upload finished but the bytes did not hash to the name: the
    # discard must still be committed, so the caller raises this after the commit.
    error: ApiError | None = None


def _verify(session: Session, blob: Blob) -> bool:
    digest = hashlib.sha256()
    chunks = session.scalars(
        select(BlobChunk.data).where(BlobChunk.sha256 == blob.sha256).order_by(BlobChunk.offset)
    )
    for data in chunks:
        digest.update(data)
    return digest.hexdigest() == blob.sha256


def _count_reports(session: Session, sha256: str) -> None:
    """Reports that were waiting only for this blob now count."""
    waiting = session.scalars(
        select(Report)
        .join(Attachment, Attachment.report_id == Report.id)
        .where(Attachment.sha256 == sha256, Report.complete.is_(False))
        .order_by(Report.id)
    ).all()
    counted = []
    for report in waiting:
        pending = session.scalar(
            select(
                exists()
                .where(Attachment.report_id == report.id, Attachment.sha256 == Blob.sha256)
                .where(Blob.complete.is_(False))
            )
        )
        if not pending:
            report.complete = True
            counted.append(
                progress.Counted(report.id, report.task_id, report.created_at, report.progress)
            )
    session.flush()
    progress.apply(session, counted)


def _restart(session: Session, blob: Blob, size: int) -> None:
    """Start the blob over under a new size claim (the route bounds ``size``)."""
    session.execute(delete(BlobChunk).where(BlobChunk.sha256 == blob.sha256))
    blob.size = size
    blob.received = 0
    session.flush()


def put_chunk(
    session: Session,
    *,
    principal: Principal,
    scope: Scope,
    sha256: str,
    offset: int,
    data: bytes,
    size: int | None,
) -> Outcome:
    if not _declared_in_scope(session, scope, sha256):
        raise ApiError(
            403,
            "blob_not_declared",
            "No report of yours declares this attachment; send the report first (in a "
            "sync), then upload its attachments.",
        )
    blob = session.scalar(select(Blob).where(Blob.sha256 == sha256).with_for_update())
    assert blob is not None  # an attachment references it
    if blob.complete:  # a resend after a lost response: nothing to do
        return Outcome(BlobStatus(sha256=sha256, received=blob.size, complete=True, size=blob.size))
    if size is not None and size != blob.size:
        # Sizes are claims until the hash is verified: the uploader's own claim wins,
        # and bytes gathered under another claim are dropped (a wrong or malicious
        # declaration elsewhere can delay an upload, never block it).
        _restart(session, blob, size)
        if offset != 0:
            raise ApiError(
                409,
                "offset_mismatch",
                "This attachment was being uploaded with another size; start again from offset 0.",
                field="offset",
                received=0,
            )
    if offset != blob.received:
        raise ApiError(
            409,
            "offset_mismatch",
            f"The server holds {blob.received} bytes of this attachment; "
            f"continue from offset {blob.received}.",
            field="offset",
            received=blob.received,
        )
    if not data:
        raise ApiError(400, "empty_chunk", "The chunk is empty.")
    if offset + len(data) > blob.size:
        raise ApiError(
            422,
            "beyond_size",
            f"The chunk goes past the declared size of {blob.size} bytes.",
            field="offset",
        )
    session.add(BlobChunk(sha256=sha256, offset=offset, data=data))
    blob.received = offset + len(data)
    blob.updated_at = utcnow()
    session.flush()
    if blob.received < blob.size:
        return Outcome(BlobStatus(sha256=sha256, received=blob.received, complete=False,
                                  size=blob.size))  # fmt: skip
    if not _verify(session, blob):
        session.execute(delete(BlobChunk).where(BlobChunk.sha256 == sha256))
        blob.received = 0
        audit.record(session, principal.username, "blob.hash_mismatch", sha256)
        error = ApiError(
            422,
            "hash_mismatch",
            "The uploaded bytes do not match the attachment's sha256; they were discarded. "
            "Upload the file again from offset 0.",
            received=0,
        )
        return Outcome(BlobStatus(sha256=sha256, received=0, complete=False, size=blob.size), error)
    blob.complete = True
    session.flush()
    audit.record(session, principal.username, "blob.complete", sha256, size=blob.size)
    _count_reports(session, sha256)
    return Outcome(BlobStatus(sha256=sha256, received=blob.size, complete=True, size=blob.size))


def fill(session: Session, sha256: str, data: bytes, actor: str) -> bool:
    """Store a whole attachment that arrived in a USB bundle, already verified
    against ``sha256`` by the caller. Only blobs some report declares have a row;
    a complete blob is left alone. True when this completed the blob."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError("fill() needs bytes that match their sha256")
    blob = session.scalar(select(Blob).where(Blob.sha256 == sha256).with_for_update())
    if blob is None or blob.complete:
        return False
    session.execute(delete(BlobChunk).where(BlobChunk.sha256 == sha256))
    for offset in range(0, len(data), MAX_CHUNK_BYTES):
        session.add(
            BlobChunk(sha256=sha256, offset=offset, data=data[offset : offset + MAX_CHUNK_BYTES])
        )
    # The content is verified: its size is now a fact, whatever was claimed before.
    blob.size = blob.received = len(data)
    blob.complete = True
    blob.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "blob.complete", sha256, size=blob.size, via="bundle")
    _count_reports(session, sha256)
    return True
