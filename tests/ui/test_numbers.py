"""Numbers as the officer reads them: whole counts, Vietnamese 1.234,5 / English 1,234.5."""

from __future__ import annotations

import pytest

from dxdesk import reports
from ui import numbers
from ui.desktop import Desktop


@pytest.mark.parametrize(
    ("value", "decimals", "lang", "text"),
    [
        (1234.5, 2, "vi", "1.234,5"),
        (1234.5, 2, "en", "1,234.5"),
        (1200, 2, "vi", "1.200"),  # whole: no ",00"
        (900.0, 2, "vi", "900"),
        (0.25, 2, "vi", "0,25"),
        (1234567.891, 1, "en", "1,234,567.9"),
    ],
)
def test_number_format(value: float, decimals: int, lang: str, text: str) -> None:
    assert numbers.number(value, decimals, lang) == text


def test_counts_are_whole_with_group_separators() -> None:
    assert numbers.count(1234, "vi") == "1.234"
    assert numbers.count(1234, "en") == "1,234"
    assert numbers.indicator_decimals({"unit": "hồ sơ", "target": 1200}) == 0
    assert numbers.indicator_decimals({"unit": "%", "target": 100}) == 1
    assert numbers.indicator_decimals({"unit": "km", "target": 12.5}) == 2


def test_count_indicator_in_the_editor_is_a_whole_vietnamese_number(desktop: Desktop) -> None:
    window = desktop.window
    assert window.select_task("NV-2026-002")  # HS: số hồ sơ, target 1200
    assert "1.200 hồ sơ" in window.detail.browser.toPlainText()
    window.new_report()
    editor = window.editor
    assert editor is not None
    box = editor.indicators["HS"]
    box.setValue(1234)
    assert box.text() == "1.234 hồ sơ"
    assert box.decimals() == 0  # "900.00 hồ sơ" was the complaint
    window.table.clearSelection()  # a switch with a selection crashes (h/safety's part)
    window.set_language("en")
    assert box.text() == "1,234 hồ sơ"
    window.set_language("vi")
    assert box.text() == "1.234 hồ sơ"
    assert editor.report_id is None or editor.content().indicator_values["HS"] == 1234


def test_ratio_indicator_keeps_one_decimal(desktop: Desktop) -> None:
    window = desktop.window
    assert window.select_task("NV-2026-003")  # TL: %, target 100
    window.new_report()
    editor = window.editor
    assert editor is not None
    editor.indicators["TL"].setValue(87.5)
    assert editor.indicators["TL"].text() == "87,5 %"
    editor.save_now()
    assert editor.report_id is not None
    with desktop.profile.db.session() as session:
        assert reports.get_report(session, editor.report_id).indicator_values == {"TL": 87.5}
