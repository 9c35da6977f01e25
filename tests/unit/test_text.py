import unicodedata

import pytest

from dxdesk.text import clean, fold, matches, nfc, search_terms

QUA_HAN = "quá hạn"


@pytest.mark.parametrize(
    "query",
    ["qua han", "QUÁ HẠN", "Quá Hạn", unicodedata.normalize("NFD", "quá hạn"), "  qua   HAN "],
)
def test_every_way_of_typing_finds_qua_han(query: str) -> None:
    key = fold("Nhiệm vụ chưa hoàn thành – " + QUA_HAN)
    assert matches(key, query)


def test_d_with_stroke_folds_to_d() -> None:
    assert fold("Đảng uỷ đặc khu") == "dang uy dac khu"
    assert matches(fold("Đảng uỷ"), "dang")
    assert matches(fold("dang uy"), "Đảng")


def test_terms_match_in_any_order_and_all_must_match() -> None:
    key = fold("Số hoá hồ sơ, tài liệu lưu trữ")
    assert matches(key, "luu tru so hoa")
    assert not matches(key, "so hoa dien tu")
    assert search_terms("") == []
    assert matches(key, "")


def test_nfc_makes_decomposed_and_precomposed_equal() -> None:
    decomposed = unicodedata.normalize("NFD", "Báo cáo tiến độ")
    assert decomposed != "Báo cáo tiến độ"
    assert nfc(decomposed) == "Báo cáo tiến độ"


def test_clean_trims_and_normalises_line_endings() -> None:
    assert clean("  dòng 1\r\ndòng 2\r ") == "dòng 1\ndòng 2"
