"""The client sync engine: push queued reports, upload their attachments, pull
task changes until caught up. Qt-free; the CLI and the GUI drive the same code.

Exactly once, whatever happens: report ids are made on the device and the server
stores idempotently, so any round cut short (by the network, a crash or a power
cut) is simply done again; a report becomes ``accepted`` only when our server's
parsed acknowledgement says so, committed together with everything else the
round brought.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError
from sqlmodel import Session, col, select

from dxdesk import audit, local_state, reports
from dxdesk.identity import device
from dxdesk.store.attachment_store import AttachmentStore
from dxdesk.store.db import Database
from dxdesk.store.models import Attachment, Report, ReportState
from sync import protocol, updates
from sync.apply import CURSOR, apply_round
from sync.backoff import Backoff
from sync.progress import (
    AcksApplied,
    Notify,
    Retrying,
    RoundStarted,
    UploadProgress,
    UploadStarted,
)
from sync.protocol import STORED_TEXT, ReportIn, SyncIn, SyncOut, UnparsedReport
from sync.transport import Failure, Transport, TransportError
from sync.uploads import MIN_CHUNK, ChunkSizer, OffsetMemory, upload_blob

log = logging.getLogger(__name__)
T = TypeVar("T")

BATCH = 200  # reports per round: a few tens of KB gzipped, one round trip
MAX_ROUNDS = 1000  # a server that always says "has more" must not spin us forever
CLOCK_SKEW_WARN_S = 300
# Reports written to a USB bundle stay queued ("exported, awaiting receipt"): a sync
# still sends them, and whichever reaches the server first wins (the other is a
# harmless duplicate).
PENDING_STATES = (ReportState.QUEUED, ReportState.SENDING)
# The first protocol whose servers take a classified report's sealed attachments.
SEALED_ATTACHMENTS_PROTOCOL = 2


@dataclass
class SyncSummary:
    pushed: int = 0
    accepted: int = 0
    rejected: int = 0
    pulled_tasks: int = 0
    pulled_reviews: int = 0
    attachments_uploaded: int = 0
    attachment_bytes: int = 0
    rounds: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    duration_s: float = 0.0
    still_queued: int = 0
    clock_offset_s: float | None = None
    clock_warning: bool = False
    failure: Failure | None = None
    message: str | None = None
    update_offered: str | None = None  # a newer release for this installation
    rejected_reports: list[dict[str, str | None]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class SyncEngine:
    def __init__(
        self,
        db: Database,
        store: AttachmentStore,
        transport: Transport,
        *,
        actor: str = "",
        backoff: Backoff | None = None,
        max_attempts: int = 4,
        batch: int = BATCH,
        notify: Notify | None = None,
        sleep: Callable[[float], None] = time.sleep,
        updates_check: updates.UpdateCheck | None = None,
    ) -> None:
        self.db = db
        # What this installation runs, for the server to offer updates (protocol 2).
        self.updates_check = updates_check
        self.store = store
        self.transport = transport
        self.actor = actor
        self.backoff = backoff or Backoff(base_s=1.0, cap_s=30.0)
        self.max_attempts = max_attempts
        self.batch = batch
        self.notify: Notify = notify or (lambda _event: None)
        self.sleep = sleep
        self.sizer = ChunkSizer()
        self._in_flight: set[str] = set()  # marked "sending" by this run, not yet acked
        self._version_known = False  # the server answered: the transport speaks its version

    # -- the round ---------------------------------------------------------------

    def run(self) -> SyncSummary:
        summary = SyncSummary()
        started = time.monotonic()
        self._in_flight.clear()
        try:
            self._run(summary)
        except TransportError as exc:
            summary.failure = exc.failure
            summary.message = str(exc)
            log.warning("sync stopped: %s (%s)", exc, exc.failure)
            self._back_to_queued()
        finally:
            summary.duration_s = round(time.monotonic() - started, 3)
            summary.bytes_sent = self.transport.traffic.bytes_sent
            summary.bytes_received = self.transport.traffic.bytes_received
            with self.db.session() as session:
                summary.still_queued = len(self._pending(session))
                summary.rejected_reports = [
                    {"id": r.id, "code": r.reject_code, "message": r.reject_message}
                    for r in session.exec(
                        select(Report).where(Report.state == ReportState.REJECTED)
                    )
                ]
                audit.record(
                    session,
                    "sync.run",
                    actor=self.actor,
                    failure=summary.failure,
                    accepted=summary.accepted,
                )
                session.commit()
        return summary

    def _run(self, summary: SyncSummary) -> None:
        self._require_registration()
        pushed: set[str] = set()
        # Reports the server held as incomplete whose blobs are now up: each is
        # pushed once more in this run so the server can count it.
        repush: set[str] = set()
        repushed: set[str] = set()
        held: set[str] = set()  # waiting for the server's update (see _hold_for_an_older_server)
        while True:
            if summary.rounds >= MAX_ROUNDS:
                raise TransportError(
                    Failure.SERVER, f"The server still had more after {MAX_ROUNDS} rounds."
                )
            with self.db.session() as session:
                batch = self._pending(session, exclude=(pushed - repush) | held, limit=self.batch)
                batch = self._hold_for_an_older_server(session, batch, held)
                key, registered = device.signing_key(session), device.registered_device(session)
                built = sendable(session, batch, key, registered, actor=self.actor)
                summary.rejected += len(batch) - len(built)
                bodies: list[ReportIn | UnparsedReport] = [body for _, body in built]
                cursor = local_state.get(session, CURSOR)
                self._mark_sending(session, [report for report, _ in built])
                session.commit()  # signatures added to older reports, device ids
            request = self._request(cursor, bodies)
            self.notify(RoundStarted(len(bodies)))
            out = self._retrying(partial(self.transport.call, "POST", "/sync", SyncOut, request))
            self._note_clock(summary)
            with self.db.session() as session:
                result = apply_round(session, out, actor=self.actor, cursor_sent=cursor)
            if self.updates_check is not None and self.transport.protocol_version >= 2:
                updates.remember(self.updates_check.data_dir, out.update)
                summary.update_offered = out.update.version if out.update else None
            self._in_flight -= sent_ids_of(bodies)
            summary.rounds += 1
            summary.pushed += len(bodies)
            summary.accepted += len(result.accepted)
            summary.rejected += len(result.rejected)
            summary.pulled_tasks += result.tasks_pulled
            summary.pulled_reviews += result.reviews_pulled
            sent_ids = sent_ids_of(bodies)
            pushed |= sent_ids
            repushed |= sent_ids & repush
            repush -= sent_ids
            self.notify(AcksApplied(tuple(result.accepted), tuple(result.rejected)))
            if result.device_unknown:
                raise _unregistered()

            if result.incomplete:
                self._upload_missing(result.incomplete, summary)
                repush |= set(result.incomplete) - repushed

            with self.db.session() as session:
                more = bool(self._pending(session, exclude=(pushed - repush) | held, limit=1))
            if not out.has_more and not more:
                return

    def _hold_for_an_older_server(
        self, session: Session, batch: list[Report], held: set[str]
    ) -> list[Report]:
        """``batch`` without the reports a protocol 1 server (dxdesk 0.1) would reject:
        a classified report's sealed attachments are named in its seal with keys that
        server refuses, and the seal is fixed at finalize. They wait, queued and said
        so, for the server's update (``held``); nothing is rejected or lost. The
        server's version is learnt by one ping (a 0.1 server's 426 steps the transport
        down), only when such a report is pending."""
        waiting = [r for r in batch if reports.has_sealed_attachments(session, r)]
        if not waiting:
            return batch
        if not self._version_known:
            self._version_known = self.transport.ping()
        if self.transport.protocol_version >= SEALED_ATTACHMENTS_PROTOCOL:
            return batch
        for report in waiting:
            log.warning("report %s waits: the server speaks protocol 1", report.id)
            reports.await_server_update(session, report)
            held.add(report.id)
        return [r for r in batch if r.id not in held]

    def _request(
        self, cursor: str | None, bodies: list[ReportIn | UnparsedReport]
    ) -> dict[str, Any]:
        """The round's body. ``client`` is a protocol 2 field: left out for a server
        we stepped down to (a protocol 1 server refuses keys it does not know)."""
        check = self.updates_check
        client = check.client if check and self.transport.protocol_version >= 2 else None
        request = SyncIn(cursor=cursor, reports=bodies, limit=protocol.MAX_PAGE, client=client)
        return request.model_dump(mode="json", exclude=set() if client else {"client"})

    def _retrying(self, call: Callable[[], T]) -> T:
        """Retry what may pass later (offline, server trouble) with jittered backoff."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return call()
            except TransportError as exc:
                if not exc.retryable or attempt >= self.max_attempts:
                    raise
                delay = self.backoff.delay(attempt)
                log.info("attempt %d failed (%s); retrying in %.1f s", attempt, exc, delay)
                self.notify(Retrying(attempt, delay, str(exc)))
                self.sleep(delay)

    def _upload_missing(self, incomplete: dict[str, list[str]], summary: SyncSummary) -> None:
        for sha in sorted({sha for missing in incomplete.values() for sha in missing}):
            if not self.store.has(sha):
                log.error("attachment %s is missing from the local store", sha)
                continue
            self.notify(UploadStarted(sha, self.store.size(sha)))
            sent = self._retrying(partial(self._upload, sha))
            summary.attachments_uploaded += 1
            summary.attachment_bytes += sent

    def _upload(self, sha: str) -> int:
        memory = OffsetMemory(self._confirmed_offset, self._save_offset)
        try:
            return upload_blob(
                self.transport, sha, self.store, self.sizer, memory, self._upload_progress
            )
        except TransportError as exc:
            if exc.retryable:  # cut mid-chunk: the link is worse than we thought
                self.sizer.size = max(self.sizer.size // 2, MIN_CHUNK)
            raise

    def _confirmed_offset(self, sha: str) -> int:
        with self.db.session() as session:
            rows = session.exec(select(Attachment).where(Attachment.sha256 == sha)).all()
            # Rows of one blob move together; a row added later still says 0.
            touched = [row.uploaded_bytes for row in rows if row.uploaded_bytes != 0]
            return touched[0] if touched else 0

    def _save_offset(self, sha: str, offset: int) -> None:
        with self.db.session() as session:
            for row in session.exec(select(Attachment).where(Attachment.sha256 == sha)):
                row.uploaded_bytes = offset
                session.add(row)
            session.commit()

    def _upload_progress(self, sha: str, done: int, total: int) -> None:
        self.notify(UploadProgress(sha, done, total))

    # -- local data ----------------------------------------------------------------

    def _pending(
        self, session: Session, *, exclude: set[str] | None = None, limit: int | None = None
    ) -> list[Report]:
        return pending_reports(session, exclude=exclude, limit=limit)

    def _mark_sending(self, session: Session, batch: list[Report]) -> None:
        changed = [r.id for r in batch if reports.mark_sending(session, r)]
        self._in_flight |= set(changed)
        if changed:
            session.commit()

    def _back_to_queued(self) -> None:
        """The round never got an answer: those reports are waiting, not sending."""
        if not self._in_flight:
            return
        with self.db.session() as session:
            for report in session.exec(select(Report).where(col(Report.id).in_(self._in_flight))):
                reports.back_to_queued(session, report)
            session.commit()
        self._in_flight.clear()

    def _require_registration(self) -> None:
        """Reports are verified against the key the server registered at login; with
        none registered (a profile from before signed reports, or the server forgot
        this device) every report would be refused, so ask for a login instead."""
        with self.db.session() as session:
            if self._pending(session, limit=1) and device.registered_device(session) is None:
                raise _unregistered()

    def _note_clock(self, summary: SyncSummary) -> None:
        offset = self.transport.clock_offset_s
        if offset is None:
            return
        summary.clock_offset_s = round(offset, 1)
        summary.clock_warning = abs(offset) > CLOCK_SKEW_WARN_S
        with self.db.session() as session:
            local_state.put(session, local_state.SERVER_OFFSET, f"{offset:.1f}")
            session.commit()


def wire_body(
    session: Session, report: Report, key: Ed25519PrivateKey, registered: str | None
) -> ReportIn:
    """A queued report exactly as it goes to the server (a sync or a USB bundle),
    signed with ``key`` (the registered device ``registered``'s). The caller commits."""
    reports.sign_for_sending(session, report, key, registered)
    body = reports.canonical_body(report, reports.attachments_of(session, report.id))
    # Leniently: a report queued with control characters (before the device dropped
    # them) goes out and comes back rejected with a reason, not stuck in the queue.
    return ReportIn.model_validate(
        {
            **body,
            "content_sha256": report.content_sha256,
            "signature": report.signature,
            "device_id": report.device_id,
        },
        context=STORED_TEXT,
    )


def sendable(
    session: Session,
    batch: list[Report],
    key: Ed25519PrivateKey,
    registered: str | None,
    *,
    actor: str = "",
) -> list[tuple[Report, ReportIn]]:
    """The wire bodies of ``batch``. A report the protocol cannot carry (finalized by
    an older version, or under limits since lowered) could never be sent: it becomes
    a local rejection with the reason, instead of failing every sync and holding
    up the queue behind it. The caller commits."""
    built: list[tuple[Report, ReportIn]] = []
    for report in batch:
        try:
            built.append((report, wire_body(session, report, key, registered)))
        except ValueError as exc:  # pydantic's ValidationError included
            reject_locally(session, report, _reason(exc), actor=actor)
    return built


CANNOT_SEND = reports.CANNOT_SEND


def reject_locally(session: Session, report: Report, reason: str, *, actor: str = "") -> None:
    reports.reject_locally(session, report, reason)
    audit.record(session, "report.unsendable", report.id, actor, reason=reason)


def _reason(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return f"{where}: {first['msg']}{more}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def pending_reports(
    session: Session, *, exclude: set[str] | None = None, limit: int | None = None
) -> list[Report]:
    """Finalized reports the server has not acknowledged yet, oldest first."""
    query = (
        select(Report)
        .where(col(Report.state).in_(PENDING_STATES))
        .order_by(col(Report.finalized_at), col(Report.id))
    )
    if exclude:
        query = query.where(col(Report.id).not_in(exclude))
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def _unregistered() -> TransportError:
    return TransportError(
        Failure.AUTH,
        "Log in again so the server knows this computer's signing key "
        "(nothing was lost; reports stay queued).",
        code="device_not_registered",
    )


def sent_ids_of(bodies: list[ReportIn | UnparsedReport]) -> set[str]:
    return {body.id for body in bodies}


def is_offline(summary: SyncSummary) -> bool:
    return summary.failure in (Failure.OFFLINE, Failure.NO_NETWORK)
