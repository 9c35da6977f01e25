"""Unicode handling for Vietnamese text.

Text is stored in NFC so that the same word typed on two keyboards (Unikey in
precomposed or decomposed mode) is the same string. Search uses a folded key:
no diacritics, no case, single spaces, so "qua han" finds "Quá hạn".
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# đ/Đ carry a stroke, not a combining mark, so NFD leaves them whole.
_STROKES = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def clean(value: str) -> str:
    """NFC, trimmed, with Windows line endings made plain."""
    return nfc(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def fold(value: str) -> str:
    """Search key: lower case, no diacritics, đ→d, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFD", value.translate(_STROKES))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare.casefold().translate(_STROKES)).strip()


def search_terms(query: str) -> list[str]:
    """Every whitespace-separated term must match; order does not matter."""
    return [term for term in fold(query).split(" ") if term]


def matches(search_key: str, query: str) -> bool:
    return all(term in search_key for term in search_terms(query))
