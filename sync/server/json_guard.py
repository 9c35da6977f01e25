"""Refuses JSON request bodies nested too deep, before any route parses them.

The framework parses a JSON body with Python's recursive parser: thousands of
brackets were "There was an error parsing the body" (a RecursionError caught
late), and a few hundred levels parse and reach the models. No request of the
protocol nests more than a few levels, so deeper is ``invalid_json`` here
(``dxdesk.json_depth``). It sits inside ``ProtocolAndBody``, which has already read
the whole body (size-capped and gunzipped) and hands it over in one message.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dxdesk import json_depth
from sync.protocol import ErrorDetail
from sync.server.errors import error_response


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return b"json" in value.lower()
    return True  # FastAPI parses a body without a content type as JSON too


class JsonDepthGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        try:
            json_depth.check(body)  # not UTF-8: the route's parser names it
        except json_depth.TooDeepError as exc:
            detail = ErrorDetail(
                code="invalid_json", message=f"The request body is not valid JSON: {exc}."
            )
            await error_response(400, detail)(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)
