"""The cursor never skips a change while writers commit concurrently."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest

from sync.server.db import Database
from tests.server.conftest import Api, World, report_body, seed_task

WRITERS = 4
OPERATIONS = 25


def _pull_all(api: Any, cursor: str | None, seen: dict[str, dict[str, Any]]) -> str:
    while True:
        page = api.sync(cursor=cursor, limit=7)  # small pages: many cursor hand-offs
        for task in page["tasks"]:
            known = seen.get(task["id"])
            assert known is None or task["version"] > known["version"], "version went back"
            seen[task["id"]] = task
        cursor = page["cursor"]
        if not page["has_more"]:
            return cursor


@pytest.mark.slow
def test_pulling_while_others_write_misses_nothing(world: World, server_db: Database) -> None:
    created: list[str] = []
    reviews: dict[str, int] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()
    done = threading.Event()

    def api_writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for n in range(OPERATIONS):
                response = world.admin.post(
                    "/tasks",
                    {"code": f"{world.prefix}-c{seed}-{n}", "title": f"Việc {n}",
                     "unit_code": world.unit_a},
                )  # fmt: skip
                assert response.status_code == 201, response.text
                with lock:
                    created.append(response.json()["id"])
                    target = rng.choice(created)
                patched = world.admin.patch(
                    f"/tasks/{target}", {"deadline": f"2027-01-{rng.randint(1, 28):02d}"}
                )
                assert patched.status_code == 200, patched.text
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    def db_writer() -> None:  # another process's engine writing straight to the database
        try:
            for n in range(OPERATIONS):
                task_id = seed_task(server_db, f"{world.prefix}-d{n}", world.unit_a)
                with lock:
                    created.append(task_id)
        except BaseException as exc:
            errors.append(exc)

    def reviewer() -> None:
        try:
            for _ in range(10):
                body = report_body(world.tasks_a[0])
                world.officer_a.sync(reports=[body])
                response = world.reviewer.post(f"/reports/{body['id']}/return", {"comment": "sửa"})
                assert response.status_code == 200, response.text
                reviews[body["id"]] = 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=api_writer, args=(i,)) for i in range(WRITERS)]
    threads += [threading.Thread(target=db_writer), threading.Thread(target=reviewer)]
    for thread in threads:
        thread.start()

    seen: dict[str, dict[str, Any]] = {}
    seen_reviews: set[str] = set()
    cursor: str | None = None
    reader = Api(world.server.base, world.officer_a.token)  # a second device of unit A
    try:
        rounds = 0
        while not done.is_set():
            page = reader.sync(cursor=cursor, limit=7)
            for task in page["tasks"]:
                seen[task["id"]] = task
            seen_reviews.update(r["report_id"] for r in page["reviews"])
            cursor = page["cursor"]
            rounds += 1
            if all(not t.is_alive() for t in threads):
                done.set()
        for thread in threads:
            thread.join()
        assert not errors, errors
        # One more pull after the writers stopped; then compare with the truth.
        while True:
            page = reader.sync(cursor=cursor, limit=7)
            for task in page["tasks"]:
                seen[task["id"]] = task
            seen_reviews.update(r["report_id"] for r in page["reviews"])
            cursor = page["cursor"]
            if not page["has_more"]:
                break
        truth: dict[str, dict[str, Any]] = {}
        _pull_all(world.officer_a, None, truth)
        assert rounds > 1
        assert set(created) <= set(seen)
        assert set(seen) == set(truth)
        assert {k: v["version"] for k, v in seen.items()} == {
            k: v["version"] for k, v in truth.items()
        }
        assert {k: v["deadline"] for k, v in seen.items()} == {
            k: v["deadline"] for k, v in truth.items()
        }
        assert set(reviews) <= seen_reviews
    finally:
        reader.close()
