"""Refresh ``resources/translations/dxdesk_vi.ts`` from the source with
``pyside6-lupdate`` (existing translations are kept), and ``dxdesk_en.ts``, which
holds only the English plural forms of the ``%n`` strings ("1 day left", "3 days
left": the source says "%n day(s) left"); then report what is still untranslated.
Translate in Qt Linguist (``pyside6-linguist``) or in the XML.

    uv run python scripts/update_translations.py
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import PySide6

ROOT = Path(__file__).resolve().parents[1]
TS = ROOT / "resources" / "translations" / "dxdesk_vi.ts"
ENGLISH_PLURALS = ROOT / "resources" / "translations" / "dxdesk_en.ts"


def sources(root: Path = ROOT) -> list[str]:
    """Every module of the UI, its sub-packages too: lupdate runs with
    ``-no-obsolete``, so a file left out would lose its translations."""
    return sorted(
        str(path.relative_to(root))
        for path in (root / "ui").rglob("*.py")
        if "__pycache__" not in path.parts
    )


def refresh(ts: Path = TS, language: str = "vi") -> list[str]:
    """Update ``ts`` from the source; the source texts still untranslated. For
    English only the plural forms are kept (the rest is the source itself)."""
    lupdate = Path(PySide6.__file__).with_name("lupdate")
    plurals = ["-pluralonly"] if language == "en" else []
    subprocess.run(
        [str(lupdate), "-no-obsolete", "-locations", "none", *plurals, "-source-language",
         "en", "-target-language", language, *sources(), "-ts", str(ts)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    missing = []
    for message in ET.parse(ts).getroot().iter("message"):  # noqa: S314 (our own file)
        translation = message.find("translation")
        if translation is None or translation.get("type") == "unfinished":
            missing.append(message.findtext("source", ""))
    return missing


def main() -> int:
    missing = [("vi", text) for text in refresh()]
    missing += [("en", text) for text in refresh(ENGLISH_PLURALS, "en")]
    for language, text in missing:
        print(f"untranslated ({language}):", text)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
