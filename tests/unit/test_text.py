import json
import random
import unicodedata

import pytest

from dxdesk.text import (  # the fold before the table
    _SPACES,
    Match,
    _fold_slowly,
    best_levels,
    best_only,
    clean,
    first_control,
    fold,
    for_terminal,
    json_for_terminal,
    match_rank,
    matches,
    nfc,
    query_syllables,
    rank_many,
    search_terms,
    syllables,
)

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


PWNED = "\x1b]0;pwned\x07\x1b[2J"


def test_clean_drops_what_a_terminal_would_obey_and_keeps_lines_and_tabs() -> None:
    assert clean(f"Số hoá{PWNED} hồ sơ\x9b2J\u202e\x7f") == "Số hoá]0;pwned[2J hồ sơ2J"
    assert clean("dòng 1\vdòng 2\fdòng 3\x85dòng 4\tcột") == "dòng 1\ndòng 2\ndòng 3\ndòng 4\tcột"


def test_for_terminal_shows_controls_as_escapes() -> None:
    assert for_terminal(f"a{PWNED}\u202eb\n\tc") == "a\\x1b]0;pwned\\x07\\x1b[2J\\u202eb\n\tc"
    assert first_control("dòng 1\n\tdòng 2") is None
    assert first_control(f"x{PWNED}") == "\x1b"


def test_json_for_terminal_escapes_what_json_dumps_leaves_raw() -> None:
    document = json.dumps({"t": "a\x9b\u202e\x7fb"}, ensure_ascii=False)
    safe = json_for_terminal(document)
    assert not any(ch in safe for ch in "\x9b\u202e\x7f")
    assert json.loads(safe) == {"t": "a\x9b\u202e\x7fb"}


def test_search_ranks_whole_syllables_before_beginnings_before_insides() -> None:
    def rank(title: str, query: str) -> Match | None:
        return match_rank(fold(title), query)

    assert rank("Số hoá hồ sơ, tài liệu lưu trữ", "so hoa") is Match.PHRASE
    assert rank("Hồ sơ số hoá", "hoa so") is Match.WORDS  # whole, other order
    assert rank("Số hoá tài liệu", "so ho") is Match.PREFIXES
    assert rank("Kế hoạch rà soát", "so hoa") is Match.PREFIXES  # "soát", "hoạch" begin so
    assert rank("Hồ sơ khoá sổ", "oa") is Match.PARTIAL  # only inside "khoá"
    assert rank("Kế hoạch năm 2026", "so hoa") is None
    assert rank("NV-2026-003 Gửi văn bản", "2026-003") is Match.PHRASE  # codes by their parts
    assert rank("anything", "") is Match.PHRASE


TITLES = [
    "Số hoá hồ sơ, tài liệu lưu trữ",
    "Hồ sơ số hoá",
    "Số hoá tài liệu",
    "Kế hoạch rà soát",
    "Hồ sơ khoá sổ",
    "Kế hoạch năm 2026",
    "NV-2026-003 Gửi văn bản",
    "Rà soát thủ tục hành chính ở Hoành Mô",
    "",
]


@pytest.mark.parametrize(
    "query", ["so hoa", "hoa so", "so ho", "oa", "2026-003", "s", "ke hoach ra", "zz", "ho so so"]
)
def test_ranking_many_keys_at_once_agrees_with_ranking_each(query: str) -> None:
    """The task list ranks 20,000 rows per keystroke with ``rank_many``; the
    command line ranks one at a time: both must put every title in the same place."""
    keys = [fold(title) for title in TITLES]
    spaced = [syllables(key) for key in keys]
    one_by_one = {
        i: found for i, key in enumerate(keys) if (found := match_rank(key, query)) is not None
    }
    expected = best_only(one_by_one)
    levels = best_levels(rank_many(keys, spaced, range(len(keys)), query_syllables(query)))
    at_once = {i: level for level, rows in levels.items() for i in rows}
    assert at_once == expected
    assert all(rows == sorted(rows) for rows in levels.values())  # the given order kept


def test_the_fold_by_table_equals_the_fold_by_decomposition() -> None:
    """``fold`` looks Latin letters up in a table; it must give what decomposing,
    dropping the marks and casefolding gives, on any text (other scripts and loose
    combining marks take the long way)."""

    def reference(value: str) -> str:  # the fold before the table
        return _SPACES.sub(" ", _fold_slowly(value)).strip()

    rng = random.Random(17)
    alphabet = (
        [chr(c) for c in range(0x20, 0x250)] + [chr(c) for c in range(0x1E00, 0x1F00)]
        + list(" \t\nĐđßİſﬁ") + ["\u0301", "\u0323", "\u0303"]  # loose marks
        + list("Ωσς日本ㄱ가")  # other scripts
    )  # fmt: skip
    samples = [
        "Đã số hoá 480/1.200 hồ sơ",
        "SỐ HOÁ  Hồ Sơ\t",
        unicodedata.normalize("NFD", "Quá hạn"),
    ]
    samples += [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(3000)
    ]
    samples += [chr(c) for c in range(0x250)] + [chr(c) for c in range(0x1E00, 0x1F00)]
    for value in samples:
        assert fold(value) == reference(value), repr(value)
