"""The sign-in form, and the draft it may carry: a review comment whose session
expired before it was sent travels in the form's body (never a URL, a cookie or a
log) and is put back in the report's review form once the reviewer signs in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from sync.server.console import sessions
from sync.server.console.context import MAX_FORM_FIELD, Console

PRE_COOKIE_AGE_S = 3600
MAX_REPORT_ID = 64


@dataclass(frozen=True)
class Draft:
    report_id: str
    comment: str

    @staticmethod
    def posted(fields: Mapping[str, str]) -> Draft | None:
        report_id = fields.get("resume_report", "")
        if not report_id or len(report_id) > MAX_REPORT_ID:
            return None
        return Draft(report_id, fields.get("resume_comment", "")[:MAX_FORM_FIELD])


def login_form(
    console: Console, request: Request, error: str = "", username: str = "", status: int = 200,
    draft: Draft | None = None,
) -> Response:  # fmt: skip
    pre = request.cookies.get(sessions.PRE_COOKIE) or sessions.new_pre_token()
    response = console.pages.render(
        request, "login.html", status=status,
        error=error, username=username, pre=pre, draft=draft,
    )  # fmt: skip
    sessions.set_cookie(request, response, sessions.PRE_COOKIE, pre, PRE_COOKIE_AGE_S)
    return response
