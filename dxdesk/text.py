"""Unicode handling for Vietnamese text.

Text is stored in NFC so that the same word typed on two keyboards (Unikey in
precomposed or decomposed mode) is the same string. Search uses a folded key:
no diacritics, no case, single spaces, so "qua han" finds "Quá hạn".

Control characters are never part of what people write: a terminal obeys them
(ESC sequences clear the screen or retitle the window; C1 CSI does the same on
some terminals; bidi overrides make text read backwards). ``clean`` drops them
from what is entered here, the server refuses them (``control_char``), and every
CLI shows untrusted text through ``for_terminal``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from enum import IntEnum
from functools import cache
from typing import TypeVar

_SPACES = re.compile(r"\s+")
# C0 controls but tab and newline, DEL, C1 (0x80-0x9f), and the bidi embeddings,
# overrides and isolates (U+202A-U+202E, U+2066-U+2069).
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Line breaks in disguise (Word's manual line break, form feed, NEL) become "\n".
_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n", "\x85": "\n"})
# đ/Đ carry a stroke, not a combining mark, so NFD leaves them whole.
_STROKES = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def clean(value: str) -> str:
    """NFC, trimmed, with Windows line endings made plain and control characters
    (but tab and newline) dropped."""
    plain = nfc(value).replace("\r\n", "\n").replace("\r", "\n").translate(_BREAKS)
    return CONTROLS.sub("", plain).strip()


def first_control(value: str) -> str | None:
    """The first character of ``value`` that a terminal would obey, or None."""
    found = CONTROLS.search(value)
    return found.group() if found else None


def escaped(char: str) -> str:
    """A control character as people can read it: ``\\x1b``, ``\\u202e``."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(value: str) -> str:
    """Untrusted text made safe to print: every control character but tab and
    newline is shown as its escape (``\\x1b``) instead of being obeyed."""
    return CONTROLS.sub(lambda found: escaped(found.group()), value)


def json_for_terminal(document: str) -> str:
    """JSON text whose strings carry no raw control character. ``json.dumps``
    escapes C0 itself, but with ``ensure_ascii=False`` leaves DEL, C1 and bidi
    overrides raw; outside strings JSON has none of them, so this is still JSON."""
    return CONTROLS.sub(lambda found: f"\\u{ord(found.group()):04x}", document)


def _fold_slowly(value: str) -> str:
    decomposed = unicodedata.normalize("NFD", value.translate(_STROKES))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.casefold().translate(_STROKES)


# Every step of the fold works character by character (a precomposed letter's
# decomposition, dropping its marks, casefold), so for the Latin letters, Vietnamese
# included, it is one table lookup each: the server folds every report's words as
# it arrives, and the per-character loop above cost ~55 µs a report (~4 % of
# ingest). Text with anything else (other scripts, loose combining marks) folds
# the slow way.
_LATIN = "\u0000-\u024f\u1e00-\u1eff"


@cache  # built at the first fold (~6 ms), not by every import
def _fold_table() -> dict[int, str]:
    return {code: _fold_slowly(chr(code)) for code in (*range(0x250), *range(0x1E00, 0x1F00))}


_NOT_LATIN = re.compile(f"[^{_LATIN}]")


def fold(value: str) -> str:
    """Search key: lower case, no diacritics, đ→d, whitespace collapsed."""
    latin = not _NOT_LATIN.search(value)
    folded = value.translate(_fold_table()) if latin else _fold_slowly(value)
    return _SPACES.sub(" ", folded).strip()


def search_terms(query: str) -> list[str]:
    """Every whitespace-separated term must match; order does not matter."""
    return [term for term in fold(query).split(" ") if term]


def matches(search_key: str, query: str) -> bool:
    return all(term in search_key for term in search_terms(query))


class Match(IntEnum):
    """How well a search key answers a query, best first. Vietnamese is written in
    syllables, so "so hoa" should find "Số hoá" before "Rà soát" or "Kế hoạch"."""

    PHRASE = 0  # the query's syllables, whole and in order ("so hoa" in "số hoá hồ sơ")
    WORDS = 1  # each syllable whole, any order
    PREFIXES = 2  # each a syllable's beginning ("so ho" in "số hoá")
    PARTIAL = 3  # each somewhere, inside a syllable too ("hoa" in "kế hoạch")


_WORD = re.compile(r"\w+")
K = TypeVar("K")


def syllables(search_key: str) -> str:
    """A folded key's syllables, each between single spaces (" so hoa ho so "):
    worked out once per key, so ranking many keys is a few substring tests each."""
    return f" {' '.join(_WORD.findall(search_key))} "


def query_syllables(query: str) -> list[str]:
    return _WORD.findall(fold(query))


def rank(search_key: str, spaced: str, terms: list[str]) -> Match | None:
    """How ``terms`` (:func:`query_syllables`) match a key and its :func:`syllables`."""
    if not terms:
        return Match.PHRASE
    if f" {' '.join(terms)} " in spaced:
        return Match.PHRASE
    if all(f" {term} " in spaced for term in terms):
        return Match.WORDS
    if all(f" {term}" in spaced for term in terms):  # a syllable's beginning
        return Match.PREFIXES
    if all(term in search_key for term in terms):
        return Match.PARTIAL
    return None


def rank_many(
    keys: Sequence[str], spaced: Sequence[str], among: Iterable[int], terms: list[str]
) -> dict[Match, list[int]]:
    """:func:`rank` for many keys at once (``keys[i]`` with ``spaced[i]``, for each
    ``i`` in ``among``), grouped by how they match, in ``among``'s order; rows that
    do not match are left out. The patterns are built once and each level is one
    list comprehension over the rows the better levels left: a search box ranks
    20,000 tasks per keystroke, and a call and a generator per row cost as much as
    the tests themselves."""
    rest = list(among)
    if not terms:
        return {Match.PHRASE: rest}
    levels: dict[Match, list[int]] = {}
    phrase = f" {' '.join(terms)} "
    levels[Match.PHRASE] = [i for i in rest if phrase in spaced[i]]
    rest = _without(rest, levels[Match.PHRASE])
    for level, patterns in (
        (Match.WORDS, [f" {term} " for term in terms]),
        (Match.PREFIXES, [f" {term}" for term in terms]),
    ):
        found = rest
        for pattern in patterns:
            found = [i for i in found if pattern in spaced[i]]
        levels[level] = found
        rest = _without(rest, found)
    for term in terms:
        rest = [i for i in rest if term in keys[i]]
    levels[Match.PARTIAL] = rest
    return levels


def _without(rows: list[int], taken: list[int]) -> list[int]:
    if not taken:
        return rows
    gone = set(taken)
    return [i for i in rows if i not in gone]


def match_rank(search_key: str, query: str) -> Match | None:
    """The best way ``query`` matches ``search_key`` (both folded), or None."""
    return rank(search_key, syllables(search_key), query_syllables(query))


def best_levels(levels: dict[Match, list[int]]) -> dict[Match, list[int]]:
    """:func:`best_only` for :func:`rank_many`'s groups."""
    if any(rows for level, rows in levels.items() if level < Match.PARTIAL):
        return {level: rows for level, rows in levels.items() if level < Match.PARTIAL}
    return levels


def best_only(ranks: dict[K, Match]) -> dict[K, Match]:
    """Matches inside a syllable count only when nothing matched better, so "so hoa"
    does not bring every "Kế hoạch" along with "Số hoá"."""
    if any(found < Match.PARTIAL for found in ranks.values()):
        return {key: found for key, found in ranks.items() if found < Match.PARTIAL}
    return ranks
