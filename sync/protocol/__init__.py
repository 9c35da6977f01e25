"""Wire protocol v2: the JSON shapes both ends agree on (docs/protocol.md explains them).

This package is all the client and the server share (the import contracts in
pyproject.toml hold the server to it): the wire models here, and the USB stick's
file formats (``bundle_format``: a bundle of reports; ``signed_doc``: receipts and
task packages). A report's limits come from ``dxdesk.limits`` (the core refuses at
finalize what the wire could not carry, and may not import this package); every
other limit is defined here or in those two modules, once.

These are pydantic models so that the server validates with them and serves them as
OpenAPI, and the client engine builds and parses the very same shapes. Validation is
strict (no silent coercion): a report's content hash is recomputed from what was
parsed, so what was parsed must be exactly what was sent.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    model_validator,
)

from dxdesk import limits, report_seal, signing
from dxdesk.text import escaped, first_control

# The protocol a message speaks travels in this header, on every request and every
# answer (docs/protocol.md, "Versions"). A header rather than a body field: protocol 1
# clients refuse answers with keys they do not know, chunk uploads and downloads are
# not JSON, and a server must judge the version before it reads a body.
PROTOCOL_VERSION = 2
# The server serves the current protocol and the one before it, so a province can
# upgrade its devices over weeks; the client speaks both, to talk to an older server.
OLDEST_PROTOCOL = 1
SUPPORTED_PROTOCOLS = tuple(range(OLDEST_PROTOCOL, PROTOCOL_VERSION + 1))
PROTOCOL_HEADER = "X-Dxdesk-Protocol"
# The client names its language (vi or en) so that the server says in it what the
# client cannot translate itself (e.g. why a too-old dxdesk is not served).
LANGUAGE_HEADER = "Accept-Language"
API_PREFIX = "/api/v1"
SERVICE_NAME: Literal["dxdesk"] = "dxdesk"

KIB = 1024
MIB = 1024 * KIB
# Largest request body after gzip decompression (sync batches, logins…).
MAX_REQUEST_BYTES = 8 * MIB
# Largest login body: read before anyone is authenticated, so kept tight.
MAX_LOGIN_BYTES = 64 * KIB
# Largest chunk of an attachment in one PUT; clients on 2G use far smaller ones.
MAX_CHUNK_BYTES = 1 * MIB
# Largest USB bundle accepted in one upload (POST /bundles); bigger ones are
# imported at the central office with ``dxdesk-server import-bundle``.
MAX_BUNDLE_BYTES = 64 * MIB
MAX_REPORTS_PER_SYNC = 500
MAX_PAGE = 500
DEFAULT_PAGE = 200
# What one report may hold: one source in the core, which refuses at finalize
# what these models could not carry (a report that cannot be sent blocks nothing).
MAX_TEXT_CHARS = limits.MAX_TEXT_CHARS
MAX_ATTACHMENTS = limits.MAX_ATTACHMENTS
MAX_BLOB_BYTES = limits.MAX_BLOB_BYTES  # one attachment
MAX_INDICATORS = limits.MAX_INDICATORS
MAX_AUTHOR_CHARS = limits.MAX_AUTHOR_CHARS
MAX_FILE_NAME_CHARS = limits.MAX_FILE_NAME_CHARS


# Validation context for text that was stored before control characters were
# refused (a device's queued report, a sealed report on the server): it is read
# as it is, so that it can still be sent (and refused by the server, report by
# report) or opened; what arrives at the server is always checked strictly.
STORED_TEXT: dict[str, bool] = {"stored_text": True}


def _storable(value: str) -> str:
    # NUL and lone surrogates cannot be stored by PostgreSQL or encoded as UTF-8:
    # refuse them here, with a field name, instead of failing deep in the database.
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from exc
    return value


def _safe_text(value: str, info: ValidationInfo) -> str:
    # Terminal escapes, C1 controls and bidi overrides in a comment or a title
    # are obeyed by the terminal or the viewer that shows them (dxdesk.text).
    _storable(value)
    control = first_control(value)
    if control is not None and not (info.context or {}).get("stored_text"):
        raise ValueError(
            f"text must not contain control characters (found {escaped(control)}); "
            "only line breaks and tabs are allowed"
        )
    return value


def _iso_datetime(value: str) -> str:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("must be an ISO 8601 date and time") from exc
    if parsed.tzinfo is None:
        raise ValueError("must include a UTC offset, e.g. +00:00")
    # The device's claim, shown to people but ordering nothing (the server orders by
    # its receipt time); the device refuses the same bounds at finalize.
    if not limits.possible_report_time(parsed):
        raise ValueError(
            f"impossible date: must lie between {limits.EARLIEST_REPORT_TIME.year} and "
            f"{limits.LATEST_REPORT_TIME.year - 1} (check the device's clock)"
        )
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


SafeStr = Annotated[str, AfterValidator(_safe_text)]
# Never shown to anyone (a password), or echoed back only to be acknowledged.
RawStr = Annotated[str, AfterValidator(_storable)]
Text = Annotated[SafeStr, Field(max_length=MAX_TEXT_CHARS)]
ShortText = Annotated[SafeStr, Field(max_length=500)]
# Client ids are UUIDs; server ids may be anything this tame.
Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
IsoDateTime = Annotated[SafeStr, Field(max_length=64), AfterValidator(_iso_datetime)]
FiniteFloat = Annotated[float, Field(strict=True), AfterValidator(_finite)]
IndicatorValue = StrictInt | FiniteFloat | StrictBool | ShortText | None
IndicatorValues = Annotated[
    dict[Annotated[SafeStr, Field(max_length=100)], IndicatorValue],
    Field(max_length=MAX_INDICATORS),
]
FileName = Annotated[SafeStr, Field(min_length=1, max_length=MAX_FILE_NAME_CHARS)]


# Keys, signatures and sealed payloads: unpadded base64url (dxdesk.b64url).
def _ed25519_key(value: str) -> str:
    try:
        signing.public_key_from_text(value)
    except signing.BadSignatureError as exc:
        raise ValueError("not an Ed25519 public key in unpadded base64url") from exc
    return value


Ed25519Key = Annotated[
    str,
    Field(pattern=rf"^[A-Za-z0-9_-]{{{signing.PUBLIC_KEY_CHARS}}}$"),
    AfterValidator(_ed25519_key),
]
Signature = Annotated[str, Field(pattern=rf"^[A-Za-z0-9_-]{{{signing.SIGNATURE_CHARS}}}$")]
# A login challenge: 40 bytes (expiry, random, server MAC) in unpadded base64url.
NONCE_CHARS = 54
Nonce = Annotated[str, Field(pattern=rf"^[A-Za-z0-9_-]{{{NONCE_CHARS}}}$")]
Sealed = Annotated[
    str,
    Field(min_length=1, max_length=report_seal.MAX_SEALED_CHARS, pattern=r"^[A-Za-z0-9_-]+$"),
]


class Wire(BaseModel):
    """Keys a model does not know are ignored, in requests and answers alike: a newer
    peer may send fields this one has never heard of (protocol 1 refused them, so a
    field added to an answer broke every older client). The fields a model knows are
    validated strictly. Nothing signed is silently lost from a report: the server
    checks the signature over the hash of what it parsed, so a report whose signed
    hash covers a field this server does not know is rejected (``bad_signature``)
    instead of being stored without it."""

    model_config = ConfigDict(extra="ignore")


class ErrorDetail(Wire):
    code: str = Field(description="Machine-readable code, stable across versions")
    message: str = Field(description="A sentence for people")
    field: str | None = Field(default=None, description="The offending field, dotted")
    received: int | None = Field(
        default=None, description="offset_mismatch only: bytes the server holds"
    )


class ErrorOut(Wire):
    error: ErrorDetail


class PingOut(Wire):
    service: Literal["dxdesk"] = SERVICE_NAME
    protocol: int = PROTOCOL_VERSION
    server_time: str


class OkOut(Wire):
    ok: bool = True


class ChallengeOut(Wire):
    nonce: Nonce = Field(description="Sign it (with the device key) in the login that follows")
    expires_at: str = Field(description="After this (server time) the login refuses it")


class LoginIn(Wire):
    username: Annotated[SafeStr, Field(min_length=1, max_length=150)]
    password: Annotated[RawStr, Field(min_length=1, max_length=1024)]
    device_id: Id | None = Field(
        default=None, description="This installation's id; with device_public_key"
    )
    device_public_key: Ed25519Key | None = Field(
        default=None,
        description="The profile's Ed25519 key (base64url) that signs its reports; "
        "registered for this user and device by a successful login",
    )
    challenge: Nonce | None = Field(
        default=None, description="A nonce from POST /auth/challenge; with device_proof"
    )
    device_proof: Signature | None = Field(
        default=None,
        description="The device key's Ed25519 signature over the challenge, device id, "
        "public key and username (docs/protocol.md): proof that the device holds the key",
    )

    @model_validator(mode="after")
    def _device_pair(self) -> LoginIn:
        if (self.device_id is None) != (self.device_public_key is None):
            raise ValueError("device_id and device_public_key go together")
        if (self.challenge is None) != (self.device_proof is None):
            raise ValueError("challenge and device_proof go together")
        if self.challenge is not None and self.device_id is None:
            raise ValueError("challenge and device_proof prove a device_public_key")
        return self


class UserOut(Wire):
    username: str
    role: Literal["officer", "reviewer", "admin"]
    unit_code: str
    full_name: str


class LoginOut(Wire):
    token: str
    expires_at: str
    user: UserOut
    server_time: str
    server_public_key: str = Field(
        description="The server's X25519 key (base64url): classified reports are sealed to it"
    )
    server_signing_key: str | None = Field(
        default=None,
        description="The server's Ed25519 key (base64url): it signs bundle receipts and "
        "task packages (absent from servers older than USB bundles)",
    )


class ServerKeyOut(Wire):
    algorithm: Literal["x25519"] = "x25519"
    public_key: str = Field(description="base64url, 32 bytes")
    fingerprint: str = Field(description="First 16 hex digits of sha256(public_key)")
    signing_key: str = Field(
        description="Ed25519, base64url: signs bundle receipts and task packages"
    )
    signing_fingerprint: str = Field(description="First 16 hex digits of sha256(signing_key)")


class AttachmentIn(Wire):
    id: Id
    sha256: Sha256
    size: Annotated[StrictInt, Field(ge=1, le=MAX_BLOB_BYTES)]
    file_name: FileName
    mime_type: Annotated[SafeStr, Field(min_length=1, max_length=127)]


class ReportIn(Wire):
    """The keys of ``dxdesk.reports.canonical_body()`` (``sealed`` only when the
    report is sealed), its hash, and the device's signature of that hash."""

    id: Id
    task_id: Id
    progress: Annotated[StrictInt, Field(ge=0, le=100)]
    status_claim: Literal["in_progress", "done"]
    results: Text
    difficulties: Text
    proposals: Text
    indicator_values: IndicatorValues
    classification: Literal["normal", "secret"]
    corrects_id: Id | None
    author: Annotated[SafeStr, Field(max_length=MAX_AUTHOR_CHARS)]
    created_at: IsoDateTime
    attachments: Annotated[list[AttachmentIn], Field(max_length=MAX_ATTACHMENTS)]
    content_sha256: Sha256
    sealed: Sealed | None = Field(
        default=None,
        description="Classified reports: their words and file names sealed to the "
        "server's key (base64url); then results, difficulties, proposals and "
        "indicator_values are empty",
    )
    signature: Signature | None = Field(
        default=None, description="Ed25519 over 'dxdesk report v1\\n' + content_sha256"
    )
    device_id: Id | None = Field(default=None, description="The registered device that signed")

    def canonical_body(self) -> dict[str, Any]:
        """What the content hash covers: everything but the hash and the signature."""
        body = self.model_dump(mode="json", exclude={"content_sha256", "signature", "device_id"})
        if body["sealed"] is None:
            del body["sealed"]
        return body


