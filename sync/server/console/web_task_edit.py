"""Nhiệm vụ: edit one task (the fields the API's PATCH changes, with its checks),
mark one done after a confirmation step (a page, so it works without JavaScript), and
withdraw one (thu hồi) with a reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sync.protocol import TaskPatch
from sync.server import tasks
from sync.server.accounts import Principal
from sync.server.console import indicator_form
from sync.server.console.context import (
    Console,
    ConsoleDep,
    NotFoundError,
    posted,
    signed_in,
    url,
    words,
)
from sync.server.console.pages import vndate
from sync.server.routes.deps import write
from sync.server.tables import Task

router = APIRouter()
MAX_ID = 64
TEXTS = ("title", "description", "doc_number", "doc_issuer", "expected_output")
DATES = ("doc_date", "start_date", "deadline")


def _visible(session: Session, principal: Principal, task_id: str) -> Task:
    """The task if it is in the reviewer's units; any other id is the same 404."""
    if len(task_id) > MAX_ID:
        raise NotFoundError()
    task = session.scalar(
        select(Task).where(Task.id == task_id, principal.scope(session).where(Task.unit_code))
    )
    if task is None:
        raise NotFoundError()
    return task


def _values(task: Task) -> dict[str, str]:
    shown = {name: getattr(task, name) or "" for name in TEXTS}
    return shown | {name: vndate(getattr(task, name)) for name in DATES}


def _form(
    console: Console, request: Request, principal: Principal, task_id: str, *,
    values: dict[str, str] | None = None, problems: list[str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    with console.db.read() as session:
        task = _visible(session, principal, task_id)
        shown = values if values is not None else _values(task)
        rows = (
            indicator_form.form_rows(fields=values)
            if values is not None
            else indicator_form.form_rows(task.indicators)
        )
        return console.pages.render(
            request, "task_edit.html", principal, status=status, task=task, values=shown,
            problems=problems or [], ind_rows=rows,
        )  # fmt: skip


@router.get("/tasks/{task_id}/edit")
def edit_page(console: ConsoleDep, request: Request, task_id: str) -> Response:
    return _form(console, request, signed_in(console, request), task_id)


def _changes(fields: dict[str, str], t: Callable[..., str]) -> dict[str, Any]:
    """The posted form as the API's TaskPatch checks it, with the indicators as the
    API's IndicatorIn checks them; ValueError lists each problem."""
    problems: list[str] = []
    try:
        indicators = indicator_form.parse(fields, t)
    except ValueError as exc:
        problems += exc.args[0]
    raw: dict[str, Any] = {name: fields.get(name, "").strip() for name in TEXTS}
    for name in DATES:
        text = fields.get(name, "").strip()
        try:
            raw[name] = tasks.parse_date(text) if text else None
        except ValueError:
            problems.append(f"{t(name)}: {t('bad_date', value=text[:40])}")
    if not problems:
        try:
            return TaskPatch(**raw).model_dump() | {
                "indicators": [item.model_dump() for item in indicators]
            }
        except ValidationError as exc:
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else ""
                label = t(name) if name in TEXTS or name in DATES else name
                problems.append(f"{label}: {error['msg']}")
    raise ValueError(problems)


@router.post("/tasks/{task_id}/edit")
async def save_task(console: ConsoleDep, request: Request, task_id: str) -> Response:
    principal = signed_in(console, request)
    fields = await posted(request)
    t = words(request)
    try:
        changes = _changes(fields, t)
    except ValueError as exc:
        return await run_in_threadpool(
            _form, console, request, principal, task_id, values=fields, problems=exc.args[0],
            status=422,
        )  # fmt: skip

    def work(session: Session) -> tuple[str, str]:
        task = _visible(session, principal, task_id)
        if changes["indicators"] == task.indicators:  # unchanged: not rewritten, not audited
            del changes["indicators"]
        tasks.patch(session, task, changes, principal.username)
        return task.unit_code, task.code

    try:
        unit, _code = await run_in_threadpool(write, console.db, work)
    except tasks.TaskError as exc:  # rolled back: nothing changed
        label = t(exc.field) if exc.field in DATES else (exc.field or "")
        problem = f"{label}: {exc}" if label else str(exc)
        return await run_in_threadpool(
            _form, console, request, principal, task_id, values=fields, problems=[problem],
            status=422,
        )  # fmt: skip
    return RedirectResponse(url("/tasks", unit=unit), status_code=303)


@router.get("/tasks/{task_id}/complete")
def confirm_complete(console: ConsoleDep, request: Request, task_id: str) -> Response:
    principal = signed_in(console, request)
    with console.db.read() as session:
        task = _visible(session, principal, task_id)
        return console.pages.render(
            request, "task_complete.html", principal, task=task, day=vndate(tasks.today())
        )


@router.post("/tasks/{task_id}/complete")
async def complete_task(console: ConsoleDep, request: Request, task_id: str) -> Response:
    principal = signed_in(console, request)
    await posted(request)

    def work(session: Session) -> str:
        task = _visible(session, principal, task_id)
        # A second post (back, resend) keeps the first date; a withdrawn task stays so.
        if task.completed_on is None and task.withdrawn_at is None:
            tasks.complete(session, task, None, principal.username)
        return task.unit_code

    unit = await run_in_threadpool(write, console.db, work)
    return RedirectResponse(url("/tasks", unit=unit), status_code=303)


@router.post("/tasks/{task_id}/withdraw")
async def withdraw_task(console: ConsoleDep, request: Request, task_id: str) -> Response:
    principal = signed_in(console, request)
    fields = await posted(request)
    reason = fields.get("reason", "")

    def work(session: Session) -> str:
        task = _visible(session, principal, task_id)
        if task.withdrawn_at is None:  # a second post (back, resend) changes nothing
            tasks.withdraw(session, task, reason, principal.username)
        return task.unit_code

    try:
        unit = await run_in_threadpool(write, console.db, work)
    except tasks.TaskError as exc:  # rolled back: nothing changed
        problem = f"{words(request)('withdraw_reason')}: {exc}"
        return await run_in_threadpool(
            _form, console, request, principal, task_id, problems=[problem], status=422
        )
    return RedirectResponse(url("/tasks", unit=unit), status_code=303)
