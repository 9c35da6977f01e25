"""The served OpenAPI document, with the error answers every operation can give.

Those come from layers under every route (the body middleware, authentication,
validation), so they are added here once rather than in each route's decorator.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

_ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorOut"}
COMMON_ERRORS: dict[str, str] = {
    "400": "invalid_json (not JSON, or not UTF-8), bad_gzip, or another malformed request",
    "401": "auth_required, token_invalid, token_expired (bad_credentials at login); every "
    "request body except a login's needs a valid token before it is read",
    "408": "body_timeout: the request body arrived too slowly",
    "413": "body_too_large, chunk_too_large, bundle_too_large: refused by Content-Length "
    "before it is read, or once inflated",
    "415": "unsupported_encoding: only gzip request bodies",
    "422": "validation_error (field says where), or a refusal whose code says why",
    "426": "protocol_outdated or protocol_too_new: the X-Dxdesk-Protocol header names a "
    "version this server does not serve (the answer's header names its current one)",
    "429": "too_many_attempts; Retry-After says when to try again",
    "503": "server_busy: too many large uploads at once; Retry-After says when to try again",
}
_METHODS = ("get", "put", "post", "delete", "patch")


def with_common_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Every operation documents the common errors, all as ``ErrorOut``."""
    for item in schema.get("paths", {}).values():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in COMMON_ERRORS.items():
                answer = responses.setdefault(status, {"description": description})
                # FastAPI's own 422 shape is not what this server sends.
                answer["content"] = {"application/json": {"schema": _ERROR_SCHEMA}}
    return schema


def install(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_common_errors(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
