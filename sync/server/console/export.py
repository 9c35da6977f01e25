"""The tracking table as provincial offices send it upward (.xlsx and CSV): one row
per task of a subtree, with the latest report's results and difficulties. Text that
a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from dxdesk.clock import VIETNAM_TZ
from dxdesk.status import Category, categorise
from sync.server.console.tree import Tree
from sync.server.tables import Report, Task

HEADERS_VI = (
    "STT", "Mã", "Nhiệm vụ", "Văn bản giao", "Đơn vị", "Thời hạn", "Tiến độ (%)",
    "Tình trạng", "Kết quả", "Khó khăn, vướng mắc", "Ngày báo cáo gần nhất",
)  # fmt: skip
HEADERS_EN = (
    "No.", "Code", "Task", "Assigning document", "Unit", "Deadline", "Progress (%)",
    "Status", "Results", "Difficulties", "Latest report",
)  # fmt: skip
# A cell starting with one of these is a formula to Excel and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
SEALED_TEXT = "(mật)"


def neutral(text: str) -> str:
    """Shown as typed, never evaluated: a leading apostrophe, as OWASP advises."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class Line:
    number: int
    code: str
    title: str
    document: str
    unit: str
    deadline: dt.date | None
    progress: int
    status: Category
    results: str
    difficulties: str
    latest: dt.datetime | None


def _document(number: str, date: dt.date | None, issuer: str) -> str:
    parts = [number]
    if date is not None:
        parts.append(f"ngày {date.strftime('%d/%m/%Y')}")
    if issuer:
        parts.append(issuer)
    return ", ".join(p for p in parts if p)


def lines(session: Session, tree: Tree, units: list[str], today: dt.date) -> list[Line]:
    newest = aliased(Report)
    latest_id = (
        select(newest.id)
        .where(newest.task_id == Task.id)
        .order_by(newest.received_at.desc(), newest.id.desc())
        .limit(1)
        .correlate(Task)
        .scalar_subquery()
    )
    query = (
        select(Task, Report.body, Report.sealed.is_not(None), Report.received_at)
        .outerjoin(Report, Report.id == latest_id)
        .where(Task.unit_code.in_(units) if len(units) < len(tree.units) else Task.id.is_not(None))
        .where(Task.withdrawn_at.is_(None))  # thu hồi: off the tracking table
        .order_by(Task.unit_code, Task.deadline, Task.code)
    )
    out = []
    for number, (task, body, sealed, at) in enumerate(session.execute(query), start=1):
        words: dict[str, Any] = body if isinstance(body, dict) else {}
        out.append(
            Line(
                number=number,
                code=task.code,
                title=task.title,
                document=_document(task.doc_number, task.doc_date, task.doc_issuer),
                unit=tree.name(task.unit_code),
                deadline=task.deadline,
                progress=task.progress,
                status=categorise(task.deadline, task.completed_on, today).category,
                results=SEALED_TEXT if sealed else str(words.get("results", "")),
                difficulties=SEALED_TEXT if sealed else str(words.get("difficulties", "")),
                latest=at if at is None or at.tzinfo else at.replace(tzinfo=dt.UTC),
            )
        )
    return out


def _cells(line: Line, lang: str) -> list[Any]:
    status = line.status.label_vi if lang == "vi" else line.status.label_en
    latest = line.latest.astimezone(VIETNAM_TZ).date() if line.latest else None
    texts = [line.code, line.title, line.document, line.unit]
    return [
        line.number,
        *[neutral(t) for t in texts],
        line.deadline,
        line.progress,
        status,
        neutral(line.results),
        neutral(line.difficulties),
        latest,
    ]


def to_csv(rows: list[Line], lang: str) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads the Vietnamese right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS_VI if lang == "vi" else HEADERS_EN)
    for line in rows:
        cells = _cells(line, lang)
        writer.writerow([c.strftime("%d/%m/%Y") if isinstance(c, dt.date) else c for c in cells])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: list[Line], lang: str, title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Theo dõi" if lang == "vi" else "Tracking"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(list(HEADERS_VI if lang == "vi" else HEADERS_EN))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for line in rows:
        sheet.append(_cells(line, lang))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text, whatever it starts with
            elif isinstance(cell.value, dt.date):
                cell.number_format = "DD/MM/YYYY"
    widths = (6, 16, 50, 30, 24, 12, 10, 26, 50, 40, 14)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
