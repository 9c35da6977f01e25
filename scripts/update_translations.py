"""Refresh ``resources/translations/dxdesk_vi.ts`` from the source with
``pyside6-lupdate`` (existing translations are kept), then report what is still
untranslated. Translate in Qt Linguist (``pyside6-linguist``) or in the XML.

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


def sources(root: Path = ROOT) -> list[str]:
    """Every module of the UI, its sub-packages too: lupdate runs with
    ``-no-obsolete``, so a file left out would lose its translations."""
    return sorted(
        str(path.relative_to(root))
        for path in (root / "ui").rglob("*.py")
        if "__pycache__" not in path.parts
    )


def refresh(ts: Path = TS) -> list[str]:
    """Update ``ts`` from the source; the source texts still untranslated."""
    lupdate = Path(PySide6.__file__).with_name("lupdate")
    subprocess.run(
        [str(lupdate), "-no-obsolete", "-locations", "none", "-source-language", "en",
         "-target-language", "vi", *sources(), "-ts", str(ts)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    missing = []
    for message in ET.parse(ts).getroot().iter("message"):  # noqa: S314 (our own file)
        translation = message.find("translation")
        if translation is None or translation.get("type") == "unfinished":
            missing.append(message.findtext("source", ""))
    return missing


def main() -> int:
    missing = refresh()
    for text in missing:
        print("untranslated:", text)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
