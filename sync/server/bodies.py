"""Request bodies: the limit and sign-in rule of each path, and a body decoded into
a spool file as it arrives.

Each piece that arrives is inflated (``Content-Encoding: gzip``), checked and
written to a temporary file that stays in memory only while small, so a 64 MiB
bundle uploaded over a slow link holds disk, not RAM. The limits apply to the
inflated bytes, so a small gzip bomb is refused too.
"""

from __future__ import annotations

import codecs
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from sync.protocol import (
    API_PREFIX,
    KIB,
    MAX_BUNDLE_BYTES,
    MAX_CHUNK_BYTES,
    MAX_LOGIN_BYTES,
    MAX_REQUEST_BYTES,
    MIB,
)
from sync.server.errors import ApiError

LOGIN_PATH = f"{API_PREFIX}/auth/login"
BLOB_PREFIX = f"{API_PREFIX}/blobs/"
BUNDLE_PATH = f"{API_PREFIX}/bundles"
# The reviewers' console (sync.server.console) posts forms with its session cookie.
CONSOLE_PREFIX = "/console"
CONSOLE_SESSION_COOKIE = "dx_console"
CONSOLE_LOGIN_PATH = f"{CONSOLE_PREFIX}/login"
CONSOLE_SHEET_PATH = f"{CONSOLE_PREFIX}/tasks/import"
# A form (a return comment of 20,000 Vietnamese characters, URL-encoded, is ~180 KiB)
# and a province's task sheet (CSV/XLSX).
MAX_CONSOLE_FORM_BYTES = 1 * MIB
MAX_CONSOLE_SHEET_BYTES = 8 * MIB
# A body up to this size is kept in memory; a bigger one goes to a temporary file.
SPOOL_MEMORY_BYTES = 256 * KIB
# What the application is handed at a time when the body is replayed.
REPLAY_CHUNK_BYTES = 64 * KIB


@dataclass(frozen=True)
class BodyRule:
    limit: int  # bytes, after gunzip
    code: str  # the 413's code
    what: str  # for the 413's message
    needs_token: bool  # a valid token is required before any byte is read
    # Where the token is: the Authorization header (the API), or this cookie (the
    # reviewers' console, whose browser sends its session cookie, never a header).
    token_cookie: str | None = None


# A body anyone may send: small, so nobody unauthenticated holds a large-body slot.
ANONYMOUS_RULE = BodyRule(MAX_LOGIN_BYTES, "body_too_large", "request body", needs_token=False)


def rule_for(path: str) -> BodyRule:
    """Every API body but a login's needs a signed-in caller; the login's is small.

    The console's forms need its session cookie. Other paths (none take a body) get
    the small cap of a body read
    from anyone, so nobody unauthenticated can hold a large-body slot."""
    if path in (LOGIN_PATH, CONSOLE_LOGIN_PATH):
        return BodyRule(MAX_LOGIN_BYTES, "body_too_large", "login request", needs_token=False)
    if path.startswith(f"{CONSOLE_PREFIX}/"):
        sheet = path == CONSOLE_SHEET_PATH
        return BodyRule(
            MAX_CONSOLE_SHEET_BYTES if sheet else MAX_CONSOLE_FORM_BYTES,
            "body_too_large",
            "task sheet" if sheet else "form",
            needs_token=True,
            token_cookie=CONSOLE_SESSION_COOKIE,
        )
    if not path.startswith(f"{API_PREFIX}/"):
        return ANONYMOUS_RULE
    if path.startswith(BLOB_PREFIX):
        return BodyRule(MAX_CHUNK_BYTES, "chunk_too_large", "attachment chunk", needs_token=True)
    if path == BUNDLE_PATH:
        return BodyRule(MAX_BUNDLE_BYTES, "bundle_too_large", "bundle", needs_token=True)
    return BodyRule(MAX_REQUEST_BYTES, "body_too_large", "request body", needs_token=True)


class TooLargeError(ApiError):
    """A 413, with the limit that applied (the console says it to the reader)."""

    def __init__(self, limit: int, code: str, message: str) -> None:
        super().__init__(413, code, message)
        self.limit = limit


def too_large(rule: BodyRule) -> TooLargeError:
    if rule.code == "bundle_too_large":
        return TooLargeError(
            rule.limit,
            rule.code,
            f"The bundle is larger than {rule.limit // MIB} MiB, too large to deliver over "
            "the network: give the file to the central office, which imports it with "
            "dxdesk-server import-bundle (or export smaller bundles).",
        )
    return TooLargeError(
        rule.limit,
        rule.code,
        f"The {rule.what} is larger than {rule.limit} bytes; send less at a time.",
    )


def _bad_gzip(why: str) -> ApiError:
    return ApiError(400, "bad_gzip", f"The gzip-compressed body is {why}.")


def _not_utf8() -> ApiError:
    return ApiError(400, "invalid_json", "The request body is not valid JSON: it is not UTF-8.")


def _nul_byte() -> ApiError:
    return ApiError(
        400,
        "invalid_json",
        "The request body is not valid JSON: it holds a NUL byte (send UTF-8, not UTF-16).",
    )


class BodySpool:
    """One request body, fed piece by piece; :meth:`finish` checks its end."""

    def __init__(self, rule: BodyRule, *, gzipped: bool, json_text: bool) -> None:
        self.rule = rule
        self.size = 0  # bytes after gunzip
        self._wire = 0
        self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
        self._inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS) if gzipped else None
        # JSON is UTF-8 (RFC 8259); checked here because the JSON parser would take
        # other encodings, or fail with a generic error.
        self._utf8 = codecs.getincrementaldecoder("utf-8")() if json_text else None

    def feed(self, piece: bytes) -> None:
        self._wire += len(piece)
        if self._wire > self.rule.limit:
            raise too_large(self.rule)
        if self._inflater is None:
            self._write(piece)
            return
        room = self.rule.limit - self.size
        try:
            # At most one byte past the limit: a bomb never inflates further.
            out = self._inflater.decompress(piece, room + 1)
        except zlib.error as exc:
            raise _bad_gzip("corrupt") from exc
        self._write(out)
        if self._inflater.unused_data:
            raise _bad_gzip("followed by other bytes (only one gzip member is read)")

    def finish(self) -> None:
        if self._inflater is not None:
            try:
                self._write(self._inflater.flush())
            except zlib.error as exc:
                raise _bad_gzip("corrupt") from exc
            if not self._inflater.eof:
                raise _bad_gzip("truncated")
        if self._utf8 is not None:
            try:
                self._utf8.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                raise _not_utf8() from exc
        self._file.seek(0)

    def _write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.rule.limit:
            raise too_large(self.rule)
        if self._utf8 is not None:
            try:
                self._utf8.decode(data)
            except UnicodeDecodeError as exc:
                raise _not_utf8() from exc
            # Never in JSON (escaped inside strings, not allowed outside), and the
            # mark of UTF-16, which is valid UTF-8 byte by byte when it is ASCII and
            # which the framework's parser would read, past the depth guard.
            if b"\x00" in data:
                raise _nul_byte()
        self._file.write(data)

    def pieces(self) -> Iterator[bytes]:
        while piece := self._file.read(REPLAY_CHUNK_BYTES):
            yield piece

    def close(self) -> None:
        self._file.close()
