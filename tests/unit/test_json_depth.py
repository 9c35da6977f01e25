"""The nesting bound on untrusted JSON (dxdesk.json_depth): exact on valid JSON,
strings with brackets, quotes and backslashes included, and never fooled into
letting deep input reach the parser."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from dxdesk import json_depth

# Strings that look like structure, or end in escapes, from both sides of the check.
TRICKY = ["[", "]", "{", "}", '"', "\\", '\\"', '"]', "\\\\", "[[[[", "}}}}", "số hoá", "\u0000"]


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


def _value(rng: random.Random, depth: int) -> Any:
    if depth == 0:
        return rng.choice([rng.choice(TRICKY) * rng.randint(1, 3), 12, -3.5e7, True, None])
    if rng.random() < 0.5:
        return [_value(rng, depth - 1) for _ in range(rng.randint(1, 3))]
    return {rng.choice(TRICKY) + str(i): _value(rng, depth - 1) for i in range(rng.randint(1, 3))}


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_the_depth_of_valid_json_is_exact(ensure_ascii: bool) -> None:
    rng = random.Random(20261202)
    for _ in range(300):
        value = _value(rng, rng.randint(0, 8))
        text = json.dumps(value, ensure_ascii=ensure_ascii, indent=rng.choice([None, 1]))
        depth = _depth(value)
        for limit in (depth - 1, depth, depth + 1):
            if limit < 0:
                continue
            deeper = json_depth._exceeds(text.encode("utf-8", "surrogatepass"), limit)
            assert deeper == (depth > limit), (text, limit)


def test_deep_input_is_refused_and_shallow_input_parsed() -> None:
    deep = "[" * 33 + "]" * 33
    with pytest.raises(json_depth.TooDeepError):
        json_depth.loads(deep)
    with pytest.raises(json_depth.TooDeepError):
        json_depth.check(deep.encode())
    with pytest.raises(json_depth.TooDeepError):  # deep enough to break the parser
        json_depth.loads(b"[" * 100_000 + b"]" * 100_000)
    assert json_depth.loads("[" * 32 + "]" * 32) is not None
    # Brackets inside strings, with escaped quotes and backslashes, are not nesting.
    text = json.dumps({"a": "[" * 500 + '\\"' + "{" * 500, "b": ["\\", "]]]"]})
    assert json_depth.loads(text)["b"] == ["\\", "]]]"]


@pytest.mark.parametrize(
    "text",
    [
        '"' + "[" * 50,  # an unterminated string: the parser stops at once
        "[" * 50 + '"' + "]" * 50,  # the closers are inside a string never closed
        "[" * 50 + "x" + "]" * 50,  # a bad token inside
        "[" * 50 + "\\" + '"' + "]" * 50,  # a backslash outside any string
        "[" * 50,
    ],
)
def test_malformed_json_is_the_parsers_to_name(text: str) -> None:
    """Not "too deep": these fail to parse, and the parser names why (never by
    recursing past the bound first)."""
    json_depth.check(text)
    with pytest.raises(json.JSONDecodeError):
        json_depth.loads(text)


def test_deep_json_after_an_unbalanced_start_is_still_refused() -> None:
    """A trick that would hide depth from a count that trusts an early quote."""
    with pytest.raises(json_depth.TooDeepError):
        json_depth.loads("[" * 100_000 + ' "x" ' + "]" * 100_000)
