"""ASGI layer in front of the routes: protocol version check and request bodies.

Everything that can be judged from the headers is judged before a byte of the body
is read: the protocol version, the declared ``Content-Length`` against the path's
limit, the encoding and, for every API body but a login's, the bearer token. Only
then is the body read, within a deadline, into a spool (``sync.server.bodies``):
inflated when the client sent ``Content-Encoding: gzip`` (our client does: on 2G
every byte costs), with the size cap applied after inflation. Large bodies are
received a few at a time per process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from http.cookies import SimpleCookie

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.protocol import MAX_CHUNK_BYTES, PROTOCOL_HEADER
from sync.server.accounts import Principal, authenticate, require_bearer
from sync.server.bodies import ANONYMOUS_RULE, BodySpool, rule_for, too_large
from sync.server.config import ServerConfig
from sync.server.db import Database
from sync.server.errors import ApiError, error_response
from sync.server.protocol_versions import check_protocol, served_protocol

_PROTOCOL_ANSWER = PROTOCOL_HEADER.lower().encode("latin-1")
# Where the routes find the caller this layer authenticated (see routes.deps).
PRINCIPAL_STATE = "dxdesk.principal"
# A refusal as a page for people, from the request and the error.
HtmlRefusal = Callable[[Scope, ApiError], Response]
# A refused body up to this size is left for the server to read and drop after the
# answer, so a client still sending sees the answer rather than a reset; a bigger
# one (or one of unknown size) is not read: the connection is closed instead.
DRAIN_BYTES = 64 * 1024
# Bodies above this (more than an attachment chunk) count as large.
LARGE_BODY_BYTES = MAX_CHUNK_BYTES
BUSY_RETRY_AFTER_S = 30


def _declared_length(headers: dict[bytes, bytes]) -> int | None:
    """The body's declared size; None when it comes chunked (size unknown)."""
    if b"transfer-encoding" in headers:
        return None
    raw = headers.get(b"content-length", b"0").strip()
    if not raw.isdigit():  # the HTTP parser has refused these already
        raise ApiError(400, "bad_request", "The Content-Length header is not a number.")
    return int(raw)


def _is_json(headers: dict[bytes, bytes]) -> bool:
    """As FastAPI decides: no content type, or application/json or …+json."""
    kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    return not kind or kind == b"application/json" or kind.endswith(b"+json")


