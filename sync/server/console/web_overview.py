"""Tổng quan: the reviewer's subtree in figures, with drill-down."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dxdesk.clock import utcnow
from sync.server import tasks
from sync.server.console import overview
from sync.server.console.context import ConsoleDep, NotFoundError, signed_in, words
from sync.server.console.tree import Tree, home_unit, visible

router = APIRouter()
DEFAULT_SILENT_DAYS = 14
MAX_SILENT_DAYS = 3650


def _days(raw: str) -> int | None:
    try:
        days = int(raw)
    except ValueError:
        return None
    return days if 1 <= days <= MAX_SILENT_DAYS else None


@router.get("/overview")
def overview_page(
    console: ConsoleDep, request: Request, unit: str = "", days: str = ""
) -> Response:
    principal = signed_in(console, request)
    silent_days = _days(days) if days else DEFAULT_SILENT_DAYS
    error = words(request)("bad_number") if silent_days is None else ""
    with console.db.read() as session:
        scope = principal.scope(session)
        tree = Tree(session)
        root = unit[:64] or home_unit(principal.unit_code, tree)
        if not visible(scope, root, tree):
            raise NotFoundError()
        data = overview.compute(
            session,
            tree,
            root,
            tasks.today(),
            utcnow(),
            silent_days or DEFAULT_SILENT_DAYS,
            console.weeks,
            console.figures,
        )
    top = None if scope.units is None else principal.unit_code
    parent = tree.units[root].parent
    return console.pages.render(
        request, "overview.html", principal, status=400 if error else 200,
        data=data, tree=tree, crumbs=tree.path(root, top), error=error,
        up=parent if parent is not None and visible(scope, parent, tree) else None,
        live=console.changes.current(),
    )  # fmt: skip
