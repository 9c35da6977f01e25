"""JSON from untrusted bytes, with its nesting bounded before it is parsed.

Python's parser recurses once per ``[`` or ``{``: a few kilobytes of brackets raise
RecursionError (not ValueError), and a value nested a few hundred levels deep that
does parse can still overflow whatever walks it next. Every format this program
reads is a handful of levels deep, so deeper input is refused as malformed JSON.

The depth is measured without recursion and at C speed: strings are cut out, then
numbers, literals, commas and spaces, and each pass removes the innermost pairs; a value ``n`` deep
is empty after ``n`` passes.
"""

from __future__ import annotations

import json
import re
from typing import Any

# The deepest shape we read (a bundle manifest: manifest → reports → report →
# attachments → attachment) is 5 levels; this leaves room without leaving risk.
MAX_DEPTH = 32

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# Outside strings, valid JSON holds only these besides brackets; anything else is
# kept, unbalances the count and is left to the parser to name.
_SCALARS_AND_SPACE = " \t\r\n0123456789+-.eE,:truefalsn"
_BRACKETS_ONLY = str.maketrans("{}", "[]", _SCALARS_AND_SPACE)


class TooDeepError(ValueError):
    """JSON nested deeper than allowed: a ValueError, as any other malformed JSON."""


def _exceeds(text: str, max_depth: int) -> bool:
    """True when ``text`` nests more than ``max_depth`` deep, or its brackets do
    not balance (then it is not JSON anyway)."""
    brackets = _STRING.sub("", text).translate(_BRACKETS_ONLY)
    for _level in range(max_depth):
        if not brackets:
            return False
        brackets = brackets.replace("[]", "")
    return bool(brackets)


def check(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Raise :class:`TooDeepError` when ``text`` is JSON (or starts as JSON) nested
    more than ``max_depth`` deep; other malformed JSON is left to the parser."""
    if not _exceeds(text, max_depth):
        return
    try:
        json.loads(text)  # only to tell "too deep" from "brackets that do not balance"
    except json.JSONDecodeError:
        return
    except RecursionError:
        pass
    raise TooDeepError(f"JSON nested more than {max_depth} levels deep")


def loads(data: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses nesting deeper than ``max_depth`` with
    :class:`TooDeepError`; UnicodeDecodeError and JSONDecodeError as ``json.loads``."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    check(text, max_depth)
    return json.loads(text)
