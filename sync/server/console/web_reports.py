"""Báo cáo: the inbox, one report, its review, its files."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sync.protocol import AcceptIn, ReturnIn
from sync.server import attachment_files, reviews
from sync.server.accounts import Principal
from sync.server.console import detail, inbox, sessions
from sync.server.console.context import (
    Console,
    ConsoleDep,
    NotFoundError,
    form_fields,
    posted,
    signed_in,
    url,
    words,
)
from sync.server.console.login_page import Draft, login_form
from sync.server.console.tree import Tree, home_unit, visible
from sync.server.errors import ApiError
from sync.server.routes.deps import write

router = APIRouter()
MAX_ID = 64


@router.get("/reports")
def inbox_page(console: ConsoleDep, request: Request) -> Response:
    principal = signed_in(console, request)
    t = words(request)
    params = dict(request.query_params.items())
    error = ""
    try:
        filters = inbox.parse_filters(params)
        after = inbox.parse_cursor(params.get("after", "")[:200])
    except inbox.FilterError as exc:
        filters, after = inbox.Filters(), None
        error = t(exc.key, value=exc.value)
    with console.db.read() as session:
        scope = principal.scope(session)
        tree = Tree(session)
        if filters.unit and not visible(scope, filters.unit, tree):
            raise NotFoundError()
        root = home_unit(principal.unit_code, tree)
        try:
            found = inbox.page(session, scope, tree, root, filters, after)
        except inbox.FilterError as exc:
            error, found = t(exc.key), inbox.Page([], None)
    units = [tree.units[c] for c in tree.subtree(root) if scope.allows(c)]
    query = filters.query_items()
    return console.pages.render(
        request, "inbox.html", principal, status=400 if error else 200,
        page=found, filters=filters, units=units, error=error, states=inbox.REVIEW_STATES,
        next_url=url("/reports", **query, after=found.next_after) if found.next_after else None,
        first_url=url("/reports", **query) if after else None,
        live=console.changes.current(),
    )  # fmt: skip


def _show(
    console: Console, request: Request, principal: Principal, report_id: str, *,
    opened: bool, error: str = "", comment: str = "", status: int = 200, csrf: str | None = None,
) -> Response:  # fmt: skip
    if len(report_id) > MAX_ID:
        raise NotFoundError()

    def work(session: Session) -> detail.Detail:
        return detail.load(
            session, principal, principal.scope(session), report_id, console.config.server_key,
            open_sealed=opened,
        )  # fmt: skip

    if opened:  # the opening is audited: a write transaction
        found = write(console.db, work)
    else:
        with console.db.read() as session:
            found = work(session)
    return console.pages.render(
        request, "report.html", principal, status=status, d=found, r=found.report,
        error=error, comment=comment, csrf=csrf,
    )  # fmt: skip


@router.get("/reports/{report_id}")
def report_page(console: ConsoleDep, request: Request, report_id: str) -> Response:
    return _show(console, request, signed_in(console, request), report_id, opened=False)


@router.post("/reports/{report_id}/open")
async def open_report(console: ConsoleDep, request: Request, report_id: str) -> Response:
    principal = signed_in(console, request)
    await posted(request)
    return await run_in_threadpool(_show, console, request, principal, report_id, opened=True)


def _review_input(t: object, action: str, comment: str) -> tuple[str, str]:
    """(state, comment) checked as the API checks them; ValueError says what is wrong."""
    assert callable(t)
    try:
        if action == "return":
            if not comment.strip():
                raise ValueError(t("comment_required"))
            return "returned", ReturnIn(comment=comment).comment
        if action == "accept":
            return "accepted", AcceptIn(comment=comment).comment
    except ValidationError as exc:
        raise ValueError(t("comment_invalid")) from exc
    raise ValueError(t("bad_request_title"))


def resume(
    console: Console, request: Request, principal: Principal, draft: Draft, csrf: str
) -> Response:
    """The report again right after signing in, its review form holding the comment
    the expired session could not send: checked and sent by the reviewer, as ever,
    with the new session's CSRF token (nothing is sent for them)."""
    try:
        return _show(console, request, principal, draft.report_id, opened=False,
                     error=words(request)("comment_resumed"), comment=draft.comment,
                     csrf=csrf)  # fmt: skip
    except (NotFoundError, ApiError) as exc:  # not theirs (another account): the overview
        if isinstance(exc, ApiError) and exc.status != 404:
            raise
        return RedirectResponse(url("/overview"), status_code=303)


@router.post("/reports/{report_id}/review")
async def review_report(console: ConsoleDep, request: Request, report_id: str) -> Response:
    principal = sessions.current(console.db, request)
    fields, fresh = await form_fields(request)
    comment = fields.get("comment", "")
    t = words(request)
    if principal is None:  # signed out or expired mid-comment: sign in, then back here
        draft = Draft(report_id[:MAX_ID], comment)
        return login_form(console, request, t("session_lost_resume"), status=401, draft=draft)
    if not fresh:  # a stale form (another sign-in since): the form again, comment kept
        return await run_in_threadpool(
            _show, console, request, principal, report_id, opened=False,
            error=t("session_lost"), comment=comment, status=400,
        )  # fmt: skip
    try:
        state, text = _review_input(t, fields.get("action", ""), comment)
    except ValueError as exc:
        return await run_in_threadpool(
            _show, console, request, principal, report_id, opened=False, error=str(exc),
            comment=comment, status=422,
        )  # fmt: skip

    def work(session: Session) -> None:
        # The API's own review, so the comment reaches the officer at the next sync.
        reviews.review(
            session, principal, principal.scope(session), report_id, state=state, comment=text
        )

    await run_in_threadpool(write, console.db, work)
    return RedirectResponse(url(f"/reports/{quote(report_id)}"), status_code=303)


@router.api_route("/reports/{report_id}/files/{attachment_id}", methods=["GET", "POST"])
async def download(
    console: ConsoleDep, request: Request, report_id: str, attachment_id: str
) -> Response:
    principal = signed_in(console, request)
    if request.method == "POST":
        await posted(request)
    if len(report_id) > MAX_ID or len(attachment_id) > MAX_ID:
        raise NotFoundError()

    key = console.config.server_key
    # A classified report's files come only from the opened report's form (a POST),
    # and that opening is audited.
    opening = request.method == "POST"

    def describe(session: Session) -> tuple[attachment_files.FileToSend, bool]:
        return attachment_files.describe(
            session, principal, principal.scope(session), report_id, attachment_id, key,
            open_sealed=opening,
        )  # fmt: skip

    described, sealed = await run_in_threadpool(write, console.db, describe)
    if (sealed and not opening) or not described.complete:
        raise NotFoundError()

    def check() -> None:
        with console.db.read() as session:
            attachment_files.check(session, described, key)

    await run_in_threadpool(check)

    def body() -> Iterator[bytes]:
        with console.db.read() as session:
            yield from attachment_files.chunks(session, described, key)

    return StreamingResponse(
        body(),
        media_type=described.mime_type or "application/octet-stream",
        headers={
            # Always saved, never shown here: an HTML file would run as our page.
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(described.name)}",
            "Content-Length": str(described.size),
            "Content-Security-Policy": "sandbox; default-src 'none'",
        },
    )
