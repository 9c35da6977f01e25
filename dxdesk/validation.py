"""Checks on what an officer enters, each returning translatable messages.

Drafts are checked lightly (a half-written report must always save); finalizing
checks everything.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dxdesk import limits
from dxdesk.messages import Message
from dxdesk.store.models import Classification, StatusClaim

MAX_TEXT_CHARS = limits.MAX_TEXT_CHARS
MB = 1024 * 1024

# Leading bytes of the formats we accept, so a renamed .exe is not sent as a .pdf.
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "ods": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}
MIME_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "txt": "text/plain",
}


@dataclass(frozen=True)
class AttachmentLimits:
    max_bytes: int = 20 * MB
    max_count: int = 10
    allowed_extensions: frozenset[str] = field(default_factory=lambda: frozenset(MIME_TYPES))

    def __post_init__(self) -> None:
        # Settings may lower the wire's limits, never raise them: an attachment the
        # protocol cannot carry must be refused when attached, not at every sync.
        object.__setattr__(self, "max_bytes", min(self.max_bytes, limits.MAX_BLOB_BYTES))
        object.__setattr__(self, "max_count", min(self.max_count, limits.MAX_ATTACHMENTS))


def contradictions(
    *,
    progress: int,
    status_claim: str,
    indicator_values: Mapping[str, object],
    indicators: list[dict[str, Any]],
) -> list[Message]:
    """What a finalized report says against itself: shown before it is queued for
    the officer to confirm or correct, never a refusal (the officer may know better)."""
    found: list[Message] = []
    complete = progress == 100 or status_claim == StatusClaim.DONE
    if progress == 100 and status_claim == StatusClaim.IN_PROGRESS:
        found.append(Message("full_progress_not_done", field="status"))
    if not complete:
        return found
    for indicator in indicators:
        value = indicator_values.get(str(indicator.get("code", "")))
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        name = str(indicator.get("name") or indicator.get("code", ""))
        target = indicator.get("target")
        if value <= 0:
            found.append(Message("indicator_zero_when_done", {"name": name, "value": _num(value)}))
        elif isinstance(target, int | float) and value < target:
            params = {"name": name, "value": _num(value), "target": _num(target),
                      "unit": str(indicator.get("unit", ""))}  # fmt: skip
            found.append(Message("indicator_below_target_when_done", params))
    return found


def _num(value: float) -> str:
    return f"{value:g}"


def parse_progress(raw: object) -> int | Message:
    """Accept 45, "45" or "45%"; anything else is a message, never an exception."""
    if isinstance(raw, bool):
        return Message("progress_not_number", {"value": raw}, field="progress")
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip().removesuffix("%").strip()
        if not text.lstrip("-").isdigit():
            return Message("progress_not_number", {"value": raw}, field="progress")
        value = int(text)
    if not 0 <= value <= 100:
        return Message("progress_range", {"value": value}, field="progress")
    return value


def content_issues(
    *,
    progress: object,
    status_claim: object,
    classification: object,
    texts: dict[str, str],
    final: bool,
) -> list[Message]:
    issues: list[Message] = []
    parsed = parse_progress(progress)
    if isinstance(parsed, Message):
        issues.append(parsed)
    claims = [claim.value for claim in StatusClaim]
    if status_claim not in claims:
        issues.append(
            Message(
                "status_unknown",
                {"value": status_claim, "choices": ", ".join(claims)},
                field="status",
            )
        )
    elif final and status_claim == StatusClaim.DONE and parsed != 100 and isinstance(parsed, int):
        issues.append(Message("done_needs_full_progress", {"value": parsed}, field="progress"))
    classes = [item.value for item in Classification]
    if classification not in classes:
        issues.append(
            Message(
                "classification_unknown",
                {"value": classification, "choices": ", ".join(classes)},
                field="classification",
            )
        )
    for name, value in texts.items():
        if len(value) > MAX_TEXT_CHARS:
            issues.append(
                Message("too_long", {"length": len(value), "limit": MAX_TEXT_CHARS}, field=name)
            )
    if final and not texts.get("results", "").strip():
        issues.append(Message("required", field="results"))
    return issues


def extension_of(path: Path) -> str:
    return path.suffix.lower().lstrip(".")


def attachment_issues(path: Path, limits: AttachmentLimits) -> list[Message]:
    shown = str(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return [Message("attachment_missing", {"path": shown}, field="attachments")]
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return [Message("attachment_unreadable", {"path": shown, "reason": reason})]
    if not path.is_file():
        return [Message("attachment_not_file", {"path": shown}, field="attachments")]
    extension = extension_of(path)
    if extension not in limits.allowed_extensions:
        allowed = ", ".join(sorted(limits.allowed_extensions))
        return [
            Message(
                "attachment_type",
                {"path": shown, "extension": extension or "?", "allowed": allowed},
                field="attachments",
            )
        ]
    if stat.st_size == 0:
        return [Message("attachment_empty", {"path": shown}, field="attachments")]
    if stat.st_size > limits.max_bytes:
        return [
            Message(
                "attachment_too_large",
                {
                    "path": shown,
                    "size_mb": f"{stat.st_size / MB:.1f}",
                    "limit_mb": f"{limits.max_bytes / MB:g}",
                },
                field="attachments",
            )
        ]
    signatures = _MAGIC.get(extension)
    if signatures:
        try:
            with path.open("rb") as handle:
                head = handle.read(16)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return [Message("attachment_unreadable", {"path": shown, "reason": reason})]
        if not any(head.startswith(sig) for sig in signatures):
            return [
                Message(
                    "attachment_content_mismatch",
                    {"path": shown, "extension": extension},
                    field="attachments",
                )
            ]
    if not os.access(path, os.R_OK):
        return [Message("attachment_unreadable", {"path": shown, "reason": "permission denied"})]
    return []


def mime_type_of(path: Path) -> str:
    return MIME_TYPES.get(extension_of(path), "application/octet-stream")


def too_many_attachments(count: int, limit: int) -> Message:
    return Message("too_many_attachments", {"count": count, "limit": limit}, field="attachments")


def wire_issues(
    *, attachments: list[tuple[str, int]], indicator_count: int, author: str
) -> list[Message]:
    """What the sync protocol could not carry (``dxdesk.limits``), checked at
    finalize whatever the settings were when the draft was written: such a report
    could never be sent. ``attachments`` are (file name, size) pairs."""
    issues: list[Message] = []
    if len(attachments) > limits.MAX_ATTACHMENTS:
        issues.append(too_many_attachments(len(attachments), limits.MAX_ATTACHMENTS))
    for name, size in attachments:
        if size > limits.MAX_BLOB_BYTES:
            issues.append(
                Message(
                    "attachment_too_large",
                    {
                        "path": name,
                        "size_mb": f"{size / MB:.1f}",
                        "limit_mb": f"{limits.MAX_BLOB_BYTES / MB:g}",
                    },
                    field="attachments",
                )
            )
        if len(name) > limits.MAX_FILE_NAME_CHARS:
            issues.append(
                Message(
                    "too_long",
                    {"length": len(name), "limit": limits.MAX_FILE_NAME_CHARS},
                    field="attachments",
                )
            )
    if indicator_count > limits.MAX_INDICATORS:
        issues.append(
            Message(
                "too_many_indicators",
                {"count": indicator_count, "limit": limits.MAX_INDICATORS},
                field="indicator_values",
            )
        )
    if len(author) > limits.MAX_AUTHOR_CHARS:
        issues.append(
            Message("too_long", {"length": len(author), "limit": limits.MAX_AUTHOR_CHARS},
                    field="author")
        )  # fmt: skip
    return issues
