"""How fast this machine is right now, for reading the other benchmarks' numbers.

The project VM's speed drifts by 2–3× within an hour (its host is shared), and
every figure in docs/benchmarks.md moves with it. Each benchmark prints this
reference beside its results: the best of three runs of (a) a fixed pure-Python
loop and (b) encoding, hashing and decoding a report 20,000 times, which exercises
memory the way the server and the app do. The loop alone can look fast while (b)
and the benchmarks are slow.
"""

from __future__ import annotations

import hashlib
import json
import time

LOOP = 10_000_000
REPORT = {
    "id": "5b0c7a36-6a51-4bd6-9a55-0d8e3c8f1c11",
    "task_id": "a1d3",
    "progress": 40,
    "results": "Đã số hoá 480/1.200 hồ sơ; hoàn thiện quy trình gửi nhận văn bản điện tử.",
    "difficulties": "Mất điện, sóng 2G yếu",
    "indicator_values": {"HS": 480},
    "attachments": [],
}


def _best(work: object, repeats: int = 3) -> float:
    assert callable(work)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def _loop() -> None:
    total = 0
    for i in range(LOOP):
        total += i


def _reports() -> None:
    for n in range(20_000):
        text = json.dumps({**REPORT, "progress": n}, ensure_ascii=False, sort_keys=True)
        hashlib.sha256(text.encode()).hexdigest()
        json.loads(text)


def line() -> str:
    return (
        f"reference (bench/reference.py; lower is faster): loop {_best(_loop):.2f} s, "
        f"reports {_best(_reports):.2f} s"
    )
