"""The console application, mounted at ``/console`` by :func:`sync.server.app.create_app`:
its own routers, HTML error pages and security headers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from dxdesk.clock import utcnow
from sync.protocol import KIB, MIB
from sync.server.accounts import Principal
from sync.server.bodies import TooLargeError
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
from sync.server.console.headers import HEADERS, SecurityHeaders
from sync.server.console.live import ChangeToken
from sync.server.console.overview import UnitFigureCache, WeekCounts
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
        figures=UnitFigureCache(),
        session_ttl=min(sessions.SESSION_TTL, config.token_ttl),
    )
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = console
    app.state.warming = threading.Thread(
        target=_warm, args=(console,), name="console-figures", daemon=True
    )
    app.state.warming.start()
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
        return error_page(console, request, principal, status, message)

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
        return problem(request, exc.status_code, status_message(request, exc.status_code))

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


def error_page(
    console: Console,
    request: Request,
    principal: Principal | None,
    status: int,
    message: str,
    *,
    home: bool = False,
) -> Response:
    """The console's error page: the problem in the reader's language and a way back
    (the overview when signed in or unknown — it sends others to sign in)."""
    title = "error_title" if status >= 500 else "bad_request_title"
    response = console.pages.render(
        request, "error.html", principal, status=status, title=title, message=message,
        code=status, home=home or principal is not None,
    )  # fmt: skip
    # A 500 is answered outside the console's header middleware: the same headers here.
    for name, value in {**HEADERS, "Cache-Control": "no-store"}.items():
        response.headers.setdefault(name, value)
    return response


def status_message(request: Request, status: int, limit: int | None = None) -> str:
    """What a refusal by status says to a reader (the API's words are for programs)."""
    t = words(request)
    if status == 405:
        return t("method_not_allowed")
    if status == 408:
        return t("body_timeout")
    if status == 413:
        return t("too_large", size=_size(limit or 0))
    return t("internal_error") if status >= 500 else t("bad_request_text")


def _size(limit: int) -> str:
    return f"{limit / MIB:g} MiB" if limit >= MIB else f"{limit / KIB:g} KiB"


def refusal(console_app: FastAPI) -> Callable[[Scope, ApiError], Response]:
    """The console's page for a request the body layer (``sync.server.middleware``)
    refuses before the console sees it: a 413 upload, a slow or malformed body."""
    console = console_app.state.console
    assert isinstance(console, Console)

    def page(scope: Scope, error: ApiError) -> Response:
        request = Request(scope)
        limit = error.limit if isinstance(error, TooLargeError) else None
        message = status_message(request, error.status, limit)
        return error_page(console, request, None, error.status, message, home=True)

    return page


def _warm(console: Console) -> None:
    """Every unit's overview figures, read once as the server starts (nationally 1–3 s)
    so that no reviewer's first overview waits for them."""
    try:
        with console.db.read() as session:
            console.figures.get(session, utcnow())
    except Exception:  # the first overview reads them instead
        log.warning("console: the overview's figures could not be read at start", exc_info=True)
