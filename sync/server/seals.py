"""Classified reports on the server: checked on arrival, stored sealed, opened only
for a reviewer or admin who asks (and that is audited).

The plaintext of a classified report never reaches the database. A device seals it
before sending; a report queued by an older dxdesk arrives in the clear (over TLS)
and is sealed here, to the same key, before it is stored.

Its attachments' bytes too: a device of protocol 2 seals them (type
``attachment_seal.SEALED_MIME`` outside, the original sha256, size and type inside
the sealed payload); an older one sends them in the clear and ``blobs`` seals each
chunk on arrival.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import ValidationError

from dxdesk import attachment_seal, report_seal, sealing
from sync.protocol import STORED_TEXT, ReportIn, SealedContent
from sync.server.devices import Problem
from sync.server.errors import field_path
from sync.server.tables import Report

SECRET = "secret"  # noqa: S105 (a classification, not a password)
CLEAR_EMPTY = {"results": "", "difficulties": "", "proposals": "", "indicator_values": {}}


def _invalid(message: str, field: str) -> Problem:
    return Problem("invalid_report", message, field)


def _outside_problem(report: ReportIn) -> Problem | None:
    if report.classification != SECRET:
        return _invalid("only classified (secret) reports are sealed", "sealed")
    for name in report_seal.SEALED_FIELDS:
        if getattr(report, name):
            return _invalid(f"a sealed report carries its {name} only inside the seal", name)
    for index, attachment in enumerate(report.attachments):
        if attachment.file_name != report_seal.SEALED_FILE_NAME:
            return _invalid(
                "a sealed report carries its file names only inside the seal",
                f"attachments.{index}.file_name",
            )
    return None


def check(report: ReportIn, key: X25519PrivateKey) -> Problem | None:
    """Why the sealed payload of ``report`` is unacceptable, or None. Opened here only
    to validate it like a report in the clear; what opened is then dropped."""
    if report.sealed is None:
        return _sealed_bytes_outside_a_seal(report)
    problem = _outside_problem(report)
    if problem is not None:
        return problem
    try:
        raw = report_seal.open_content(report.sealed, report.id, key)
    except sealing.SealError:
        return Problem(
            "bad_seal",
            "The sealed part cannot be opened by this server: sealed to another key, "
            "or altered on the way.",
            "sealed",
        )
    except ValueError:
        return _invalid("the sealed part does not hold JSON", "sealed")
    try:
        content = SealedContent.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(filter(None, ("sealed", field_path(first["loc"]))))
        return _invalid(f"{where}: {first['msg']}", where)
    if sorted(a.id for a in content.attachments) != sorted(a.id for a in report.attachments):
        return _invalid("the sealed file names do not match the attachments", "sealed.attachments")
    return _originals_problem(report, content)


def _sealed_bytes_outside_a_seal(report: ReportIn) -> Problem | None:
    """Sealed bytes with no sealed payload naming their originals could never be read."""
    for index, attachment in enumerate(report.attachments):
        if attachment.mime_type == attachment_seal.SEALED_MIME:
            return _invalid(
                "sealed attachment bytes belong to a sealed report",
                f"attachments.{index}.mime_type",
            )
    return None


def _originals_problem(report: ReportIn, content: SealedContent) -> Problem | None:
    """Sealed bytes need their originals named inside the seal, at a size that fits."""
    inside = {a.id: a for a in content.attachments}
    for index, attachment in enumerate(report.attachments):
        entry = inside[attachment.id]
        if attachment.mime_type != attachment_seal.SEALED_MIME:
            if entry.bytes_sealed:
                return _invalid(
                    "the seal describes sealed bytes, but this attachment is not sealed",
                    f"attachments.{index}.mime_type",
                )
            continue
        if entry.size is None:
            return _invalid(
                "a sealed attachment needs its original sha256, size and type in the seal",
                "sealed.attachments",
            )
        if attachment.size != attachment_seal.sealed_size(entry.size):
            return _invalid(
                "the sealed attachment's size does not fit its original's",
                f"attachments.{index}.size",
            )
    return None


Stored = tuple[dict[str, Any], str | None, str | None]  # body, sealed, sealed_by


def to_store(report: ReportIn, key: X25519PrivateKey, body: dict[str, Any]) -> Stored:
    """What to keep of a report that passed the checks; ``body`` is its canonical
    body (made once, for the hash; changed here)."""
    if report.sealed is not None:
        body.pop("sealed")  # kept once, in its own column
        return body, report.sealed, "device"
    if report.classification != SECRET:
        return body, None, None
    # An older device sent it in the clear: seal it before it touches the disk.
    content = report_seal.content(
        report.results,
        report.difficulties,
        report.proposals,
        dict(report.indicator_values),
        [(a.id, a.file_name) for a in report.attachments],
    )
    sealed = report_seal.seal_content(content, report.id, key.public_key())
    body.update(CLEAR_EMPTY)
    for attachment in body["attachments"]:
        attachment["file_name"] = report_seal.SEALED_FILE_NAME
    return body, sealed, "server"


def open_stored(row: Report, key: X25519PrivateKey) -> SealedContent:
    """What a stored sealed report says; SealError if this key cannot open it."""
    assert row.sealed is not None
    raw = report_seal.open_content(row.sealed, row.id, key)
    return SealedContent.model_validate(raw, context=STORED_TEXT)  # may predate the check


def original_body(row: Report, opened: SealedContent | None) -> dict[str, Any]:
    """The canonical body the device hashed and signed, rebuilt from what is stored."""
    body = dict(row.body)
    if row.sealed_by == "device":
        return {**body, "sealed": row.sealed}
    if row.sealed_by == "server":
        assert opened is not None
        names = {a.id: a.file_name for a in opened.attachments}
        body.update(opened.model_dump(mode="json", exclude={"attachments"}))
        body["attachments"] = [
            {**item, "file_name": names.get(item["id"], item["file_name"])}
            for item in body["attachments"]
        ]
    return body
