"""A report's attachment as a reviewer downloads it: described, checked, streamed.

A classified report's file is served only when its reader explicitly opens it, and
that opening is audited like the report's (``report.unseal``). Bytes its device
sealed are opened with the server's key and checked whole against the original
sha256 and size named inside the report's seal before the first byte is sent, so a
reader never gets half a file or another report's; the opened bytes live only in
memory, a segment at a time, on their way out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from dxdesk import attachment_seal, sealing
from sync.server import audit, blobs, reviews
from sync.server.accounts import Principal
from sync.server.errors import ApiError
from sync.server.scope import Scope
from sync.server.tables import Attachment, Blob


@dataclass(frozen=True)
class FileToSend:
    report_id: str
    id: str
    name: str
    mime_type: str
    size: int
    complete: bool
    sha256: str  # the stored content's address (the sealed bytes' for sealed ones)
    bytes_sealed: bool  # sealed by the device: opened on the way out
    original_sha256: str | None = None  # theirs before sealing, once the report is opened


def _unreadable() -> ApiError:
    return ApiError(
        409,
        "sealed_unreadable",
        "This classified attachment cannot be opened: it was sealed to another server "
        "key, or for another report, or altered.",
    )


def describe(
    session: Session,
    principal: Principal,
    scope: Scope,
    report_id: str,
    attachment_id: str,
    key: X25519PrivateKey,
    *,
    open_sealed: bool,
) -> tuple[FileToSend, bool]:
    """The file (ApiError 404 outside the scope) and whether its report is sealed.
    With ``open_sealed``, a sealed report is opened for its name, type and size, and
    that is audited: call it in a write transaction."""
    row = reviews.visible_report(session, scope, report_id, lock=False)
    item = session.scalar(
        select(Attachment).where(Attachment.report_id == report_id, Attachment.id == attachment_id)
    )
    if item is None:
        raise ApiError(404, "not_found", "No such attachment.")
    blob = session.get(Blob, item.sha256)
    complete = blob is not None and blob.complete
    audit.record(session, principal.username, "report.attachment", report_id, id=attachment_id)
    found = FileToSend(
        report_id, item.id, item.file_name, item.mime_type, item.size, complete, item.sha256,
        item.mime_type == attachment_seal.SEALED_MIME,
    )  # fmt: skip
    if row.sealed is None or not open_sealed:
        return found, row.sealed is not None
    try:
        opened = reviews.open_words(row, key)
    except sealing.SealError as exc:
        raise _unreadable() from exc
    assert opened is not None
    audit.record(session, principal.username, "report.unseal", report_id, attachment=item.id)
    shown = reviews.as_opened(
        {"id": item.id, "sha256": item.sha256, "size": item.size, "file_name": item.file_name,
         "mime_type": item.mime_type},
        opened,
    )  # fmt: skip
    return (
        FileToSend(
            report_id, item.id, str(shown["file_name"]), str(shown["mime_type"]),
            int(shown["size"]), complete, item.sha256, found.bytes_sealed,
            str(shown["sha256"]) if found.bytes_sealed else None,
        ),
        True,
    )  # fmt: skip


def _stored(session: Session, found: FileToSend, key: X25519PrivateKey) -> Iterator[bytes]:
    return blobs.stored_chunks(session, found.sha256, key)


def check(session: Session, found: FileToSend, key: X25519PrivateKey) -> None:
    """Open sealed bytes once through and check them against the original named in
    the seal; ApiError 409 ``sealed_unreadable`` if they are not it."""
    if not found.bytes_sealed:
        return
    try:
        if found.original_sha256 is None:  # an opened seal names every sealed file
            raise sealing.SealError("the seal does not name this attachment's original")
        attachment_seal.verify(
            key, _stored(session, found, key), found.report_id, found.id,
            found.original_sha256, found.size,
        )  # fmt: skip
    except sealing.SealError as exc:
        raise _unreadable() from exc


def chunks(session: Session, found: FileToSend, key: X25519PrivateKey) -> Iterator[bytes]:
    """The file's bytes as its author attached them (call :func:`check` first)."""
    stored = _stored(session, found, key)
    if found.bytes_sealed:
        yield from attachment_seal.open_sealed(key, stored, found.report_id, found.id)
    else:
        yield from stored
