"""Attachments: content-addressed by sha256, uploaded in resumable chunks.

Every user uploads into their own upload (:class:`~sync.server.tables.BlobUpload`),
and may start one only for a hash that a report *they* sent declares. A finished,
verified upload is that user's proof of possession: a report counts only when its
submitter holds each attachment with the size the report declares. So

- nobody learns what others hold: every answer about a hash is computed from the
  caller's own reports and uploads, and reads the same whether another unit holds
  the content or nobody does;
- nobody can reset, truncate or delay someone else's upload in progress;
- a unit's unfinished uploads are capped (declared bytes, :func:`reserve`), and
  abandoned ones are dropped by :func:`sweep`.

The bytes are still stored once per content: the sweep drops the chunks of every
complete upload of a content but the oldest. Finishing an upload does the same
work whether or not the content was already there, so its timing says nothing.

A classified report's attachment arrives sealed by its device (its sha256 is the
sealed bytes': nothing here opens it), or, from a dxdesk older than protocol 2, in
the clear: then the upload is ``sealed`` and every chunk is sealed to the server's
key before it is stored, and opened only to verify the whole and to serve it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dxdesk import attachment_seal, sealing
from dxdesk.clock import utcnow
from sync.protocol import MAX_CHUNK_BYTES, BlobStatus
from sync.server import audit, progress
from sync.server.accounts import Principal
from sync.server.errors import ApiError
from sync.server.tables import Attachment, Blob, BlobUpload, Report, Unit, UploadChunk

MIB = 1024 * 1024
_CHUNK_AAD = b"dxdesk sealed chunk v1\n"


def _chunk_aad(sha256: str, offset: int) -> bytes:
    # Bound to the content and the place: a sealed chunk cannot be moved elsewhere.
    return _CHUNK_AAD + f"{sha256}\n{offset}".encode("ascii")


def _stored_form(upload: BlobUpload, offset: int, data: bytes, key: X25519PrivateKey) -> bytes:
    if not upload.sealed:
        return data
    return sealing.seal(key.public_key(), data, _chunk_aad(upload.sha256, offset))


def _readable(sealed: bool, sha256: str, offset: int, data: bytes, key: X25519PrivateKey) -> bytes:
    return sealing.open_sealed(key, data, _chunk_aad(sha256, offset)) if sealed else data


def _classified_in_clear(session: Session, user_id: int, sha256: str) -> bool:
    """Whether a classified report of the user declares this content unsealed (sent
    by a dxdesk from before attachments were sealed): then it is stored sealed."""
    return (
        session.scalar(
            select(Attachment.id)
            .join(Report, Report.id == Attachment.report_id)
            .where(Attachment.sha256 == sha256, Report.submitted_by == user_id)
            .where(Report.classification == "secret")
            .where(Attachment.mime_type != attachment_seal.SEALED_MIME)
            .limit(1)
        )
        is not None
    )


def _declared_size(session: Session, user_id: int, sha256: str) -> int | None:
    """The size the caller's newest report gives this hash, or None if none declares it."""
    return session.scalar(
        select(Attachment.size)
        .join(Report, Report.id == Attachment.report_id)
        .where(Attachment.sha256 == sha256, Report.submitted_by == user_id)
        .order_by(Report.received_at.desc(), Report.id.desc())
        .limit(1)
    )


def _own_upload(session: Session, user_id: int, sha256: str, *, lock: bool) -> BlobUpload | None:
    query = select(BlobUpload).where(BlobUpload.user_id == user_id, BlobUpload.sha256 == sha256)
    return session.scalar(query.with_for_update() if lock else query)


def _state(upload: BlobUpload) -> BlobStatus:
    return BlobStatus(
        sha256=upload.sha256,
        received=upload.size if upload.complete else upload.received,
        complete=upload.complete,
        size=upload.size,
    )


def status(session: Session, principal: Principal, sha256: str) -> BlobStatus:
    """The caller's own upload of ``sha256``; never anything about other users'."""
    upload = _own_upload(session, principal.user_id, sha256, lock=False)
    if upload is not None:
        return _state(upload)
    size = _declared_size(session, principal.user_id, sha256)
    return BlobStatus(sha256=sha256, received=0, complete=False, size=size)