class SealedName(Wire):
    """An attachment inside a sealed payload: its name, and, when its bytes are sealed
    too (``mime_type`` outside is ``dxdesk.attachment_seal.SEALED_MIME``), what they
    were before sealing. The three come together or not at all."""

    id: Id
    file_name: FileName
    sha256: Sha256 | None = None
    size: Annotated[StrictInt, Field(ge=1, le=MAX_BLOB_BYTES)] | None = None
    mime_type: Annotated[SafeStr, Field(min_length=1, max_length=127)] | None = None

    @model_validator(mode="after")
    def _all_or_none(self) -> SealedName:
        given = [self.sha256 is not None, self.size is not None, self.mime_type is not None]
        if any(given) and not all(given):
            raise ValueError("sha256, size and mime_type come together")
        return self

    @property
    def bytes_sealed(self) -> bool:
        return self.sha256 is not None


class SealedContent(Wire):
    """What a sealed payload holds (``dxdesk.report_seal.content``)."""

    results: Text
    difficulties: Text
    proposals: Text
    indicator_values: IndicatorValues
    attachments: Annotated[list[SealedName], Field(max_length=MAX_ATTACHMENTS)]


class UnparsedReport(BaseModel):
    """A batch item that is not a valid ReportIn but has an id to acknowledge.

    It is rejected on its own (ack ``invalid_report``) so that one bad report never
    blocks the rest of a device's queue.
    """

    model_config = ConfigDict(extra="allow")

    id: Annotated[RawStr, Field(min_length=1, max_length=200)]


