"""``dxdesk export-bundle``: everything waiting to be sent, on a USB stick.

Writes the queued reports — the very bodies a sync would send, signed, classified
ones already sealed — and their attachments into one bundle file
(``sync.protocol.bundle_format``): signed by this profile's registered key, sealed to the
server's key. The reports are then marked "exported, awaiting receipt" but stay
queued: a sync still sends them if a network appears first, and whichever reaches
the server first wins (the other is a harmless duplicate).

The file is written whole or not at all (temporary file, fsync, rename), and the
reports are marked only once it is in place.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from dxdesk import audit, reports
from dxdesk.atomic_file import write_atomically
from dxdesk.clock import utcnow
from dxdesk.identity import device, trusted_server_key
from dxdesk.messages import Message
from dxdesk.profile import Profile
from dxdesk.segmented import CorruptFileError
from dxdesk.store.models import ExportedBundle, Report
from sync.engine import pending_reports, sendable
from sync.protocol import MAX_BUNDLE_BYTES, bundle_format
from sync.protocol.bundle_format import BundleFileExistsError, login_needed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportResult:
    bundle_id: str | None  # None: nothing was waiting, no file written
    path: Path
    reports: int = 0
    attachments: int = 0
    attachment_bytes: int = 0
    size: int = 0
    left_out: int = 0  # waiting reports that did not fit: export again (--new-only)

    def as_json(self) -> dict[str, object]:
        return {
            "bundle_id": self.bundle_id,
            "file": str(self.path) if self.bundle_id else None,
            "reports": self.reports,
            "attachments": self.attachments,
            "attachment_bytes": self.attachment_bytes,
            "size": self.size,
            "left_out": self.left_out,
        }


def _read(profile: Profile, sha: str) -> tuple[str, bytes] | None:
    """An attachment's bytes, checked against its hash; a damaged copy is left out
    (the server then holds the report as incomplete, as a sync would)."""
    try:
        data = profile.attachments.read(sha, 0, profile.attachments.size(sha))
    except (OSError, CorruptFileError):
        data = b""
    if hashlib.sha256(data).hexdigest() != sha:
        log.error("attachment %s is damaged in the local store; left out of the bundle", sha)
        return None
    return sha, data


def _pick(
    session: Session, profile: Profile, candidates: list[Report], max_bytes: int
) -> tuple[list[Report], list[str]]:
    """The oldest reports that fit in ``max_bytes`` (at least one), and the
    attachments they need, each once."""
    chosen: list[Report] = []
    shas: list[str] = []
    total = 0
    for report in candidates:
        new = [
            a.sha256
            for a in reports.attachments_of(session, report.id)
            if a.sha256 not in shas and profile.attachments.has(a.sha256)
        ]
        extra = 2048 + sum(profile.attachments.size(sha) for sha in dict.fromkeys(new))
        if chosen and total + extra > max_bytes:
            break
        chosen.append(report)
        shas += [sha for sha in dict.fromkeys(new) if sha not in shas]
        total += extra
    return chosen, shas


def export_bundle(
    profile: Profile,
    path: Path,
    *,
    new_only: bool = False,
    overwrite: bool = False,
    max_bytes: int = MAX_BUNDLE_BYTES,
    actor: str = "",
) -> ExportResult:
    if path.exists() and not overwrite:
        message = Message("bundle_file_exists", {"path": str(path)})
        raise BundleFileExistsError(message.text("en"), message)
    with profile.db.session() as session:
        registered = device.registered_device(session)
        sealing_key = trusted_server_key.known(session)
        user = profile.user.username if profile.user is not None else ""
        if registered is None or sealing_key is None or not user:
            raise login_needed("bundle_needs_login")
        key = device.signing_key(session)
        waiting = [
            r for r in pending_reports(session) if not (new_only and r.exported_at is not None)
        ]
        built = {report.id: body for report, body in sendable(session, waiting, key, registered)}
        session.commit()  # reports that can never be sent are rejected here, as by a sync
        candidates = [r for r in waiting if r.id in built]
        if not candidates:
            return ExportResult(None, path)
        chosen, shas = _pick(session, profile, candidates, max_bytes)
        bodies = [built[r.id].model_dump(mode="json") for r in chosen]
        attachments = [item for item in (_read(profile, sha) for sha in shas) if item]
        bundle_id = str(uuid.uuid4())
        now = utcnow()
        data = bundle_format.build(
            bundle_id=bundle_id,
            device_id=registered,
            signing_key=key,
            server_public_key=sealing_key,
            user=user,
            created_at=now.isoformat(),
            reports=bodies,
            attachments=attachments,
        )
        write_atomically(path, data)
        for report in chosen:
            reports.mark_exported(session, report, bundle_id, now)
        size = sum(len(d) for _s, d in attachments)
        session.add(
            ExportedBundle(
                id=bundle_id,
                created_at=now,
                device_id=registered,
                reports=len(chosen),
                attachments=len(attachments),
                size=len(data),
                file_name=str(path),
            )
        )
        audit.record(
            session, "bundle.export", bundle_id, actor,
            reports=len(chosen), attachments=len(attachments), bytes=len(data),
        )  # fmt: skip
        session.commit()  # signatures added to older reports, the export marks
    log.info("exported %d reports in bundle %s (%d bytes)", len(chosen), bundle_id, len(data))
    return ExportResult(
        bundle_id,
        path,
        reports=len(chosen),
        attachments=len(attachments),
        attachment_bytes=size,
        size=len(data),
        left_out=len(candidates) - len(chosen),
    )
