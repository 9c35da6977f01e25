"""JSON from untrusted bytes, with its nesting bounded before it is parsed.

Python's parser recurses once per ``[`` or ``{``: a few kilobytes of brackets raise
RecursionError (not ValueError), and a value nested a few hundred levels deep that
does parse can still overflow whatever walks it next. Every format this program
reads is a handful of levels deep, so deeper input is refused as malformed JSON.

The depth is measured without recursion and at C speed, on the UTF-8 bytes (no byte
of a multi-byte character is a quote or a bracket): escaped backslashes and quotes
are dropped, the text is split at the remaining quotes and every second piece (a
string's inside) left out; then numbers, literals, commas and spaces go, and each
pass removes the innermost pairs: a value ``n`` deep is empty after ``n`` passes.
A server checks every request body this way, so it is kept cheap: a 50-report sync
body costs ~70 µs (a regular expression over the strings cost ~250 µs).
"""

from __future__ import annotations

import json
from typing import Any

# The deepest shape we read (a bundle manifest: manifest → reports → report →
# attachments → attachment) is 5 levels; this leaves room without leaving risk.
MAX_DEPTH = 32

# Outside strings, valid JSON holds only these besides brackets; anything else is
# kept, unbalances the count and is left to the parser to name.
_SCALARS_AND_SPACE = b" \t\r\n0123456789+-.eE,:truefalsn"
_CURLY_AS_SQUARE = bytes.maketrans(b"{}", b"[]")


class TooDeepError(ValueError):
    """JSON nested deeper than allowed: a ValueError, as any other malformed JSON."""


def _brackets(data: bytes) -> bytes:
    """The brackets of ``data`` outside its strings, all as ``[`` and ``]``.

    Where a string is not closed, the rest counts as inside it: the parser stops
    there too, so it never nests deeper than the brackets seen before."""
    if b"\\" in data:
        # Pairs first, left to right: in ``\\\\"`` the quote ends the string.
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    return b"".join(data.split(b'"')[::2]).translate(_CURLY_AS_SQUARE, _SCALARS_AND_SPACE)


def _exceeds(data: bytes, max_depth: int) -> bool:
    """True when ``data`` nests more than ``max_depth`` deep, or its brackets do
    not balance (then it is not JSON anyway)."""
    brackets = _brackets(data)
    for _level in range(max_depth):
        if not brackets:
            return False
        brackets = brackets.replace(b"[]", b"")
    return bool(brackets)


def check(text: str | bytes, max_depth: int = MAX_DEPTH) -> None:
    """Raise :class:`TooDeepError` when ``text`` (str, or UTF-8 bytes) is JSON, or
    starts as JSON, nested more than ``max_depth`` deep; other malformed JSON is left
    to the parser."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if not _exceeds(data, max_depth):
        return
    try:
        # Only to tell "too deep" from "brackets that do not balance"; as UTF-8,
        # the one encoding this program reads JSON in.
        json.loads(text.decode("utf-8") if isinstance(text, bytes) else text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return
    except RecursionError:
        pass
    raise TooDeepError(f"JSON nested more than {max_depth} levels deep")


def loads(data: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses nesting deeper than ``max_depth`` with
    :class:`TooDeepError`; UnicodeDecodeError and JSONDecodeError as ``json.loads``."""
    check(data, max_depth)  # on the bytes as they came: no copy re-encoded
    return json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
