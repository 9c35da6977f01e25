"""How fast this machine is right now, for reading the other benchmarks' numbers.

The project VM's speed drifts by up to 2× within an hour (its host is shared), and
every figure in docs/benchmarks.md moves with it. Each benchmark prints this
reference beside its results: the seconds a fixed pure-Python loop takes (about
0.3–0.45 s when the VM is at full speed, up to 0.7 s when it is not).
"""

from __future__ import annotations

import time

LOOP = 10_000_000


def loop_seconds(repeats: int = 3) -> float:
    """The best of ``repeats`` runs of a fixed loop: noise only ever adds time."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        total = 0
        for i in range(LOOP):
            total += i
        best = min(best, time.perf_counter() - started)
    return best


def line() -> str:
    return f"reference loop: {loop_seconds():.2f} s (lower is faster; see bench/reference.py)"