class ProtocolAndBody:
    def __init__(
        self,
        app: ASGIApp,
        *,
        config: ServerConfig,
        db: Database,
        pages: tuple[str, HtmlRefusal] | None = None,
    ) -> None:
        self.app = app
        self.config = config
        self.db = db
        # (a path prefix, its renderer): refusals there are pages for people, not JSON
        self.pages = pages
        self._large = _LargeBodies(config.concurrent_large_bodies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared: int | None = None  # unknown until parsed: close after a refusal
        send = _saying_protocol(send, served_protocol(headers))
        try:
            declared = _declared_length(headers)
            check_protocol(headers)
            if declared == 0:  # nothing to read or decode
                await self.app(scope, receive, send)
                return
            await self._with_body(scope, headers, declared, receive, send)
        except _RefusedMidBodyError as refused:
            await self._refuse(scope, receive, send, refused.error, close=refused.close)
        except ApiError as exc:
            close = declared is None or declared > DRAIN_BYTES
            await self._refuse(scope, receive, send, exc, close=close)

    async def _with_body(
        self,
        scope: Scope,
        headers: dict[bytes, bytes],
        declared: int | None,
        receive: Receive,
        send: Send,
    ) -> None:
        rule = rule_for(scope["path"])
        if declared is not None and declared > rule.limit:
            raise too_large(rule)
        encoding = headers.get(b"content-encoding", b"identity").strip().lower()
        if encoding not in (b"identity", b"", b"gzip"):
            raise ApiError(
                415,
                "unsupported_encoding",
                "Only gzip request bodies are supported (Content-Encoding: gzip).",
            )
        if rule.needs_token:
            try:
                caller = await self._authenticate(headers, rule.token_cookie)
            except ApiError:
                if rule.token_cookie is None:
                    raise
                # A console form without a live session: the page itself sends the
                # browser to sign in, but only after a small body.
                rule = ANONYMOUS_RULE
                if declared is not None and declared > rule.limit:
                    raise too_large(rule) from None
            else:
                scope.setdefault("state", {})[PRINCIPAL_STATE] = caller
        slot = _LargeSlot(self._large)
        if declared is None or declared > LARGE_BODY_BYTES:
            slot.take()
        spool = BodySpool(rule, gzipped=encoding == b"gzip", json_text=_is_json(headers))
        try:
            deadline = self.config.body_deadline_s(rule.limit if declared is None else declared)
            try:
                if not await self._receive(spool, slot, receive, deadline):
                    return  # the client went away
                spool.finish()
            except ApiError as exc:  # part of the body may still be on its way
                raise _RefusedMidBodyError(exc, close=True) from exc
            scope["headers"] = [
                (name, value)
                for name, value in scope["headers"]
                if name not in (b"content-encoding", b"content-length", b"transfer-encoding")
            ] + [(b"content-length", str(spool.size).encode("ascii"))]
            await self.app(scope, _replay(spool.pieces(), receive), send)
        finally:
            spool.close()
            slot.release()

    @staticmethod
    async def _receive(
        spool: BodySpool, slot: _LargeSlot, receive: Receive, deadline_s: float
    ) -> bool:
        try:
            async with asyncio.timeout(deadline_s):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return False
                    spool.feed(message.get("body", b""))
                    if spool.size > LARGE_BODY_BYTES:  # small on the wire, large inflated
                        slot.take()
                    if not message.get("more_body", False):
                        return True
        except TimeoutError:
            raise ApiError(
                408,
                "body_timeout",
                f"The request body did not arrive within {deadline_s:.0f} seconds; "
                "send it again (on a better connection, or in smaller parts).",
            ) from None

    async def _authenticate(self, headers: dict[bytes, bytes], cookie: str | None) -> Principal:
        if cookie is not None:
            jar = SimpleCookie(headers.get(b"cookie", b"").decode("latin-1"))
            morsel = jar.get(cookie)
            token = require_bearer(f"Bearer {morsel.value}" if morsel and morsel.value else None)
        else:
            raw = headers.get(b"authorization")
            token = require_bearer(raw.decode("latin-1") if raw is not None else None)
        return await run_in_threadpool(self._lookup, token)

    def _lookup(self, token: str) -> Principal:
        with self.db.read() as session:
            return authenticate(session, token)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, error: ApiError, *, close: bool
    ) -> None:
        headers = dict(error.headers)
        if close:  # uvicorn closes the connection after this answer, unread
            headers["Connection"] = "close"
        if self.pages is not None and scope["path"].startswith(self.pages[0]):
            page = self.pages[1](scope, error)
            page.headers.update(headers)
            await page(scope, receive, send)
            return
        await error_response(error.status, error.detail, headers)(scope, receive, send)


class _LargeBodies:
    """How many large bodies are being received; only the event loop's thread counts."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.receiving = 0


class _LargeSlot:
    """One request's share of the large-body slots: taken at most once, without
    waiting (a client kept waiting would still be sending), given back when done."""

    def __init__(self, bodies: _LargeBodies) -> None:
        self._bodies = bodies
        self._held = False

    def take(self) -> None:
        if self._held:
            return
        if self._bodies.receiving >= self._bodies.limit:
            raise ApiError(
                503,
                "server_busy",
                "The server is receiving as many large uploads as it can; "
                f"try again in {BUSY_RETRY_AFTER_S} seconds.",
                headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
            )
        self._bodies.receiving += 1
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._bodies.receiving -= 1


class _RefusedMidBodyError(Exception):
    """A refusal after part of the body was read: the rest is not worth reading."""

    def __init__(self, error: ApiError, *, close: bool) -> None:
        super().__init__(error.detail.message)
        self.error = error
        self.close = close


def _saying_protocol(send: Send, version: int) -> Send:
    """Every answer names the protocol it speaks (the version served, or, when the
    request's cannot be served, the current one: the client may switch to it)."""
    value = str(version).encode("ascii")

    async def answer(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [
                *(h for h in message.get("headers", []) if h[0].lower() != _PROTOCOL_ANSWER),
                (_PROTOCOL_ANSWER, value),
            ]
        await send(message)

    return answer


def _replay(pieces: Iterator[bytes], receive: Receive) -> Receive:
    """The spooled body, handed over piece by piece; then the client's own messages."""
    current = next(pieces, b"")
    done = False

    async def replay() -> Message:
        nonlocal current, done
        if done:
            return await receive()
        following = next(pieces, None)
        message: Message = {
            "type": "http.request",
            "body": current,
            "more_body": following is not None,
        }
        if following is None:
            done = True
        else:
            current = following
        return message

    return replay