def held(session: Session, user_id: int, shas: set[str]) -> dict[str, int]:
    """The verified size of each of ``shas`` that ``user_id`` has uploaded."""
    if not shas:
        return {}
    rows = session.execute(
        select(BlobUpload.sha256, BlobUpload.size).where(
            BlobUpload.user_id == user_id,
            BlobUpload.sha256.in_(sorted(shas)),
            BlobUpload.complete.is_(True),
        )
    )
    return {sha: size for sha, size in rows}


def unheld(session: Session, report_ids: list[str]) -> dict[str, list[str]]:
    """For each report, the attachments its submitter does not hold with the size the
    report declares (a 7-byte declaration is not met by a 50,000-byte upload)."""
    proof = (
        exists()
        .where(BlobUpload.user_id == Report.submitted_by, BlobUpload.sha256 == Attachment.sha256)
        .where(BlobUpload.complete.is_(True), BlobUpload.size == Attachment.size)
    )
    rows = session.execute(
        select(Attachment.report_id, Attachment.sha256)
        .join(Report, Report.id == Attachment.report_id)
        .where(Attachment.report_id.in_(report_ids), ~proof)
    )
    missing: dict[str, set[str]] = {}
    for report_id, sha in rows:
        missing.setdefault(report_id, set()).add(sha)
    return {report_id: sorted(shas) for report_id, shas in missing.items()}


def _count_reports(session: Session, user_id: int, sha256: str) -> None:
    """The user's reports that were waiting only for this upload now count."""
    waiting = list(
        session.scalars(
            select(Report.id)
            .join(Attachment, Attachment.report_id == Report.id)
            .where(Attachment.sha256 == sha256, Report.submitted_by == user_id)
            .where(Report.complete.is_(False))
            .distinct()
        )
    )
    if not waiting:
        return
    still = unheld(session, waiting)
    done = [
        report
        for report in session.scalars(
            select(Report).where(Report.id.in_(waiting)).order_by(Report.id)
        )
        if report.id not in still
    ]
    for report in done:
        report.complete = True
    session.flush()
    progress.apply(
        session,
        [progress.Counted(r.id, r.task_id, r.received_at, r.created_at, r.progress) for r in done],
    )


class QuotaExceededError(ApiError):
    def __init__(self, in_flight: int, quota: int) -> None:
        super().__init__(
            429,
            "upload_quota_exceeded",
            f"Your unit already has {in_flight / MIB:.1f} MiB of unfinished uploads and may "
            f"have {quota / MIB:.0f} MiB at once: finish those (or wait until abandoned ones "
            "expire), then try again.",
        )


def reserve(
    session: Session, principal: Principal, size: int, *, releasing: int, quota: int
) -> None:
    """Refuse to start (or re-size) an upload of ``size`` bytes that would take the
    unit's unfinished uploads past ``quota``; ``releasing`` is the caller's claim that
    this one replaces."""
    # One quota check per unit at a time (PostgreSQL; SQLite writers queue anyway).
    # FOR NO KEY UPDATE: it does not wait for reports that reference the unit.
    session.execute(
        select(Unit.code).where(Unit.code == principal.unit_code).with_for_update(key_share=True)
    )
    in_flight = session.scalar(
        select(func.coalesce(func.sum(BlobUpload.size), 0)).where(
            BlobUpload.unit_code == principal.unit_code, BlobUpload.complete.is_(False)
        )
    )
    in_flight = int(in_flight or 0) - releasing
    if in_flight + size > quota:
        raise QuotaExceededError(in_flight, quota)


def _start(session: Session, principal: Principal, sha256: str, size: int) -> BlobUpload:
    now = utcnow()
    row = {
        "sha256": sha256,
        "user_id": principal.user_id,
        "unit_code": principal.unit_code,
        "size": size,
        "received": 0,
        "complete": False,
        "sealed": _classified_in_clear(session, principal.user_id, sha256),
        "created_at": now,
        "updated_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(BlobUpload).values(row).on_conflict_do_nothing(index_elements=["user_id", "sha256"])
    )
    upload = _own_upload(session, principal.user_id, sha256, lock=True)
    assert upload is not None
    return upload


def _restart(session: Session, upload: BlobUpload, size: int) -> None:
    """The owner's own new size claim: start over (the route bounds ``size``)."""
    session.execute(delete(UploadChunk).where(UploadChunk.upload_id == upload.id))
    upload.size = size
    upload.received = 0
    upload.updated_at = utcnow()
    session.flush()


