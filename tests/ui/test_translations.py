"""Every source string has a Vietnamese translation, with the same placeholders;
every plural has English forms ("1 day left", "3 days left")."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from ui import i18n, labels

PLACEHOLDER = re.compile(r"%(?:\d+|n)")
UI = Path(__file__).resolve().parents[2] / "ui"


def messages() -> list[ET.Element]:
    return list(ET.parse(i18n.ts_file("vi")).getroot().iter("message"))


def translations(message: ET.Element) -> list[str]:
    node = message.find("translation")
    assert node is not None
    forms = [f.text or "" for f in node.findall("numerusform")]
    return forms or [node.text or ""]


def test_every_string_is_translated_with_matching_placeholders() -> None:
    found = messages()
    assert len(found) > 100
    for message in found:
        source = message.findtext("source", "")
        node = message.find("translation")
        assert node is not None and node.get("type") != "unfinished", source
        for text in translations(message):
            assert text.strip(), source
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), source
            # A mnemonic in the source keeps one in the translation (keyboard use).
            assert ("&" in source) == ("&" in text), source


def test_ts_is_up_to_date_with_the_source(tmp_path: Path) -> None:
    """lupdate over ui/ finds no string that the committed .ts lacks."""
    fresh = tmp_path / "fresh.ts"
    lupdate = i18n.lrelease().with_name("lupdate")
    subprocess.run(
        [str(lupdate), "-silent", *sorted(map(str, UI.rglob("*.py"))), "-ts", str(fresh)],
        check=True, capture_output=True,
    )  # fmt: skip
    sources = {(m.findtext("source")) for m in ET.parse(fresh).getroot().iter("message")}
    committed = {m.findtext("source") for m in messages()}
    assert sources - committed == set()


@pytest.mark.parametrize(("language", "least"), [("vi", 1000), ("en", 200)])
def test_compiles_with_lrelease(tmp_path: Path, language: str, least: int) -> None:
    qm = i18n.compiled(language, tmp_path)
    assert qm is not None and qm.stat().st_size > least


def _plurals(language: str) -> dict[tuple[str, str], ET.Element]:
    root = ET.parse(i18n.ts_file(language)).getroot()
    return {
        (context.findtext("name", ""), message.findtext("source", "")): message
        for context in root.iter("context")
        for message in context.iter("message")
        if message.get("numerus") == "yes"
    }


def test_every_plural_has_its_english_forms() -> None:
    """The English catalogue holds the plurals and nothing else: a %n string added
    without its English forms would say "1 day(s)" (scripts/update_translations.py
    lists it as untranslated)."""
    vietnamese, english = _plurals("vi"), _plurals("en")
    assert len(vietnamese) >= 5
    assert set(english) == set(vietnamese)
    everything = list(ET.parse(i18n.ts_file("en")).getroot().iter("message"))
    assert len(everything) == len(english)
    for (_context, source), message in english.items():
        node = message.find("translation")
        assert node is not None and node.get("type") is None, source
        one, many = translations(message)
        assert one != many, source
        for text in (one, many):
            assert "(s)" not in text, text
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source))


@pytest.mark.parametrize(
    ("language", "one", "three"),
    [
        ("en", ("1 day overdue", "1 day left"), ("3 days overdue", "3 days left")),
        ("vi", ("quá 1 ngày", "còn 1 ngày"), ("quá 3 ngày", "còn 3 ngày")),
    ],
)
def test_day_counts_in_each_language(
    qapp: QApplication, tmp_path: Path, language: str, one: tuple[str, str],
    three: tuple[str, str],
) -> None:  # fmt: skip
    translations = i18n.Translations(qapp, tmp_path)
    translations.use(language)
    try:
        assert labels.day_counts(1) == one
        assert labels.day_counts(3) == three
        banner = "You have %n unfinished draft(s). They are saved; open them to continue."
        single = QCoreApplication.translate("MainWindow", banner, "", 1)
        assert ("draft(s)" in single, "1" in single) == (False, True)
    finally:
        translations.uninstall()
