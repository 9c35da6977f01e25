"""A run-time stand-in for ``typing_extensions.override``.

Importing typing_extensions costs ~20 ms, a noticeable part of the first window's
budget, and the decorator only matters to the type checker. The modules imported
before the first window import the real one under ``TYPE_CHECKING`` and this one
otherwise; modules loaded after unlocking import typing_extensions directly.
"""

from __future__ import annotations

from typing import TypeVar

_F = TypeVar("_F")


def override(method: _F) -> _F:
    return method
