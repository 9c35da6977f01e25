"""Nhiệm vụ: a subtree's tasks; create one, import a sheet (CSV or
XLSX) with the same checks as ``dxdesk-server task import``: every problem listed
with its row number, nothing imported on any error."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from openpyxl import load_workbook
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from dxdesk.status import categorise
from sync.protocol import MAX_REQUEST_BYTES, TaskIn
from sync.server import csv_import, tasks
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
from sync.server.console.tree import Tree, home_unit, visible
from sync.server.routes.deps import write
from sync.server.tables import Task

router = APIRouter()
SHOWN = 500


def _page(
    console: Console, request: Request, principal: Principal, unit: str, *,
    problems: list[str] | None = None, values: dict[str, str] | None = None,
    notice: str = "", status: int = 200,
) -> Response:  # fmt: skip
    today = tasks.today()
    with console.db.read() as session:
        scope = principal.scope(session)
        tree = Tree(session)
        root = unit[:64] or home_unit(principal.unit_code, tree)
        if not visible(scope, root, tree):
            raise NotFoundError()
        codes = [c for c in tree.subtree(root) if scope.allows(c)]
        query = (
            select(Task)
            .where(Task.withdrawn_at.is_(None))  # thu hồi: no longer anyone's to do
            .order_by(Task.unit_code, Task.deadline, Task.code)
            .limit(SHOWN)
        )
        if len(codes) < len(tree.units):
            query = query.where(Task.unit_code.in_(codes))
        found = [
            (task, categorise(task.deadline, task.completed_on, today).category.value)
            for task in session.scalars(query)
        ]
    return console.pages.render(
        request, "tasks.html", principal, status=status, rows=found, tree=tree, root=root,
        units=[tree.units[c] for c in codes], problems=problems or [], values=values or {},
        notice=notice, shown=SHOWN, ind_rows=indicator_form.form_rows(fields=values or {}),
    )  # fmt: skip


@router.get("/tasks")
def tasks_page(console: ConsoleDep, request: Request, unit: str = "") -> Response:
    return _page(console, request, signed_in(console, request), unit)


def _date(raw: str, t: object) -> dt.date | None:
    assert callable(t)
    if not raw.strip():
        return None
    try:
        return tasks.parse_date(raw)
    except ValueError:
        raise ValueError(t("bad_date", value=raw[:40])) from None


@router.post("/tasks")
async def create_task(console: ConsoleDep, request: Request) -> Response:
    principal = signed_in(console, request)
    fields = await posted(request)
    t = words(request)
    try:
        indicators = indicator_form.parse(fields, t)
    except ValueError as exc:
        return await _again(console, request, principal, exc.args[0], fields)
    try:
        values = TaskIn(
            code=fields.get("code", "").strip(),
            title=fields.get("title", "").strip(),
            unit_code=fields.get("unit_code", "").strip(),
            doc_number=fields.get("doc_number", "").strip(),
            doc_issuer=fields.get("doc_issuer", "").strip(),
            expected_output=fields.get("expected_output", "").strip(),
            deadline=_date(fields.get("deadline", ""), t),
            doc_date=_date(fields.get("doc_date", ""), t),
            indicators=indicators,
        )
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        return await _again(console, request, principal, problems, fields)
    except ValueError as exc:
        return await _again(console, request, principal, [str(exc)], fields)

    def work(session: Session) -> str | None:
        if not principal.scope(session).allows(values.unit_code):
            return t("task_unit_forbidden")
        try:
            tasks.upsert(session, values, principal.username, replace=False)
        except tasks.TaskError as exc:
            return str(exc)
        return None

    problem = await run_in_threadpool(write, console.db, work)
    if problem is not None:
        return await _again(console, request, principal, [problem], fields)
    return RedirectResponse(url("/tasks", unit=values.unit_code), status_code=303)


async def _again(
    console: Console, request: Request, principal: Principal, problems: list[str],
    fields: dict[str, str],
) -> Response:  # fmt: skip
    return await run_in_threadpool(
        _page, console, request, principal, "", problems=problems, values=fields, status=422
    )


def _xlsx_to_csv(data: bytes) -> bytes:
    """The first sheet as CSV text, so a workbook gets the very same checks."""
    sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
    out = io.StringIO()
    writer = csv.writer(out)
    for row in sheet.iter_rows(values_only=True) if sheet is not None else []:
        writer.writerow(
            [v.strftime("%d/%m/%Y") if isinstance(v, dt.date | dt.datetime) else
             ("" if v is None else str(v)) for v in row]
        )  # fmt: skip
    return out.getvalue().encode("utf-8")


@router.post("/tasks/import")
async def import_sheet(console: ConsoleDep, request: Request) -> Response:
    principal = signed_in(console, request)
    await posted(request)
    t = words(request)
    upload = (await request.form()).get("sheet")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _again(console, request, principal, [t("sheet_missing")], {})
    data = await upload.read(MAX_REQUEST_BYTES + 1)
    name = upload.filename.lower()
    try:
        if name.endswith(".xlsx"):
            data = await run_in_threadpool(_xlsx_to_csv, data)
        elif not name.endswith((".csv", ".txt")):
            raise ValueError(t("sheet_type"))
    except Exception as exc:  # openpyxl's errors for a file that is not a workbook vary
        message = (
            str(exc)
            if isinstance(exc, ValueError) and str(exc) == t("sheet_type")
            else (t("sheet_unreadable"))
        )
        return await _again(console, request, principal, [message], {})

    def work(session: Session) -> csv_import.ImportResult:
        with tempfile.TemporaryDirectory(prefix="dxdesk-import-") as folder:
            path = Path(folder) / "sheet.csv"
            path.write_bytes(data)
            scope = principal.scope(session)
            return csv_import.import_tasks(session, path, principal.username, scope.allows)

    try:
        result = await run_in_threadpool(write, console.db, work)
    except csv_import.CsvImportError as exc:  # the transaction rolled back: nothing imported
        return await _again(console, request, principal, exc.problems, {})
    notice = t("imported", created=result.created, updated=result.updated)
    return await run_in_threadpool(_page, console, request, principal, "", notice=notice)
