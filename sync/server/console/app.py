"""The console application, mounted at ``/console`` by :func:`sync.server.app.create_app`:
its own routers, HTML error pages and security headers."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync.server.config import ServerConfig
from sync.server.console import (
    sessions,
    web_export,
    web_overview,
    web_reports,
    web_session,
    web_task_edit,
    web_tasks,
)
from sync.server.console.context import (
    BadInputError,
    Console,
    NotFoundError,
    SignInFirstError,
    url,
    words,
)
from sync.server.console.headers import SecurityHeaders
from sync.server.console.live import ChangeToken
from sync.server.console.overview import WeekCounts
from sync.server.console.pages import STATIC, Pages
from sync.server.db import Database
from sync.server.errors import ApiError

log = logging.getLogger(__name__)


def create(config: ServerConfig, db: Database) -> FastAPI:
    console = Console(
        config=config,
        db=db,
        pages=Pages(),
        changes=ChangeToken(db),
        weeks=WeekCounts(),
        session_ttl=min(sessions.SESSION_TTL, config.token_ttl),
    )
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = console
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in (
        web_session.router,
        web_overview.router,
        web_reports.router,
        web_export.router,
        web_task_edit.router,
        web_tasks.router,
    ):
        app.include_router(router)
    app.add_middleware(SecurityHeaders)

    def not_found(request: Request) -> Response:
        principal = sessions.current(db, request)
        return console.pages.render(request, "not_found.html", principal, status=404)

    def problem(request: Request, status: int, message: str) -> Response:
        principal = sessions.current(db, request)
        return console.pages.render(request, "error.html", principal, status=status,
                                    message=message)  # fmt: skip

    async def sign_in_first(_request: Request, _exc: Exception) -> Response:
        return RedirectResponse(url("/login"), status_code=303)

    async def absent(request: Request, _exc: Exception) -> Response:
        return not_found(request)

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        if exc.status == 404:
            return not_found(request)
        return problem(request, exc.status, exc.detail.message)

    async def bad_input(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BadInputError)
        return problem(request, 400, exc.message)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return not_found(request)
        return problem(request, exc.status_code, str(exc.detail))

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("console: unexpected error", exc_info=exc)
        return problem(request, 500, words(request)("internal_error"))

    app.add_exception_handler(SignInFirstError, sign_in_first)
    app.add_exception_handler(NotFoundError, absent)
    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(BadInputError, bad_input)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
    return app
