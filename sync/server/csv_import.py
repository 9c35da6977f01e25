"""Import tasks from a CSV file as an admin's spreadsheet writes it.

Excel saves "CSV UTF-8" with a byte-order mark and, in a Vietnamese locale, with
``;`` between columns; both are handled. Every row is checked first and every bad
row is reported with its spreadsheet row number; nothing is imported unless all
rows are good. A code that already exists updates that task (same unit only).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dxdesk.text import fold
from sync.protocol import TaskIn
from sync.server import tasks
from sync.server.scope import UnitTree
from sync.server.tables import Task, Unit

REQUIRED = ("code", "title", "unit", "deadline")
OPTIONAL = (
    "description",
    "doc_number",
    "doc_date",
    "doc_issuer",
    "start_date",
    "expected_output",
)
DATE_COLUMNS = ("deadline", "doc_date", "start_date")
# Header spellings people use, compared after folding (no case, no diacritics).
ALIASES = {
    "code": ("code", "ma", "ma nhiem vu"),
    "title": ("title", "ten", "ten nhiem vu", "nhiem vu", "noi dung"),
    "unit": ("unit", "unit_code", "don vi", "ma don vi", "don vi thuc hien"),
    "deadline": ("deadline", "han", "thoi han", "han hoan thanh"),
    "description": ("description", "mo ta"),
    "doc_number": ("doc_number", "so ky hieu", "so/ky hieu", "so hieu van ban"),
    "doc_date": ("doc_date", "ngay van ban", "ngay ban hanh"),
    "doc_issuer": ("doc_issuer", "co quan ban hanh", "noi ban hanh"),
    "start_date": ("start_date", "ngay bat dau", "bat dau"),
    "expected_output": ("expected_output", "san pham", "san pham dau ra"),
}
_BY_ALIAS = {alias: name for name, aliases in ALIASES.items() for alias in aliases}


class CsvImportError(Exception):
    """The file cannot be imported; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvImportError(
            [f"{path.name} is not UTF-8 text; in Excel use Save As → 'CSV UTF-8'"]
        ) from exc
    except OSError as exc:
        raise CsvImportError([f"cannot read {path}: {exc.strerror or exc}"]) from exc


def _csv_problem(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"a cell is longer than {csv.field_size_limit()} characters"
    return f"not readable as CSV ({exc})"


def _rows(text: str) -> tuple[dict[str, int], list[list[str]]]:
    first_line = text.split("\n", 1)[0]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(first_line, ",;\t")
    except csv.Error:
        dialect = csv.excel
    table: list[list[str]] = []
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for row in reader:
            table.append(row)
    except csv.Error as exc:
        # A cell over the csv module's limit (128 KiB), a NUL, a stray newline: the
        # rest of the file cannot be read reliably, so this row is the problem.
        raise CsvImportError([f"row {len(table) + 1}: {_csv_problem(exc)}"]) from exc
    if not table:
        raise CsvImportError(["the file is empty"])
    columns: dict[str, int] = {}
    unknown = []
    for index, header in enumerate(table[0]):
        name = _BY_ALIAS.get(fold(header).replace("_", " ")) or _BY_ALIAS.get(fold(header))
        if name is None:
            if header.strip():
                unknown.append(header)
            continue
        columns.setdefault(name, index)
    problems = [f"row 1: unknown column {header!r}" for header in unknown]
    problems += [f"row 1: missing column {name!r}" for name in REQUIRED if name not in columns]
    if problems:
        raise CsvImportError(problems)
    return columns, table[1:]


def _date(raw: str) -> dt.date | None:
    return tasks.parse_date(raw) if raw.strip() else None


def _task_in(columns: dict[str, int], row: list[str]) -> tuple[TaskIn | None, list[str]]:
    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    problems = [f"{name}: required" for name in REQUIRED if not cell(name)]
    dates: dict[str, dt.date | None] = {}
    for name in DATE_COLUMNS:
        try:
            dates[name] = _date(cell(name))
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
    if problems:
        return None, problems
    try:
        values = TaskIn(
            code=cell("code"),
            title=cell("title"),
            unit_code=cell("unit"),
            description=cell("description"),
            doc_number=cell("doc_number"),
            doc_issuer=cell("doc_issuer"),
            expected_output=cell("expected_output"),
            deadline=dates["deadline"],
            doc_date=dates["doc_date"],
            start_date=dates["start_date"],
        )
    except ValidationError as exc:
        return None, [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    return values, []


def _against_stored(values: TaskIn, owner: str | None, withdrawn: bool) -> list[str]:
    """What the stored task of the same code (``owner``: its unit) says against a row."""
    issues = []
    if owner is not None and owner != values.unit_code:
        issues.append(
            f"unit: task {values.code!r} belongs to {owner}, it cannot move to another unit"
        )
    if withdrawn:  # never revived by a sheet: a task of its own is new
        issues.append(f"code: task {values.code!r} was withdrawn (thu hồi)")
    if values.start_date and values.deadline and values.deadline < values.start_date:
        issues.append("deadline: before start_date")
    return issues


def import_tasks(
    session: Session, path: Path, actor: str, allowed: Callable[[str], bool] | None = None
) -> ImportResult:
    """``allowed``: which unit codes the importer may assign to (the console's
    reviewer); every unit when absent (the admin's command line)."""
    columns, table = _rows(_read_text(path))
    units = set(session.scalars(select(Unit.code)))
    tree = UnitTree.read(session)
    # Codes are unique per province (scope.UnitTree): another province's codes
    # neither clash with this file's nor show in its problems.
    known: dict[tuple[str, str], str] = {}
    withdrawn: set[tuple[str, str]] = set()
    for scope, code, unit, gone in session.execute(
        select(Task.code_scope, Task.code, Task.unit_code, Task.withdrawn_at)
    ):
        known[(scope, code)] = unit
        if gone is not None:
            withdrawn.add((scope, code))
    problems: list[str] = []
    good: list[TaskIn] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(table, start=2):
        if not any(cell.strip() for cell in row):
            continue  # Excel leaves blank lines at the end
        values, issues = _task_in(columns, row)
        if values is not None:
            if values.unit_code not in units or (allowed and not allowed(values.unit_code)):
                issues.append(f"unit: no unit {values.unit_code!r}")
            key = (tree.namespace(values.unit_code), values.code)
            if key in seen:
                issues.append(f"code: {values.code!r} already on row {seen[key]}")
            issues += _against_stored(values, known.get(key), key in withdrawn)
            seen.setdefault(key, number)
        problems += [f"row {number}: {issue}" for issue in issues]
        if values is not None and not issues:
            good.append(values)
    if problems:
        raise CsvImportError(problems)
    if not good:
        raise CsvImportError(["the file has no task rows"])
    created = 0
    for values in good:
        _task, is_new = tasks.upsert(session, values, actor, replace=True, tree=tree)
        created += is_new
    return ImportResult(created=created, updated=len(good) - created)
