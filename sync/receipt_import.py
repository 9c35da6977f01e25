"""``dxdesk import-receipt``: the server's answer to a USB bundle, carried back.

The receipt is checked with the server's signing key (learnt at login), must name
this computer and a bundle this user exported here, and its acks are applied with
the sync's own code (``sync.apply``): accepted and duplicate reports become
accepted, rejected ones rejected with the server's reason. Only reports still
waiting are changed, so importing a receipt twice, or after a sync already brought
the same answer, changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from dxdesk import audit
from dxdesk.clock import utcnow
from dxdesk.identity import device, trusted_server_key
from dxdesk.profile import Profile
from dxdesk.store.models import ExportedBundle, Report, ReportState
from sync.apply import UNKNOWN_DEVICE, RoundResult, apply_ack
from sync.protocol import Ack
from sync.protocol.bundle_format import login_needed, open_signed, refused

KIND = "receipt"


@dataclass
class ReceiptResult:
    bundle_id: str
    received_at: str
    first_import: bool
    accepted: list[str] = field(default_factory=list)
    rejected: list[dict[str, str | None]] = field(default_factory=list)
    unchanged: int = 0
    listed_rejected: int = 0  # rejected acks in the receipt, applied now or before

    def as_json(self) -> dict[str, object]:
        return {
            "bundle_id": self.bundle_id,
            "received_at": self.received_at,
            "first_import": self.first_import,
            "accepted": len(self.accepted),
            "rejected": len(self.rejected),
            "unchanged": self.unchanged,
            "rejected_reports": self.rejected,
        }


def _parse(data: bytes, signing_key: str) -> tuple[dict[str, object], list[Ack]]:
    body = open_signed(KIND, data, signing_key, "receipt")
    raw_acks = body.get("acks")
    texts = ("bundle_id", "device_id", "received_at")
    if body.get("kind") != KIND or not all(isinstance(body.get(k), str) for k in texts):
        raise refused("receipt_unreadable", detail="not a receipt")
    if not isinstance(raw_acks, list):
        raise refused("receipt_unreadable", detail="acks")
    try:
        acks = [Ack.model_validate(item) for item in raw_acks]
    except ValidationError as exc:
        raise refused("receipt_unreadable", detail="acks") from exc
    return body, acks


def import_receipt(profile: Profile, data: bytes, *, actor: str = "") -> ReceiptResult:
    this_device = device.device_id(profile.paths)
    with profile.db.session() as session:
        signing_key = trusted_server_key.signing_known(session)
        if signing_key is None:
            raise login_needed("server_signing_key_unknown")
        body, acks = _parse(data, signing_key)
        bundle_id, made_on = str(body["bundle_id"]), str(body["device_id"])
        bundle = session.get(ExportedBundle, bundle_id)
        if bundle is None or bundle.device_id != made_on:
            if made_on != this_device:
                raise refused("receipt_other_device", device=made_on, this_device=this_device)
            user = profile.user.username if profile.user is not None else ""
            raise refused("receipt_unknown_bundle", bundle_id=bundle_id, user=user)
        result = ReceiptResult(bundle_id, str(body["received_at"]), bundle.receipt_at is None)
        round_result = RoundResult()
        for ack in acks:
            result.listed_rejected += ack.status == "rejected"
            report = session.get(Report, ack.id)
            waiting = report is not None and report.state in (
                ReportState.QUEUED,
                ReportState.SENDING,
            )
            if not waiting or ack.code == UNKNOWN_DEVICE:
                result.unchanged += 1
                continue
            apply_ack(session, ack, round_result)
        result.accepted = round_result.accepted
        result.rejected = [
            {"id": ack.id, "code": ack.code, "message": ack.message}
            for ack in acks
            if ack.id in set(round_result.rejected)
        ]
        result.unchanged += len(round_result.incomplete)
        if bundle.receipt_at is None:
            bundle.receipt_at = utcnow()
            session.add(bundle)
        audit.record(
            session, "bundle.receipt", bundle_id, actor,
            accepted=len(result.accepted), rejected=len(result.rejected),
        )  # fmt: skip
        session.commit()
    return result
