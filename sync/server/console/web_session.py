"""Sign in, sign out, the language switch and the live change token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from sync.server.console import i18n, sessions, web_reports
from sync.server.console.context import PREFIX, ConsoleDep, posted, signed_in, url, words
from sync.server.console.login_page import Draft, login_form

router = APIRouter()
LANG_COOKIE_AGE_S = 365 * 86400


@router.get("/", include_in_schema=False)
async def home(console: ConsoleDep, request: Request) -> Response:
    signed_in(console, request)
    return RedirectResponse(url("/overview"), status_code=303)


@router.get("/login")
async def login_page(console: ConsoleDep, request: Request) -> Response:
    if sessions.current(console.db, request) is not None:
        return RedirectResponse(url("/overview"), status_code=303)
    return login_form(console, request)


@router.post("/login")
async def login(console: ConsoleDep, request: Request) -> Response:
    t = words(request)
    try:
        data = await request.form()
    except Exception:  # a malformed body
        return login_form(console, request, t("form_expired"), status=400)
    fields = {k: v for k, v in data.items() if isinstance(v, str)}
    username = fields.get("username", "")[:150]
    draft = Draft.posted(fields)  # a comment an expired session could not send
    if not sessions.pre_csrf_ok(request, fields.get("csrf", "")):
        return login_form(console, request, t("form_expired"), username, 400, draft)
    result = await run_in_threadpool(
        sessions.sign_in, console.db, username, fields.get("password", "")[:1000],
        console.session_ttl,
    )  # fmt: skip
    if result.refused_role:
        return console.pages.render(request, "officer.html", status=403)
    if result.locked_minutes is not None:
        message = t("locked", minutes=result.locked_minutes)
        return login_form(console, request, message, username, 429, draft)
    if result.token is None:
        return login_form(console, request, t("bad_login"), username, 401, draft)
    response: Response = RedirectResponse(url("/overview"), status_code=303)
    if draft is not None:
        principal = await run_in_threadpool(sessions.principal_of, console.db, result.token)
        if principal is not None:
            csrf = sessions.csrf_for(result.token)
            response = await run_in_threadpool(
                web_reports.resume, console, request, principal, draft, csrf
            )
    age = int(console.session_ttl.total_seconds())
    sessions.set_cookie(request, response, sessions.SESSION_COOKIE, result.token, age)
    response.delete_cookie(sessions.PRE_COOKIE, path=PREFIX)
    return response


@router.post("/logout")
async def logout(console: ConsoleDep, request: Request) -> Response:
    principal = signed_in(console, request)
    await posted(request)
    await run_in_threadpool(sessions.sign_out, console.db, principal)
    response = RedirectResponse(url("/login"), status_code=303)
    response.delete_cookie(sessions.SESSION_COOKIE, path=PREFIX)
    return response


@router.get("/lang/{lang}")
async def switch_language(request: Request, lang: str, next: str = "") -> Response:
    # Back to one of our own pages only: never an open redirect.
    ours = next.startswith(PREFIX + "/") and "//" not in next and "\\" not in next
    response = RedirectResponse(next if ours else url("/overview"), status_code=303)
    sessions.set_cookie(request, response, sessions.LANG_COOKIE, i18n.pick(lang), LANG_COOKIE_AGE_S)
    return response


@router.get("/live")
async def live(console: ConsoleDep, request: Request) -> Response:
    signed_in(console, request)
    token = await run_in_threadpool(console.changes.current)
    return JSONResponse({"token": token})
