"""A report's words folded for the console's diacritic-insensitive search ("qua han"
finds "quá hạn"), kept beside the report so a search reads one column.

Only words stored in the clear are folded: a classified report's words exist only
sealed, and a folded copy would be a readable copy."""

from __future__ import annotations

from typing import Any

from dxdesk.text import fold

WORD_FIELDS = ("results", "difficulties", "proposals")


def folded(body: dict[str, Any], sealed: str | None) -> str | None:
    if sealed is not None:
        return None
    return fold(" ".join(str(body.get(name) or "") for name in WORD_FIELDS)) or None
