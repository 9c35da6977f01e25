"""The report lifecycle, every state change of it: draft → queued → sending →
accepted, rejected or returned (and queued again when an attempt gets no answer).

A draft is saved as often as the editor likes and may be incomplete. Finalizing
validates everything, fixes the content hash and makes the report immutable (the
database refuses changes too). A correction is a new report that points at the one
it corrects. After finalize, the sync engine and the USB stick code move a report
only through the named functions at the end of this module.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, or_, select

from dxdesk import attachment_seal, audit, limits, own_copy, report_seal, signing, validation
from dxdesk.canonical import content_hash
from dxdesk.clock import utcnow
from dxdesk.errors import NotFoundError, ReportLockedError, ValidationError
from dxdesk.identity import trusted_server_key
from dxdesk.messages import Message
from dxdesk.store.attachment_store import AttachmentStore, StoredBlob
from dxdesk.store.models import Attachment, Classification, Report, ReportState, StatusClaim, Task
from dxdesk.tasks import removal_message
from dxdesk.text import clean
from dxdesk.validation import (
    AttachmentLimits,
    attachment_issues,
    content_issues,
    mime_type_of,
    wire_issues,
)

log = logging.getLogger(__name__)

TEXT_FIELDS = ("results", "difficulties", "proposals")


@dataclass
class ReportContent:
    """What an officer writes. Values arrive raw from a form or the command line."""

    progress: object = 0
    status_claim: object = StatusClaim.IN_PROGRESS.value
    results: str = ""
    difficulties: str = ""
    proposals: str = ""
    indicator_values: dict[str, Any] = field(default_factory=dict)
    classification: object = Classification.NORMAL.value

    @classmethod
    def of(cls, report: Report) -> ReportContent:
        return cls(
            progress=report.progress,
            status_claim=report.status_claim.value,
            results=report.results,
            difficulties=report.difficulties,
            proposals=report.proposals,
            indicator_values=dict(report.indicator_values),
            classification=report.classification.value,
        )


def raise_if(issues: list[Message]) -> None:
    if issues:
        raise ValidationError(issues)


def _checked(
    content: ReportContent, *, final: bool, also: list[Message] | None = None
) -> dict[str, Any]:
    """The content's stored values; ValidationError naming every problem, the
    content's and ``also`` (the attachments'), at once."""
    texts = {name: clean(getattr(content, name)) for name in TEXT_FIELDS}
    status_claim = str(getattr(content.status_claim, "value", content.status_claim))
    classification = str(getattr(content.classification, "value", content.classification))
    issues = content_issues(
        progress=content.progress,
        status_claim=status_claim,
        classification=classification,
        texts=texts,
        final=final,
    )
    raise_if(issues + (also or []))
    return {
        "progress": int(str(content.progress).strip().removesuffix("%")),
        "status_claim": StatusClaim(status_claim),
        "classification": Classification(classification),
        "indicator_values": {
            name: clean(value) if isinstance(value, str) else value
            for name, value in content.indicator_values.items()
        },
        **texts,
    }


def find_task(session: Session, code: str) -> Task:
    wanted = code.strip()
    task = session.exec(select(Task).where(Task.code == wanted)).first()
    if task is None:  # codes are printed in capitals but typed any way
        task = session.exec(select(Task).where(col(Task.code).ilike(wanted))).first()
    if task is None:
        raise NotFoundError.of(Message("task_not_found", {"code": wanted}))
    return task


def get_report(session: Session, report_id: str) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise NotFoundError.of(Message("report_not_found", {"report_id": report_id}))
    return report


def attachments_of(session: Session, report_id: str) -> list[Attachment]:
    query = (
        select(Attachment)
        .where(Attachment.report_id == report_id)
        .order_by(col(Attachment.created_at), col(Attachment.id))
    )
    return list(session.exec(query))


def _editable(session: Session, report_id: str) -> Report:
    report = get_report(session, report_id)
    if report.state is not ReportState.DRAFT:
        raise ReportLockedError.of(Message("report_locked", {"report_id": report_id}))
    return report


def create_draft(
    session: Session,
    task: Task,
    content: ReportContent,
    author: str = "",
    corrects_id: str | None = None,
    report_id: str | None = None,
) -> Report:
    values = _checked(content, final=False)
    return _new_draft(session, task, values, author, corrects_id, report_id)


def store_draft(
    session: Session, task_code: str, report_id: str, content: ReportContent, author: str = ""
) -> Report:
    """The editor's save: draft ``report_id`` holds ``content``, created by the first
    save. The id is chosen before that first save, so the same save done twice (in
    the background, then again on close) never makes two drafts."""
    if session.get(Report, report_id) is not None:
        return save_draft(session, report_id, content)
    task = find_task(session, task_code)
    return create_draft(session, task, content, author, report_id=report_id)


def _require_listed(task: Task) -> None:
    """A new report (or correction) cannot start on a task the server withdrew or no
    longer assigns to the unit: it would be refused. Drafts already begun keep being
    saved (the editor's saves never fail on it, so nothing typed is lost)."""
    if task.removed:
        raise ValidationError([Message("task_removed_no_report", {"code": task.code}, "task")])


def _new_draft(
    session: Session,
    task: Task,
    values: dict[str, Any],
    author: str,
    corrects_id: str | None = None,
    report_id: str | None = None,
) -> Report:
    report = Report(task_id=task.id, author=clean(author), corrects_id=corrects_id, **values)
    if report_id is not None:
        report.id = report_id
    session.add(report)
    audit.record(session, "report.draft", report.id, author, task=task.code)
    session.commit()
    return report


def save_draft(session: Session, report_id: str, content: ReportContent) -> Report:
    """Autosave: store whatever is there, as long as it is not nonsense."""
    report = _editable(session, report_id)
    for name, value in _checked(content, final=False).items():
        setattr(report, name, value)
    report.updated_at = utcnow()
    session.add(report)
    session.commit()
    return report


def attach(
    session: Session,
    store: AttachmentStore,
    report_id: str,
    source: Path,
    limits: AttachmentLimits,
) -> Attachment:
    report = _editable(session, report_id)
    _check_attachable(session, report_id, source, limits)
    return _record_attachment(session, report, source, _copy_in(store, source))


def _check_attachable(
    session: Session, report_id: str, source: Path, limits: AttachmentLimits
) -> None:
    issues = attachment_issues(source, limits)
    count = len(attachments_of(session, report_id)) + 1
    if not issues and count > limits.max_count:
        issues.append(validation.too_many_attachments(count, limits.max_count))
    raise_if(issues)


def _copy_in(store: AttachmentStore, source: Path) -> StoredBlob:
    """The attachment's copy in the store. A source that cannot be read is the
    officer's to fix; a store that cannot be written raises DiskError (not this)."""
    try:
        return store.put(source)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ValidationError(
            [Message("attachment_unreadable", {"path": str(source), "reason": reason})]
        ) from exc


def _record_attachment(
    session: Session, report: Report, source: Path, blob: StoredBlob
) -> Attachment:
    attachment = Attachment(
        report_id=report.id,
        file_name=clean(source.name) or "attachment",  # a file name may hold ESC too
        mime_type=mime_type_of(source),
        size=blob.size,
        sha256=blob.sha256,
    )
    session.add(attachment)
    report.updated_at = utcnow()
    session.add(report)
    session.commit()
    return attachment


def create(
    session: Session,
    store: AttachmentStore,
    task: Task,
    content: ReportContent,
    sources: list[Path],
    limits: AttachmentLimits,
    *,
    author: str = "",
    final: bool = True,
) -> Report:
    """A new report with its attachments, finalized unless ``final`` is false: all
    of it or nothing, since a failing command writes nothing. Everything is checked
    once, first, and every problem said together (ValidationError). The attachments
    are then copied in (where a full disk shows), then the report is written; if
    that fails, the draft and the copies only it used are removed again. Refused at
    finalize (a classified report before any login), the draft is kept, as said."""
    _require_listed(task)
    issues = [issue for source in sources for issue in attachment_issues(source, limits)]
    if len(sources) > limits.max_count:
        issues.append(validation.too_many_attachments(len(sources), limits.max_count))
    values = _checked(content, final=final, also=issues)
    copies: list[StoredBlob] = []
    try:
        copies.extend(_copy_in(store, source) for source in sources)
    except BaseException:
        _forget_copies(session, store, copies)
        raise
    report = _new_draft(session, task, values, author)
    try:
        for source, blob in zip(sources, copies, strict=True):
            _record_attachment(session, report, source, blob)
    except BaseException:
        _undo(session, store, report.id, copies)
        raise
    if not final:
        return report
    try:
        return _queue(session, store, report)
    except ValidationError:
        raise  # the draft stays, for the officer to finish
    except BaseException:
        _undo(session, store, report.id, copies)
        raise


def _undo(
    session: Session, store: AttachmentStore, report_id: str, copies: list[StoredBlob]
) -> None:
    session.rollback()
    try:
        discard_draft(session, report_id)
    except Exception:  # the disk may still be full: the error being raised says why
        session.rollback()
        log.exception("could not remove the unfinished draft %s", report_id)
    _forget_copies(session, store, copies)


def _forget_copies(session: Session, store: AttachmentStore, copies: list[StoredBlob]) -> None:
    """Remove the copies made for a report that was not written, unless another
    report uses the same content."""
    for blob in copies:
        if not blob.new:
            continue
        used = session.exec(select(Attachment.id).where(Attachment.sha256 == blob.sha256)).first()
        if used is None:
            store.remove(blob.sha256)


def detach(session: Session, report_id: str, attachment_id: str) -> None:
    _editable(session, report_id)
    attachment = session.get(Attachment, attachment_id)
    if attachment is not None and attachment.report_id == report_id:
        session.delete(attachment)
        session.commit()


def discard_draft(session: Session, report_id: str) -> None:
    report = _editable(session, report_id)
    for attachment in attachments_of(session, report_id):
        session.delete(attachment)
    session.delete(report)
    audit.record(session, "report.discard", report_id, report.author)
    session.commit()


def canonical_body(report: Report, attachments: list[Attachment]) -> dict[str, Any]:
    """The content that identifies a report on the wire: what its hash covers."""
    return {
        "id": report.id,
        "task_id": report.task_id,
        "progress": report.progress,
        "status_claim": report.status_claim.value,
        "results": report.results,
        "difficulties": report.difficulties,
        "proposals": report.proposals,
        "indicator_values": report.indicator_values,
        "classification": report.classification.value,
        "corrects_id": report.corrects_id,
        "author": report.author,
        "created_at": report.created_at.isoformat(),
        "attachments": sorted(
            ({"id": a.id, "sha256": a.sha256, "size": a.size, "file_name": a.file_name,
              "mime_type": a.mime_type} for a in attachments),
            key=lambda item: item["id"],
        ),
        # Only sealed reports have the key, so older reports keep their hashes.
        **({"sealed": report.sealed} if report.sealed is not None else {}),
    }  # fmt: skip


def _seal(
    report: Report, attachments: list[Attachment], public_key: str, store: AttachmentStore
) -> None:
    """Replace the report's words, file names and attachment bytes by what only the
    server can open; progress and status claim stay readable. The originals stay in
    this profile (``own_copy``, and the encrypted plain copies), for a correction."""
    originals = {a.id: report_seal.Original(a.sha256, a.size, a.mime_type) for a in attachments}
    sealed = report_seal.content(
        report.results,
        report.difficulties,
        report.proposals,
        dict(report.indicator_values),
        [(a.id, a.file_name) for a in attachments],
        originals,
    )
    report.sealed = report_seal.seal_content(sealed, report.id, public_key)
    if store.own_copy_key is not None:  # an unencrypted (test or legacy) store keeps none
        report.own_copy = own_copy.seal(store.own_copy_key, report.id, sealed)
    report.results = report.difficulties = report.proposals = ""
    report.indicator_values = {}
    for attachment in attachments:
        blob = store.put_chunks(
            attachment_seal.seal(
                public_key, store.chunks(attachment.sha256), report.id, attachment.id
            )
        )
        attachment.sha256, attachment.size = blob.sha256, blob.size
        attachment.mime_type = attachment_seal.SEALED_MIME
        attachment.file_name = report_seal.SEALED_FILE_NAME


def check_final(content: ReportContent) -> None:
    """ValidationError naming everything that would stop ``finalize``'s content check,
    without touching the store (the window asks before finalizing)."""
    _checked(content, final=True)


def finalize(session: Session, store: AttachmentStore, report_id: str) -> Report:
    """Validate fully, seal a classified report, sign, and make the report
    immutable. Durable when this returns."""
    report = _editable(session, report_id)
    for name, value in _checked(ReportContent.of(report), final=True).items():
        setattr(report, name, value)
    return _queue(session, store, report)


def _queue(session: Session, store: AttachmentStore, report: Report) -> Report:
    """Finalize a draft whose content was checked (final) and stored by the caller."""
    attachments = attachments_of(session, report.id)
    missing = [a for a in attachments if not store.has(a.sha256)]
    secret = report.classification is Classification.SECRET
    # What travels: a classified report's attachments sealed, a little larger.
    wire_size = attachment_seal.sealed_size if secret else int
    raise_if(
        [Message("attachment_missing", {"path": a.file_name}, field="attachments")
         for a in missing]
        + wire_issues(
            attachments=[(a.file_name, wire_size(a.size)) for a in attachments],
            indicator_count=len(report.indicator_values),
            author=report.author,
        )
    )  # fmt: skip
    sealing_key = trusted_server_key.known(session)
    if secret and sealing_key is None:
        # Never queue a classified report in the clear; the draft stays as it is.
        raise_if([Message("secret_needs_server_key", {}, field="classification")])
    now = utcnow()
    if not limits.possible_report_time(report.created_at):
        # A draft begun under a broken clock is dated now, if now is possible: the
        # protocol cannot carry its date, and an unsendable report would block the queue.
        if not limits.possible_report_time(now):
            raise_if([Message("clock_impossible", {"year": now.year})])
        report.created_at = now
    if secret and sealing_key is not None:
        _seal(report, attachments, sealing_key, store)
        session.add_all(attachments)
    report.updated_at = now
    report.finalized_at = now
    report.content_sha256 = content_hash(canonical_body(report, attachments))
    # Not signed here: see sign_for_sending.
    report.state = ReportState.QUEUED
    report.state_changed_at = now
    session.add(report)
    audit.record(
        session,
        "report.finalize",
        report.id,
        report.author,
        sha256=report.content_sha256,
        sealed=report.sealed is not None,
    )
    session.commit()
    return report


def start_correction(
    session: Session, report_id: str, author: str = "", *, store: AttachmentStore | None = None
) -> Report:
    """A new draft, prefilled from a finalized report, that corrects it: its words and
    its attachments (the same stored copies). A sealed report is prefilled from its
    own copy, which only this profile's ``store`` key opens: the words and the
    original files it sealed, never the sealed ones (without it, or for a report
    sealed before own copies were kept, the correction starts empty as before).

    A report the server rejected was never stored there, and the server refuses a
    correction of no report: the correction of a rejected report takes its place,
    correcting what it corrected (or nothing), past any rejected ones."""
    original = get_report(session, report_id)
    if original.state is ReportState.DRAFT:
        raise ReportLockedError.of(Message("correction_of_draft", {"report_id": report_id}))
    task = session.get(Task, original.task_id)
    assert task is not None  # foreign key
    _require_listed(task)
    target: Report | None = original
    while target is not None and target.state is ReportState.REJECTED:
        target = session.get(Report, target.corrects_id) if target.corrects_id else None
    corrects = target.id if target is not None else None
    prefill = ReportContent.of(original)
    files = [
        (a.file_name, a.mime_type, a.size, a.sha256) for a in attachments_of(session, original.id)
    ]
    if original.sealed is not None:
        key = store.own_copy_key if store is not None else None
        own = None
        if key is not None and original.own_copy is not None:
            own = own_copy.open_copy(key, original.id, original.own_copy)
        prefill, files = _own_copy(prefill, own) if own is not None else (prefill, [])
    draft = create_draft(session, task, prefill, author or original.author, corrects)
    for name, mime_type, size, sha256 in files:
        session.add(
            Attachment(report_id=draft.id, file_name=name, mime_type=mime_type, size=size,
                       sha256=sha256)
        )  # fmt: skip
    session.commit()
    return draft


_File = tuple[str, str, int, str]  # file name, type, size, sha256


def _own_copy(prefill: ReportContent, own: dict[str, Any]) -> tuple[ReportContent, list[_File]]:
    """The content and original files a sealed report's own copy holds."""
    prefill.results = str(own.get("results", ""))
    prefill.difficulties = str(own.get("difficulties", ""))
    prefill.proposals = str(own.get("proposals", ""))
    prefill.indicator_values = dict(own.get("indicator_values", {}))
    files = [
        (str(a["file_name"]), str(a["mime_type"]), int(a["size"]), str(a["sha256"]))
        for a in own.get("attachments", [])
        if "sha256" in a
    ]
    return prefill, files


OUTBOX_STATES = (
    ReportState.DRAFT,
    ReportState.QUEUED,
    ReportState.SENDING,
    ReportState.REJECTED,
    ReportState.RETURNED,
)


@dataclass(frozen=True)
class OutboxItem:
    report: Report
    task_code: str
    task_title: str
    attachment_count: int
    # Why the task is no longer listed (withdrawn, moved away), or None.
    task_removal: Message | None = None

    @property
    def sealed(self) -> bool:
        """Classified and sealed: the row holds no words to preview."""
        return self.report.sealed is not None


# Accepted reports stay in the outbox this long after the server took them, so a
# send is seen to have happened instead of the report vanishing from view.
RECENTLY_ACCEPTED = dt.timedelta(days=7)


def outbox(
    session: Session, *, include_accepted: bool = False, accepted_since: dt.datetime | None = None
) -> list[OutboxItem]:
    """Reports not yet accepted, plus every accepted one (``include_accepted``) or
    those accepted at or after ``accepted_since``."""
    states = list(ReportState) if include_accepted else list(OUTBOX_STATES)
    shown: ColumnElement[bool] = col(Report.state).in_(states)
    if accepted_since is not None and not include_accepted:
        recent = (col(Report.state) == ReportState.ACCEPTED) & (
            col(Report.state_changed_at) >= accepted_since
        )
        shown = or_(shown, recent)
    query = (
        select(Report, Task)
        .join(Task, col(Task.id) == col(Report.task_id))
        .where(shown)
        .order_by(col(Report.created_at), col(Report.id))
    )
    rows = session.exec(query).all()
    count_query = select(Attachment.report_id, func.count()).group_by(col(Attachment.report_id))
    counts = dict(session.exec(count_query).all())
    return [
        OutboxItem(report, task.code, task.title, counts.get(report.id, 0), removal_message(task))
        for report, task in rows
    ]


# -- after finalize: every state change of a report is one of these --------------
#
# The sync engine, the applying of the server's answers, a USB bundle's export and
# a receipt's import all move reports through these functions and nothing else,
# so the states a report can pass through can be read here in one place. The
# caller commits (a round applies many answers in one transaction).

CANNOT_SEND = "cannot_send"  # the code of a report rejected on this device


def _move(report: Report, state: ReportState) -> None:
    if report.state is not state:
        report.state = state
        report.state_changed_at = utcnow()


def mark_sending(session: Session, report: Report) -> bool:
    """Queued → sending, for one attempt (shown as "sending" while in flight; a
    crash leaves it pending, not lost). False when it was not queued."""
    if report.state is not ReportState.QUEUED:
        return False
    report.state = ReportState.SENDING  # in flight only: not a change the officer made
    report.send_attempts += 1
    session.add(report)
    return True


def back_to_queued(session: Session, report: Report) -> None:
    """Sending → queued: the attempt never got an answer; the report waits again."""
    if report.state is ReportState.SENDING:
        report.state = ReportState.QUEUED
        session.add(report)


def accept(session: Session, report: Report) -> None:
    """The server stored it (or had it already): accepted, any earlier error gone."""
    if report.state in (ReportState.QUEUED, ReportState.SENDING, ReportState.REJECTED):
        _move(report, ReportState.ACCEPTED)
        report.reject_code = report.reject_message = report.last_error = None
        session.add(report)


def await_attachments(session: Session, report: Report) -> None:
    """The server holds it until its attachments are uploaded: still sending."""
    _move(report, ReportState.SENDING)
    session.add(report)


def await_registration(session: Session, report: Report, reason: str | None) -> None:
    """Not the report's fault (the server does not know this device's key): it
    waits, queued, for a login that registers the key."""
    _move(report, ReportState.QUEUED)
    report.last_error = reason
    session.add(report)


def await_server_update(session: Session, report: Report) -> None:
    """Not the report's fault either: its attachments are sealed, which a server of
    protocol 1 (dxdesk 0.1) cannot take. It waits, queued, for the server's update."""
    _move(report, ReportState.QUEUED)
    report.last_error = Message("report_awaits_server_update", {}).text("en")
    session.add(report)


def has_sealed_attachments(session: Session, report: Report) -> bool:
    return any(
        a.mime_type == attachment_seal.SEALED_MIME for a in attachments_of(session, report.id)
    )


def reject(session: Session, report: Report, code: str, message: str | None) -> None:
    """Refused for good, with the reason; a correction is a new report."""
    _move(report, ReportState.REJECTED)
    report.reject_code = code
    report.reject_message = message
    session.add(report)


def reject_locally(session: Session, report: Report, reason: str) -> None:
    """The protocol cannot carry it (finalized by an older version, or under limits
    since lowered): it could never be sent, so it is rejected here instead of failing
    every sync and holding up the queue behind it."""
    log.error("report %s cannot be sent: %s", report.id, reason)
    message = Message("report_cannot_be_sent", {"reason": reason}).text("en")
    reject(session, report, CANNOT_SEND, message)


def review(
    session: Session, report: Report, *, returned: bool, comment: str, at: dt.datetime | None
) -> bool:
    """A reviewer's decision: returned for revision (with the comment) or accepted,
    unless a newer decision was applied already (a stale USB task package must not
    undo what a later sync brought). True when applied."""
    if report.state is ReportState.DRAFT:
        return False
    if at is not None and report.reviewed_at is not None and at < report.reviewed_at:
        return False
    report.review_comment = comment or report.review_comment
    _move(report, ReportState.RETURNED if returned else ReportState.ACCEPTED)
    report.reviewed_at = at or report.reviewed_at
    session.add(report)
    return True


def mark_exported(session: Session, report: Report, bundle_id: str, at: dt.datetime) -> None:
    """Written to a USB bundle: still queued until a receipt or a sync confirms it."""
    report.exported_bundle = bundle_id
    report.exported_at = at
    session.add(report)


def sign_for_sending(
    session: Session, report: Report, key: Ed25519PrivateKey, registered: str | None
) -> None:
    """Sign the report with the key the server registered, as it leaves the device.

    Signed here, once, and not at finalize: a login may register another key (the
    first login here, or a key another user took: sync.session), so a report queued
    offline before it would carry a signature the server no longer checks against.
    Only when it is sent (a sync or a USB bundle) is the registered key known. The
    signature covers the immutable content hash, so signing later signs exactly what
    was finalized."""
    assert report.content_sha256 is not None  # set by finalize
    if report.signature is None or not signing.is_valid(
        key.public_key(), report.content_sha256, report.signature
    ):
        report.signature = signing.sign_report(key, report.content_sha256)
    # Not covered by the signature: the registered device whose key it is.
    report.device_id = registered
    session.add(report)
