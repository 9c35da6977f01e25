"""What every console route is handed (its database, settings, renderer, change
token) and the few things every route does: find the signed-in reviewer, read a
posted form behind its CSRF check, say a 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request

from sync.server.accounts import Principal
from sync.server.config import ServerConfig
from sync.server.console import i18n, sessions
from sync.server.console.live import ChangeToken
from sync.server.console.overview import UnitFigureCache, WeekCounts
from sync.server.console.pages import Pages
from sync.server.db import Database

PREFIX = "/console"
MAX_FORM_FIELD = 10_000


class SignInFirstError(Exception):
    """No valid session: the browser goes to the sign-in page."""


class NotFoundError(Exception):
    """Outside the reviewer's units, or absent: the same 404 page either way."""


class BadInputError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Console:
    config: ServerConfig
    db: Database
    pages: Pages
    changes: ChangeToken
    weeks: WeekCounts  # ended weeks, kept per process
    figures: UnitFigureCache  # each unit's figures, kept per process
    session_ttl: dt.timedelta


async def _console(request: Request) -> Console:
    found = request.app.state.console
    assert isinstance(found, Console)
    return found


ConsoleDep = Annotated[Console, Depends(_console)]


def url(path: str, **params: str) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{PREFIX}{path}" + (f"?{query}" if query else "")


def words(request: Request) -> Callable[..., str]:
    return i18n.translator(i18n.pick(request.cookies.get(sessions.LANG_COOKIE)))


def signed_in(console: Console, request: Request) -> Principal:
    principal = sessions.current(console.db, request)
    if principal is None:
        raise SignInFirstError()
    return principal


async def form_fields(request: Request) -> tuple[dict[str, str], bool]:
    """The posted text fields and whether their CSRF token is this session's: a form
    that holds the reviewer's writing can give it back instead of failing."""
    try:
        data = await request.form()
    except Exception as exc:  # a malformed body: the browser's fault or an attacker's
        raise BadInputError(words(request)("form_expired")) from exc
    fields = {k: v[:MAX_FORM_FIELD] for k, v in data.items() if isinstance(v, str)}
    return fields, sessions.csrf_ok(request, fields.get("csrf", ""))


async def posted(request: Request) -> dict[str, str]:
    """The posted text fields, after the CSRF check."""
    fields, fresh = await form_fields(request)
    if not fresh:
        raise BadInputError(words(request)("form_expired"))
    return fields
