"""Every failure leaves the server as ``{"error": {code, message, field?}}`` JSON."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync.protocol import ErrorDetail, ErrorOut

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A failure the client should be told about, with a machine code."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        received: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.detail = ErrorDetail(code=code, message=message, field=field, received=received)
        self.headers = dict(headers or {})


def error_response(
    status: int, detail: ErrorDetail, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = ErrorOut(error=detail).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def field_path(loc: Sequence[int | str]) -> str:
    """``('body', 'reports', 0, 'ReportIn', 'progress')`` → ``reports.0.progress``.

    Capitalised parts are pydantic's union member names, not fields.
    """
    parts = [str(p) for p in loc if not (isinstance(p, str) and p[:1].isupper())]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts)


def validation_detail(errors: Sequence[Any]) -> tuple[int, ErrorDetail]:
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    if first.get("type") == "json_invalid":
        return 400, ErrorDetail(code="invalid_json", message="The request body is not valid JSON.")
    field = field_path(first.get("loc", ())) or None
    message = str(first.get("msg", "invalid value"))
    where = f"{field}: " if field else ""
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return 422, ErrorDetail(code="validation_error", message=f"{where}{message}{more}", field=field)


_STATUS_CODES = {
    400: "bad_request",
    401: "auth_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
}


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.detail, exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    status, detail = validation_detail(exc.errors())
    return error_response(status, detail)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "http_error")
    message = str(exc.detail) if exc.detail else "request failed"
    if exc.status_code == 404:
        message = "No such endpoint or object."
    return error_response(exc.status_code, ErrorDetail(code=code, message=message), exc.headers)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error", exc_info=exc)
    detail = ErrorDetail(
        code="internal_error",
        message="The server failed to handle this request; it has been logged. Try again later.",
    )
    return error_response(500, detail)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
