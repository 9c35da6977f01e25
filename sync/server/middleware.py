"""ASGI layers in front of the routes: protocol version check and request bodies.

Request bodies are read here, once, with a size cap, and gunzipped when the client
sent ``Content-Encoding: gzip`` (requests does not compress by itself; our client
does, because on 2G every byte costs). The cap applies to the bytes *after*
decompression, so a small gzip bomb is refused too.
"""

from __future__ import annotations

import zlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.protocol import (
    API_PREFIX,
    MAX_BUNDLE_BYTES,
    MAX_CHUNK_BYTES,
    MAX_REQUEST_BYTES,
    MIB,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
)
from sync.server.errors import ApiError, error_response

_PROTOCOL = PROTOCOL_HEADER.lower().encode("latin-1")
BLOB_PREFIX = f"{API_PREFIX}/blobs/"
BUNDLE_PATH = f"{API_PREFIX}/bundles"
DRAIN_FACTOR = 16


def body_limit(path: str) -> int:
    if path.startswith(BLOB_PREFIX):
        return MAX_CHUNK_BYTES
    if path.rstrip("/") == BUNDLE_PATH:
        return MAX_BUNDLE_BYTES
    return MAX_REQUEST_BYTES


def _too_large(limit: int) -> ApiError:
    if limit == MAX_BUNDLE_BYTES:
        return ApiError(
            413,
            "bundle_too_large",
            f"The bundle is larger than {limit // MIB} MiB, too large to deliver over the "
            "network: give the file to the central office, which imports it with "
            "dxdesk-server import-bundle (or export smaller bundles).",
        )
    what = "attachment chunk" if limit == MAX_CHUNK_BYTES else "request body"
    return ApiError(
        413,
        "chunk_too_large" if limit == MAX_CHUNK_BYTES else "body_too_large",
        f"The {what} is larger than {limit} bytes; send less at a time.",
    )


def gunzip(data: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
        if len(out) > limit or inflater.unconsumed_tail:
            raise _too_large(limit)
        out += inflater.flush()
    except zlib.error as exc:
        raise ApiError(400, "bad_gzip", "The gzip-compressed body is corrupt.") from exc
    if not inflater.eof:
        raise ApiError(400, "bad_gzip", "The gzip-compressed body is truncated.")
    if len(out) > limit:
        raise _too_large(limit)
    return out


class ProtocolAndBody:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            headers = dict(scope["headers"])
            self._check_protocol(headers)
            body = await self._read_body(scope, headers, receive)
        except ApiError as exc:
            response = error_response(exc.status, exc.detail, exc.headers)
            await response(scope, receive, send)
            return
        if body is None:  # client went away
            return
        scope["headers"] = [
            (name, value)
            for name, value in scope["headers"]
            if name not in (b"content-encoding", b"content-length")
        ] + [(b"content-length", str(len(body)).encode("ascii"))]
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _check_protocol(headers: dict[bytes, bytes]) -> None:
        raw = headers.get(_PROTOCOL)
        if raw is None:  # browsers, curl, OpenAPI tools: assume the current protocol
            return
        if raw.strip() != str(PROTOCOL_VERSION).encode("ascii"):
            raise ApiError(
                426,
                "protocol_outdated",
                f"This server speaks dxdesk protocol {PROTOCOL_VERSION}, not "
                f"{raw.decode('latin-1')[:20]}; update dxdesk to a matching version.",
                headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
            )

    @staticmethod
    async def _read_body(
        scope: Scope, headers: dict[bytes, bytes], receive: Receive
    ) -> bytes | None:
        limit = body_limit(scope["path"])
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            # Keep reading (and dropping) an oversized body, up to a bound, so the
            # client is still listening when the 413 comes instead of seeing a reset.
            if size <= limit:
                chunks.append(chunk)
            elif size > DRAIN_FACTOR * limit:
                raise _too_large(limit)
            if not message.get("more_body", False):
                break
        if size > limit:
            raise _too_large(limit)
        body = b"".join(chunks)
        encoding = headers.get(b"content-encoding", b"identity").strip().lower()
        if encoding == b"gzip":
            return gunzip(body, limit)
        if encoding not in (b"identity", b""):
            raise ApiError(
                415,
                "unsupported_encoding",
                "Only gzip request bodies are supported (Content-Encoding: gzip).",
            )
        return body
