"""Import a USB bundle: the one path shared by the upload endpoint (relays) and
``dxdesk-server import-bundle``.

Checks, in order, each with its own refusal (``sync.protocol.bundle_format``): framing,
truncation and checksum (no key needed); that the bundle is sealed to *this*
server; a second delivery of the same file (answered with the original receipt,
storing nothing); that the header is signed by a key registered for the device it
names; the seal; that the user named inside registered that key. Only then are the
reports handed to the sync's own ingest, as that user — same validation, same
idempotency, same per-report signature checks — and the attachments stored,
verified by their sha256. The relay that delivered the file gains nothing: its
account only authorised the upload.

Everything happens in the caller's one transaction: a refusal stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dxdesk import signing
from dxdesk.clock import utcnow
from sync.protocol import MAX_REPORTS_PER_SYNC, Ack, ReportIn, UnparsedReport, bundle_format
from sync.protocol.bundle_format import BundleRefusedError, Parsed, refused
from sync.server import audit, blobs, ingest, keys, receipts
from sync.server.accounts import Principal
from sync.server.tables import BundleImport, Device, Report, User


@dataclass(frozen=True)
class Delivery:
    bundle_id: str
    device_id: str
    replayed: bool
    acks: list[Ack]
    receipt: bytes
    received_at: str

    def count(self, status: str) -> int:
        return sum(1 for ack in self.acks if ack.status == status)


def _signers(session: Session, parsed: Parsed) -> set[int]:
    """The users for whom the header's key is registered on the header's device;
    refuses a bundle whose signature is not theirs."""
    header = parsed.header
    rows = session.execute(
        select(Device.user_id, Device.public_key).where(Device.device_id == header.device_id)
    ).all()
    if not rows:
        raise refused("bundle_unknown_device", device=header.device_id)
    users = {user_id for user_id, key in rows if key == header.signing_key}
    if not users:
        raise refused(
            "bundle_foreign_signer",
            key=signing.fingerprint(header.signing_key),
            device=header.device_id,
        )
    if not parsed.signed_by(header.signing_key):
        raise refused("bundle_bad_signature")
    return users


def _item(raw: dict[str, object]) -> ReportIn | UnparsedReport:
    """As the sync endpoint parses a batch item: a bad report gets its own ack."""
    try:
        return ReportIn.model_validate(raw)
    except ValidationError:
        pass
    try:
        return UnparsedReport.model_validate(raw)
    except ValidationError as exc:
        raise refused("bundle_content_damaged", detail="a report without a usable id") from exc


def _ingest(
    session: Session,
    principal: Principal,
    items: list[ReportIn | UnparsedReport],
    server_key: X25519PrivateKey,
) -> list[Ack]:
    scope = principal.scope(session)
    acks: list[Ack] = []
    for start in range(0, len(items), MAX_REPORTS_PER_SYNC):
        batch = items[start : start + MAX_REPORTS_PER_SYNC]
        acks += ingest.ingest(session, principal, scope, batch, server_key)
    return acks


def _store_attachments(
    session: Session,
    items: list[ReportIn | UnparsedReport],
    acks: list[Ack],
    attachments: dict[str, bytes],
    principal: Principal,
    server_key: X25519PrivateKey,
) -> None:
    """Fill the blobs of the reports that were stored (not of rejected ones): the
    bundle's signer delivered the bytes, so they hold them (the relay does not)."""
    wanted: set[str] = set()
    for item, ack in zip(items, acks, strict=True):
        if isinstance(item, ReportIn) and ack.status != "rejected":
            wanted |= {a.sha256 for a in item.attachments}
    for sha in sorted(wanted & set(attachments)):
        blobs.fill(session, principal, sha, attachments[sha], server_key)


def _settle(session: Session, acks: list[Ack], existed: set[str]) -> list[Ack]:
    """Reports held for attachments the bundle itself carried now count."""
    waiting = [ack.id for ack in acks if ack.status == "incomplete"]
    if not waiting:
        return acks
    complete = set(
        session.scalars(select(Report.id).where(Report.id.in_(waiting), Report.complete.is_(True)))
    )
    return [
        Ack(id=ack.id, status="duplicate" if ack.id in existed else "accepted")
        if ack.status == "incomplete" and ack.id in complete
        else ack
        for ack in acks
    ]


def deliver(
    session: Session,
    data: bytes,
    *,
    server_key: X25519PrivateKey,
    signing_key: Ed25519PrivateKey,
    delivered_by: str,
) -> Delivery:
    """Import ``data`` (a bundle file) and return its signed receipt; raises
    :class:`BundleRefusedError` (nothing stored) when it must not be used."""
    parsed = bundle_format.parse(data)
    header = parsed.header
    ours = keys.public_fingerprint(server_key)
    if header.server_key != ours:
        raise refused("bundle_wrong_server", bundle_key=header.server_key, server_key=ours)
    earlier = session.get(BundleImport, header.bundle_id)
    if earlier is not None and earlier.file_sha256 == parsed.file_sha256:
        receipt = earlier.receipt.encode("utf-8")
        audit.record(session, delivered_by, "bundle.replayed", header.bundle_id)
        return Delivery(
            header.bundle_id, header.device_id, True, receipts.acks_of(receipt), receipt,
            earlier.received_at.isoformat(),
        )  # fmt: skip
    signers = _signers(session, parsed)
    contents = bundle_format.open_body(parsed, server_key)
    user = session.scalar(select(User).where(User.username == contents.user))
    if user is None or user.id not in signers:
        raise refused("bundle_user_mismatch", user=contents.user, device=header.device_id)
    if earlier is not None:
        raise refused("bundle_id_reused", bundle_id=header.bundle_id)

    items = [_item(raw) for raw in contents.reports]
    ids = sorted({item.id for item in items})
    existed = set(session.scalars(select(Report.id).where(Report.id.in_(ids)))) if ids else set()
    principal = Principal(user.id, user.username, user.role, user.unit_code, user.full_name, "")
    acks = _ingest(session, principal, items, server_key)
    _store_attachments(session, items, acks, contents.attachments, principal, server_key)
    acks = _settle(session, acks, existed)
    now = utcnow()
    receipt = receipts.make(
        signing_key,
        bundle_id=header.bundle_id,
        device_id=header.device_id,
        file_sha256=parsed.file_sha256,
        received_at=now,
        acks=acks,
    )
    session.add(
        BundleImport(
            bundle_id=header.bundle_id,
            device_id=header.device_id,
            user_id=user.id,
            file_sha256=parsed.file_sha256,
            received_at=now,
            delivered_by=delivered_by,
            reports=len(items),
            receipt=receipt.decode("utf-8"),
        )
    )
    delivery = Delivery(header.bundle_id, header.device_id, False, acks, receipt, now.isoformat())
    audit.record(
        session,
        delivered_by,
        "bundle.import",
        header.bundle_id,
        user=user.username,
        device=header.device_id,
        **{status: delivery.count(status)
           for status in ("accepted", "duplicate", "incomplete", "rejected")},
    )  # fmt: skip
    session.flush()
    return delivery


def record_refusal(session: Session, actor: str, error: BundleRefusedError, data: bytes) -> None:
    """Audit a refused bundle (in its own transaction: the import's rolled back)."""
    try:
        bundle_id = bundle_format.parse(data).header.bundle_id
    except BundleRefusedError:
        bundle_id = ""
    audit.record(session, actor, "bundle.refused", bundle_id, code=error.code)
