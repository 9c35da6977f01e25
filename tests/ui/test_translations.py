"""Every source string has a Vietnamese translation, with the same placeholders."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ui import i18n

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


@pytest.mark.parametrize("language", ["vi"])
def test_compiles_with_lrelease(tmp_path: Path, language: str) -> None:
    qm = i18n.compiled(language, tmp_path)
    assert qm is not None and qm.stat().st_size > 1000