@dataclass(frozen=True)
class Outcome:
    status: BlobStatus
    # Set when the upload finished but the bytes did not hash to the name: the
    # discard must still be committed, so the caller raises this after the commit.
    error: ApiError | None = None


def _verify(session: Session, upload: BlobUpload, key: X25519PrivateKey) -> bool:
    digest = hashlib.sha256()
    chunks = session.execute(
        select(UploadChunk.offset, UploadChunk.data)
        .where(UploadChunk.upload_id == upload.id)
        .order_by(UploadChunk.offset)
    )
    for offset, data in chunks:
        digest.update(_readable(upload.sealed, upload.sha256, offset, data, key))
    return digest.hexdigest() == upload.sha256


def _finish(session: Session, upload: BlobUpload, actor: str, **detail: str) -> None:
    """The upload is verified: it proves possession, and the content is known.
    The same work whether or not another copy exists (the sweep de-duplicates)."""
    assert upload.user_id is not None
    upload.complete = True
    upload.received = upload.size
    upload.updated_at = utcnow()
    blob = session.scalar(select(Blob).where(Blob.sha256 == upload.sha256).with_for_update())
    assert blob is not None  # a report declared it
    blob.complete = True
    blob.size = upload.size  # the same for every copy: the hash fixes the content
    blob.updated_at = upload.updated_at
    session.flush()
    audit.record(session, actor, "blob.complete", upload.sha256, size=upload.size, **detail)
    _count_reports(session, upload.user_id, upload.sha256)


def put_chunk(
    session: Session,
    *,
    principal: Principal,
    sha256: str,
    offset: int,
    data: bytes,
    size: int | None,
    quota: int,
    key: X25519PrivateKey,
) -> Outcome:
    upload = _own_upload(session, principal.user_id, sha256, lock=True)
    if upload is None:
        declared = _declared_size(session, principal.user_id, sha256)
        if declared is None:
            raise ApiError(
                403,
                "blob_not_declared",
                "No report of yours declares this attachment; send the report first (in a "
                "sync), then upload its attachments.",
            )
        claim = size if size is not None else declared
        reserve(session, principal, claim, releasing=0, quota=quota)
        if offset != 0:  # nothing is stored yet (and nothing is created by this answer)
            raise _offset_mismatch(0)
        upload = _start(session, principal, sha256, claim)
    elif upload.complete:  # a resend after a lost response: nothing to do
        return Outcome(_state(upload))
    elif size is not None and size != upload.size:
        # The uploader changed their own claim: their bytes so far are dropped. Nobody
        # else's claim can touch this upload.
        reserve(session, principal, size, releasing=upload.size, quota=quota)
        _restart(session, upload, size)
    if offset != upload.received:
        raise _offset_mismatch(upload.received)
    if not data:
        raise ApiError(400, "empty_chunk", "The chunk is empty.")
    if offset + len(data) > upload.size:
        raise ApiError(
            422,
            "beyond_size",
            f"The chunk goes past the declared size of {upload.size} bytes.",
            field="offset",
        )
    stored = _stored_form(upload, offset, data, key)
    session.add(UploadChunk(upload_id=upload.id, offset=offset, data=stored))
    upload.received = offset + len(data)
    upload.updated_at = utcnow()
    session.flush()
    if upload.received < upload.size:
        return Outcome(_state(upload))
    if not _verify(session, upload, key):
        session.execute(delete(UploadChunk).where(UploadChunk.upload_id == upload.id))
        upload.received = 0
        audit.record(session, principal.username, "blob.hash_mismatch", sha256)
        error = ApiError(
            422,
            "hash_mismatch",
            "The uploaded bytes do not match the attachment's sha256; they were discarded. "
            "Upload the file again from offset 0.",
            received=0,
        )
        return Outcome(_state(upload), error)
    _finish(session, upload, principal.username)
    return Outcome(_state(upload))


def _offset_mismatch(received: int) -> ApiError:
    if received == 0:
        message = "The server holds nothing of your upload of this attachment; start at offset 0."
    else:
        message = (
            f"The server holds {received} bytes of this attachment; "
            f"continue from offset {received}."
        )
    return ApiError(409, "offset_mismatch", message, field="offset", received=received)


