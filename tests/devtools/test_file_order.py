"""The long test files reach xdist's workers first (tests/support/file_order.py)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.file_order import COSTS_FILE, costliest_first, load_costs

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Item:
    nodeid: str


def test_costly_files_come_first_and_each_file_keeps_its_order() -> None:
    items = [Item(n) for n in (
        "tests/a.py::one", "tests/a.py::two", "tests/b.py::one[sqlite]",
        "tests/c.py::one", "tests/b.py::one[postgresql]", "tests/d.py::one",
    )]  # fmt: skip
    ordered = costliest_first(items, {"tests/d.py": 50, "tests/b.py": 200, "tests/gone.py": 9})
    assert [i.nodeid for i in ordered] == [
        "tests/b.py::one[sqlite]", "tests/b.py::one[postgresql]", "tests/d.py::one",
        "tests/a.py::one", "tests/a.py::two", "tests/c.py::one",
    ]  # fmt: skip


def test_the_recorded_files_exist_and_a_bad_line_is_named(tmp_path: Path) -> None:
    costs = load_costs()
    assert costs, COSTS_FILE
    assert [name for name in costs if not (REPO / name).is_file()] == []
    bad = tmp_path / "costs.txt"
    bad.write_text("# fine\n12 tests/a.py\ntwelve tests/b.py\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"costs.txt:3: expected 'seconds path'"):
        load_costs(bad)


def test_the_suite_collects_so_and_xdist_hands_the_files_out_in_that_order() -> None:
    """The hook is on (a costly file named last is collected first) and xdist keeps
    that order: its --dist loadfile sorts files by their number of tests unless
    told not to, so a costly file of one test would wait behind a cheap file of
    two. One run checks both (each pytest start here costs ~7 s of CPU)."""
    costly = "tests/installer/test_bundle.py"
    assert costly in load_costs()
    cheap = [  # a file without a recorded cost, with two tests
        "tests/devtools/test_file_order.py::test_costly_files_come_first_and_each_file_keeps_its_order",
        "tests/devtools/test_file_order.py::test_the_recorded_files_exist_and_a_bad_line_is_named",
    ]
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "1", "--dist", "loadfile", "-v",
         "-p", "no:cacheprovider", *cheap,
         f"{costly}::test_a_bundle_over_budget_is_told_with_what_takes_the_space"],
        capture_output=True, text=True, check=True, cwd=REPO, timeout=120,
    ).stdout.splitlines()  # fmt: skip
    passed = [line.split()[-1] for line in ran if " PASSED " in line]  # in the order run
    files = list(dict.fromkeys(nodeid.split("::")[0] for nodeid in passed))
    assert files == [costly, "tests/devtools/test_file_order.py"], ran
