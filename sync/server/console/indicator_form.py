"""A task's quantitative indicators in the create and edit forms: rows of code,
name, measure and target (a blank row is no indicator), checked like the API's
``IndicatorIn``; every problem named with its row, the rows given back as typed."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from sync.protocol import MAX_INDICATORS, IndicatorIn

FIELDS = ("code", "name", "unit", "target")
BLANK_ROWS = 2  # room for new indicators below the existing ones (no script needed)
MIN_ROWS = 3
_PLAIN = re.compile(r"^-?\d+(?:[.,]\d+)?$")
# "1.200" is 1200 to a Vietnamese reader and 1.2 to Python: refused, not guessed.
_GROUPED = re.compile(r"^-?\d{1,3}(?:[.,]\d{3})+$")


def _name(index: int, part: str) -> str:
    return f"ind-{index}-{part}"


def form_rows(
    indicators: Sequence[Mapping[str, Any]] | None = None,
    fields: Mapping[str, str] | None = None,
) -> list[dict[str, str]]:
    """The rows to show: a task's indicators, or a posted form's rows as typed; then
    blank ones."""
    rows: list[dict[str, str]] = []
    if fields is not None:
        for index in range(MAX_INDICATORS):
            row = {part: fields.get(_name(index, part), "") for part in FIELDS}
            if any(v.strip() for v in row.values()):
                rows.append(row)
    else:
        for item in indicators or []:
            target = item.get("target")
            rows.append(
                {
                    "code": str(item.get("code", "")),
                    "name": str(item.get("name", "")),
                    "unit": str(item.get("unit", "")),
                    "target": _shown(target),
                }
            )
    count = min(MAX_INDICATORS, max(MIN_ROWS, len(rows) + BLANK_ROWS))
    return rows + [dict.fromkeys(FIELDS, "") for _ in range(count - len(rows))]


def _shown(target: Any) -> str:
    if not isinstance(target, int | float):
        return ""
    if float(target).is_integer():
        return str(int(target))
    return repr(float(target)).replace(".", ",")  # the Vietnamese decimal comma


def _number(text: str) -> float | int:
    plain = text.replace(" ", "").replace("\u00a0", "")
    if _GROUPED.match(plain) or not _PLAIN.match(plain):
        raise ValueError(text)
    value = float(plain.replace(",", "."))
    return int(value) if value.is_integer() and not re.search(r"[.,]", plain) else value


def parse(fields: Mapping[str, str], t: Callable[..., str]) -> list[IndicatorIn]:
    """The posted indicator rows, checked; ValueError carries every problem."""
    problems: list[str] = []
    found: list[IndicatorIn] = []
    seen: set[str] = set()
    for index in range(MAX_INDICATORS):
        row = {part: fields.get(_name(index, part), "").strip() for part in FIELDS}
        if not any(row.values()):
            continue
        label = t("ind_row", n=index + 1)
        raw: dict[str, Any] = {"code": row["code"], "name": row["name"], "unit": row["unit"]}
        if row["target"]:
            try:
                raw["target"] = _number(row["target"])
            except ValueError:
                problems.append(f"{label}: {t('ind_bad_number', value=row['target'][:40])}")
                continue
        if not row["code"] or not row["name"]:
            problems.append(f"{label}: {t('ind_needs_code_name')}")
            continue
        try:
            item = IndicatorIn(**raw)
        except ValidationError as exc:
            for error in exc.errors():
                part = str(error["loc"][0]) if error["loc"] else ""
                problems.append(f"{label} ({t('ind_' + part) if part in FIELDS else part}): "
                                f"{error['msg']}")  # fmt: skip
            continue
        if item.code in seen:
            problems.append(f"{label}: {t('ind_duplicate', code=item.code)}")
            continue
        seen.add(item.code)
        found.append(item)
    if problems:
        raise ValueError(problems)
    return found
