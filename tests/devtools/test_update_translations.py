"""The maintainers' ``scripts/update_translations.py`` keeps every translation.

It runs lupdate with ``-no-obsolete``: a UI file it did not hand over would have
its strings dropped from the .ts, translations and all (it once read only
``ui/*.py``, which would have emptied the lock screen's, in ``ui/lock/``)."""

from __future__ import annotations

import importlib.util
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "update_translations", ROOT / "scripts" / "update_translations.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _translated(ts: Path) -> dict[str, str]:
    found = {}
    for message in ET.parse(ts).getroot().iter("message"):
        node = message.find("translation")
        if node is not None and node.get("type") not in ("unfinished", "vanished", "obsolete"):
            forms = [f.text or "" for f in node.findall("numerusform")]
            found[message.findtext("source", "")] = "|".join(forms) if forms else node.text or ""
    return found


def test_refreshing_the_translations_loses_none(tmp_path: Path) -> None:
    script = _script()
    committed = ROOT / "resources" / "translations" / "dxdesk_vi.ts"
    copy = tmp_path / "dxdesk_vi.ts"
    shutil.copyfile(committed, copy)
    assert script.refresh(copy) == []
    before, after = _translated(committed), _translated(copy)
    assert len(before) > 100
    assert after == before
    # The sub-packages' strings are among them (the lock screen's "Mở khoá" button).
    assert any(name.startswith("ui/lock/") for name in script.sources())


def test_refreshing_the_english_plurals_loses_none(tmp_path: Path) -> None:
    """lupdate marks as plural only ``tr`` calls; the English file holds those alone
    (``-pluralonly``), and a refresh keeps every form."""
    script = _script()
    committed = ROOT / "resources" / "translations" / "dxdesk_en.ts"
    copy = tmp_path / "dxdesk_en.ts"
    shutil.copyfile(committed, copy)
    assert script.refresh(copy, "en") == []
    before, after = _translated(committed), _translated(copy)
    assert "%n day(s) left" in before
    assert after == before
