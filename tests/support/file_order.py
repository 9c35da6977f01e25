"""The order in which the test files reach xdist's workers: the costliest first.

With ``--dist loadfile`` each worker takes one whole file at a time, in collection
order, so a long file collected near the end (tests/sync, after most of the suite)
keeps one worker busy while the other has nothing left: the run ends with the
longest file, not when the work is done. Taking the known long files first (longest
first) lets the short ones fill in at the end, so both workers finish together.

The costs are wall seconds per file from a recorded run (tests/file_costs.txt; only
the long files need a line). A file without one keeps its place after them. The
order is the same in every worker, as xdist requires.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, TypeVar

import pytest

COSTS_FILE = Path(__file__).resolve().parents[1] / "file_costs.txt"


class HasNodeId(Protocol):
    @property
    def nodeid(self) -> str: ...


Item = TypeVar("Item", bound=HasNodeId)


def load_costs(path: Path = COSTS_FILE) -> dict[str, float]:
    """``seconds path`` lines (paths from the repository's root); # starts a comment."""
    costs: dict[str, float] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        seconds, _, name = text.partition(" ")
        try:
            costs[name.strip()] = float(seconds)
        except ValueError:
            raise ValueError(f"{path}:{number}: expected 'seconds path', got {line!r}") from None
    return costs


def costliest_first(items: Sequence[Item], costs: dict[str, float]) -> list[Item]:
    """The items, files with a recorded cost first (longest first), the others after
    them in their order; each file's own items keep theirs (fixtures depend on it)."""
    first_seen: dict[str, int] = {}
    for item in items:
        first_seen.setdefault(_file(item), len(first_seen))

    def rank(item: Item) -> tuple[float, int]:
        name = _file(item)
        return (-costs.get(name, 0.0), first_seen[name])

    return sorted(items, key=rank)  # stable: a file's items stay in their order


def keep_collection_order(config: pytest.Config) -> None:
    """Have xdist hand out the files in collection order (the order above).

    By default (``--loadscope-reorder``) ``--dist loadfile`` sorts the files by their
    number of tests, most first, which undid the order: the one-test chaos file
    (four minutes) was handed out among the last and the run ended on it alone."""
    if hasattr(config.option, "loadscopereorder"):  # only with xdist
        config.option.loadscopereorder = False


def _file(item: HasNodeId) -> str:
    return item.nodeid.split("::", 1)[0]
