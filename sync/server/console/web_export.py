"""Xuất: the tracking table of a subtree as .xlsx or CSV (audited)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from sync.server import audit, tasks
from sync.server.console import export, i18n, sessions
from sync.server.console.context import ConsoleDep, NotFoundError, signed_in
from sync.server.console.tree import Tree, home_unit, visible
from sync.server.routes.deps import write

router = APIRouter()
TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@router.get("/export.{kind}")
def export_table(console: ConsoleDep, request: Request, kind: str, unit: str = "") -> Response:
    principal = signed_in(console, request)
    if kind not in TYPES:
        raise NotFoundError()
    lang = i18n.pick(request.cookies.get(sessions.LANG_COOKIE))
    today = tasks.today()

    def work(session: Session) -> tuple[str, list[export.Line]]:
        scope = principal.scope(session)
        tree = Tree(session)
        root = unit[:64] or home_unit(principal.unit_code, tree)
        if not visible(scope, root, tree):
            raise NotFoundError()
        units = [u for u in tree.subtree(root) if scope.allows(u)]
        audit.record(session, principal.username, "console.export", root, format=kind)
        return tree.name(root), export.lines(session, tree, units, today)

    name, rows = write(console.db, work)
    stamp = today.strftime("%Y-%m-%d")
    if kind == "xlsx":
        title = f"Theo dõi nhiệm vụ — {name} — {today.strftime('%d/%m/%Y')}"
        content = export.to_xlsx(rows, lang, title)
    else:
        content = export.to_csv(rows, lang)
    filename = f"theo-doi-{name}-{stamp}.{kind}"
    return Response(
        content,
        media_type=TYPES[kind],
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )
