"""Numbers as the officer reads them: Vietnamese 1.234,5 and English 1,234.5.

One place formats every number the UI shows (counts, indicator targets and
values, sizes), so a count never shows as "900.00" and a separator never differs
between two views. Counts are whole; a ratio (a "%" indicator) keeps one decimal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QLocale

from ui.i18n import language, qt_locale

RATIO_UNITS = frozenset({"%", "‰", "phần trăm", "percent"})


def locale(lang: str | None = None) -> QLocale:
    """The number locale of ``lang`` (default: the language the UI shows now)."""
    return qt_locale(lang or language())


def number(value: float, decimals: int = 2, lang: str | None = None) -> str:
    """``value`` with group separators; at most ``decimals`` decimals, none when whole
    (1200 → "1.200", 12.5 → "12,5" in Vietnamese)."""
    text = locale(lang).toString(float(value), "f", decimals)
    point = locale(lang).decimalPoint()
    if decimals > 0 and point in text:
        text = text.rstrip("0").rstrip(point)
    return text


def count(value: int, lang: str | None = None) -> str:
    """A whole number of things: 1.234 hồ sơ / 1,234 files."""
    return locale(lang).toString(int(value))


def indicator_decimals(indicator: Mapping[str, Any]) -> int:
    """How many decimals an indicator's value may have: none for a count ("hồ sơ",
    "máy"), one for a ratio ("%"), two when its target already has a fraction."""
    target = indicator.get("target")
    if isinstance(target, float) and not target.is_integer():
        return 2
    unit = str(indicator.get("unit", "")).strip().lower()
    return 1 if unit in RATIO_UNITS else 0
