"""Rendering: one Jinja2 environment (autoescaped), the page context every
template gets, and the console's HTML error pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from dxdesk.clock import VIETNAM_TZ
from dxdesk.status import Category
from sync.server.accounts import Principal
from sync.server.console import i18n, sessions

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        value = aware.astimezone(VIETNAM_TZ).date()
    return value.strftime("%d/%m/%Y")


vndate = _date  # dd/mm/yyyy, as forms are filled in


def _datetime(value: dt.datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M")


def _number(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", " ")
    return f"{int(value):,}".replace(",", ".")


def _label(category: Category, lang: str) -> str:
    return category.label_vi if lang == "vi" else category.label_en


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["vndate"] = _date
    env.filters["vndatetime"] = _datetime
    env.filters["num"] = _number
    return env


class Pages:
    def __init__(self) -> None:
        self.env = environment()

    def render(
        self,
        request: Request,
        name: str,
        principal: Principal | None = None,
        status: int = 200,
        csrf: str | None = None,
        **context: Any,
    ) -> HTMLResponse:
        """``csrf``: the forms' token when it is not the request's session's (the
        answer to a sign-in, whose new session the request does not carry yet)."""
        lang = i18n.pick(request.cookies.get(sessions.LANG_COOKIE))
        html = self.env.get_template(name).render(
            t=i18n.translator(lang),
            lang=lang,
            user=principal,
            csrf=csrf if csrf is not None else sessions.csrf_token(request),
            here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            categories=list(Category),
            cat_label=lambda value: _label(Category(value), lang),
            **context,
        )
        return HTMLResponse(html, status_code=status)