class ClientIn(Wire):
    """What the device runs, so the server can offer it a newer release (protocol 2)."""

    version: Annotated[SafeStr, Field(max_length=32)]
    platform: Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,64}$")]
    channel: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,31}$")] = "stable"


class SyncIn(Wire):
    cursor: Annotated[SafeStr, Field(max_length=500)] | None = None
    reports: Annotated[list[ReportIn | UnparsedReport], Field(max_length=MAX_REPORTS_PER_SYNC)] = (
        Field(default_factory=list)
    )
    limit: Annotated[StrictInt, Field(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE
    client: ClientIn | None = Field(
        default=None, description="Protocol 2: the device's version and platform (updates)"
    )


AckStatus = Literal["accepted", "duplicate", "incomplete", "rejected"]


class Ack(Wire):
    id: str
    status: AckStatus
    code: str | None = None
    message: str | None = None
    field: str | None = None
    missing_blobs: list[str] = Field(default_factory=list)


class TaskOut(Wire):
    id: str
    code: str
    title: str
    description: str
    doc_number: str
    doc_date: str | None
    doc_issuer: str
    unit_code: str
    start_date: str | None
    deadline: str | None
    expected_output: str
    indicators: list[dict[str, Any]]
    completed_on: str | None
    progress: int
    version: int


class RemovedTaskOut(Wire):
    """A task the device must drop from its list (protocol 2): withdrawn, or moved to
    a unit outside the user's. Its reports stay on the device, and queued ones are
    still sent."""

    id: str = Field(description="The task's id")
    why: Literal["withdrawn", "moved"]
    reason: str = Field(default="", description="Why it was withdrawn; empty for a move")
    at: str = Field(description="When (server time, ISO 8601)")
    version: int = Field(description="The change version that carried it")


class ReviewOut(Wire):
    report_id: str
    state: Literal["returned", "accepted"]
    comment: str
    at: str


class DeltaOffer(Wire):
    """The same release as a delta from the version the device runs."""

    base: str
    file_name: str
    size: int
    sha256: str


class UpdateOffer(Wire):
    """A newer release for the device's platform (docs/protocol.md, "Updates")."""

    version: str
    platform: str
    file_name: str
    size: int
    sha256: str
    manifest: str = Field(
        description="The signed release manifest (sync/protocol/release_manifest.py); the "
        "device checks it against the release key its site profile pins"
    )
    delta: DeltaOffer | None = Field(
        default=None,
        description="Only the files changed since the device's version, when the release "
        "has a delta from it; the full artifact stays the fallback",
    )


class SyncOut(Wire):
    acks: list[Ack]
    tasks: list[TaskOut]
    reviews: list[ReviewOut]
    removed: list[RemovedTaskOut] = Field(
        default_factory=list,
        description="Protocol 2: tasks to drop (withdrawn, or moved out of the user's "
        "units); left out of answers to protocol 1 requests",
    )
    cursor: str
    has_more: bool
    full_refresh: bool
    server_time: str
    update: UpdateOffer | None = Field(
        default=None,
        description="Protocol 2, when the request named its client and a newer release "
        "exists; the key is left out for protocol 1 requests",
    )


class BlobStatus(Wire):
    sha256: str
    received: int
    complete: bool
    size: int | None = Field(default=None, description="Declared size, when known")


class ReturnIn(Wire):
    comment: Annotated[SafeStr, Field(min_length=1, max_length=5000)]


class AcceptIn(Wire):
    comment: Annotated[SafeStr, Field(max_length=5000)] = ""


class CompleteIn(Wire):
    completed_on: dt.date | None = Field(
        default=None, description="Defaults to today in Vietnam by the server's clock"
    )


class WithdrawIn(Wire):
    reason: Annotated[SafeStr, Field(min_length=1, max_length=1000)]


class MoveIn(Wire):
    unit_code: Annotated[SafeStr, Field(min_length=1, max_length=64)]


class IndicatorIn(Wire):
    code: Annotated[SafeStr, Field(min_length=1, max_length=100)]
    name: ShortText
    unit: Annotated[SafeStr, Field(max_length=100)] = ""
    target: FiniteFloat | StrictInt | None = None


class TaskIn(Wire):
    code: Annotated[SafeStr, Field(min_length=1, max_length=64)]
    title: Annotated[SafeStr, Field(min_length=1, max_length=1000)]
    unit_code: Annotated[SafeStr, Field(min_length=1, max_length=64)]
    description: Text = ""
    doc_number: Annotated[SafeStr, Field(max_length=200)] = ""
    doc_date: dt.date | None = None
    doc_issuer: ShortText = ""
    start_date: dt.date | None = None
    deadline: dt.date | None = None
    expected_output: Text = ""
    indicators: Annotated[list[IndicatorIn], Field(max_length=MAX_INDICATORS)] = Field(
        default_factory=list
    )


class TaskPatch(Wire):
    """Only the fields given change; ``null`` clears a date."""

    title: Annotated[SafeStr, Field(min_length=1, max_length=1000)] | None = None
    description: Text | None = None
    doc_number: Annotated[SafeStr, Field(max_length=200)] | None = None
    doc_date: dt.date | None = None
    doc_issuer: ShortText | None = None
    start_date: dt.date | None = None
    deadline: dt.date | None = None
    expected_output: Text | None = None


class ReportOut(Wire):
    id: str
    task_id: str
    task_code: str
    unit_code: str
    submitted_by: str
    progress: int
    status_claim: str
    results: str
    difficulties: str
    proposals: str
    indicator_values: dict[str, Any]
    classification: str
    corrects_id: str | None
    author: str
    created_at: str
    received_at: str
    complete: bool
    attachments: list[dict[str, Any]]
    review_state: str | None
    review_comment: str | None
    reviewed_at: str | None
    sealed: bool = Field(
        description="Classified and stored sealed; the listing leaves its words out, "
        "GET /reports/{id} opens them"
    )
    signed_by: str | None = Field(
        description="The user whose registered device key signed the report"
    )
    device_id: str | None = Field(description="The device that signed it")


class ReportList(Wire):
    reports: list[ReportOut]
    has_more: bool


class BundleOut(Wire):
    """The answer to a delivered USB bundle: the signed receipt, and its counts."""

    bundle_id: str
    device_id: str
    replayed: bool = Field(
        description="The bundle was imported before: nothing new was stored, and "
        "``receipt`` is the original one"
    )
    accepted: int
    duplicate: int
    incomplete: int
    rejected: int
    receipt: str = Field(description="The receipt file, as text (docs/protocol.md)")