def fill(
    session: Session, principal: Principal, sha256: str, data: bytes, key: X25519PrivateKey
) -> bool:
    """Store a whole attachment that arrived in a USB bundle signed by ``principal``
    (verified against ``sha256`` here): it is their upload, complete, and proves
    their possession. Bytes that arrived whole are not in flight: no quota. True
    when this completed the user's upload."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError("fill() needs bytes that match their sha256")
    upload = _own_upload(session, principal.user_id, sha256, lock=True)
    if upload is None:
        upload = _start(session, principal, sha256, len(data))
    elif upload.complete:
        return False
    session.execute(delete(UploadChunk).where(UploadChunk.upload_id == upload.id))
    for offset in range(0, len(data), MAX_CHUNK_BYTES):
        piece = data[offset : offset + MAX_CHUNK_BYTES]
        session.add(
            UploadChunk(
                upload_id=upload.id, offset=offset, data=_stored_form(upload, offset, piece, key)
            )
        )
    upload.size = len(data)  # verified: the size is now a fact, whatever was claimed
    _finish(session, upload, principal.username, via="bundle")
    return True


@dataclass(frozen=True)
class Swept:
    expired: int  # unfinished uploads with no progress within the expiry
    expired_bytes: int  # what they had received
    duplicates: int  # complete uploads whose bytes another copy already holds

    def as_dict(self) -> dict[str, int]:
        return {"expired": self.expired, "expired_bytes": self.expired_bytes,
                "duplicates": self.duplicates}  # fmt: skip


def sweep(session: Session, *, now: dt.datetime, older_than: dt.timedelta) -> Swept:
    """Drop unfinished uploads with no progress since ``now - older_than`` (their owners
    start again from 0), and the bytes of duplicate copies of a content (the proof of
    possession stays)."""
    cutoff = now - older_than
    stale = and_(BlobUpload.complete.is_(False), BlobUpload.updated_at <= cutoff)
    expired_ids, expired_bytes = [], 0
    for upload_id, received in session.execute(
        select(BlobUpload.id, BlobUpload.received).where(stale).order_by(BlobUpload.id)
    ):
        expired_ids.append(upload_id)
        expired_bytes += received
    if expired_ids:
        session.execute(delete(UploadChunk).where(UploadChunk.upload_id.in_(expired_ids)))
        session.execute(delete(BlobUpload).where(BlobUpload.id.in_(expired_ids)))
    stored = (
        select(UploadChunk.upload_id.label("id"), BlobUpload.sha256)
        .join(BlobUpload, BlobUpload.id == UploadChunk.upload_id)
        .where(BlobUpload.complete.is_(True))
        .distinct()
        .subquery()
    )
    keep = select(func.min(stored.c.id)).group_by(stored.c.sha256)
    duplicates = list(session.scalars(select(stored.c.id).where(stored.c.id.not_in(keep))))
    if duplicates:
        session.execute(delete(UploadChunk).where(UploadChunk.upload_id.in_(duplicates)))
    if expired_ids:
        audit.record(session, "server", "blob.expired", "", uploads=len(expired_ids),
                     bytes=expired_bytes)  # fmt: skip
    return Swept(len(expired_ids), expired_bytes, len(duplicates))


def stored_chunks(session: Session, sha256: str, key: X25519PrivateKey) -> Iterator[bytes]:
    """The verified content of ``sha256``, chunk by chunk (one row in memory at a time),
    from the copy the sweep keeps: the oldest complete upload that still has bytes.
    Chunks the server sealed are opened (``key``); a device's sealed bytes are not."""
    upload_id = session.scalar(
        select(func.min(UploadChunk.upload_id))
        .join(BlobUpload, BlobUpload.id == UploadChunk.upload_id)
        .where(BlobUpload.sha256 == sha256, BlobUpload.complete.is_(True))
    )
    upload = session.get(BlobUpload, upload_id) if upload_id is not None else None
    sealed = upload is not None and upload.sealed
    offset = 0
    while upload_id is not None:
        data = session.scalar(
            select(UploadChunk.data).where(
                UploadChunk.upload_id == upload_id, UploadChunk.offset == offset
            )
        )
        if not data:
            return
        plain = _readable(sealed, sha256, offset, data, key)
        yield plain
        offset += len(plain)
