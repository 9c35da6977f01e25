"""A commune sees and writes only its own tasks and reports, even by guessing ids."""

from __future__ import annotations

from sync.server import accounts
from sync.server.db import Database
from tests.server.conftest import PASSWORD, World, login, report_body


def test_officer_pulls_only_own_unit_tasks(world: World) -> None:
    assert {t["id"] for t in world.officer_a.sync()["tasks"]} == set(world.tasks_a)
    assert {t["id"] for t in world.officer_b.sync()["tasks"]} == set(world.tasks_b)
    reviewer_ids = {t["id"] for t in world.reviewer.sync()["tasks"]}
    assert set(world.tasks_a + world.tasks_b) <= reviewer_ids


def test_guessed_task_ids_look_the_same_as_missing_ones(world: World) -> None:
    foreign = report_body(world.tasks_b[0])  # officer A writes on B's task
    missing = report_body("no-such-task")
    acks = world.officer_a.sync(reports=[foreign, missing])["acks"]
    assert [a["code"] for a in acks] == ["forbidden_task", "forbidden_task"]
    assert acks[0]["message"] == acks[1]["message"]
    # Nothing was stored for B.
    listing = world.reviewer.get("/reports", params={"unit": world.unit_b}).json()
    assert foreign["id"] not in {r["id"] for r in listing["reports"]}
    admin_ack = world.admin.sync(reports=[report_body("no-such-task")])["acks"][0]
    assert admin_ack["code"] == "unknown_task"


def test_officers_cannot_review_or_list(world: World) -> None:
    body = report_body(world.tasks_a[0])
    world.officer_a.sync(reports=[body])
    for api in (world.officer_a, world.officer_b):
        assert api.get("/reports").status_code == 403
        response = api.post(f"/reports/{body['id']}/return", {"comment": "x"})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden_role"
        assert api.post(f"/tasks/{world.tasks_a[0]}/complete", {}).status_code == 403


def test_reviewer_of_another_province_sees_nothing(world: World, server_db: Database) -> None:
    other_province = f"Q{world.prefix}"
    name = f"rq.{world.prefix.lower()}"
    with server_db.write() as session:
        accounts.add_unit(session, other_province, "Tỉnh Khác", None, "province")
        accounts.add_user(
            session, username=name, password=PASSWORD, role="reviewer", unit_code=other_province
        )
    stranger = login(world.server.base, name)
    try:
        body = report_body(world.tasks_a[0])
        world.officer_a.sync(reports=[body])
        assert stranger.get("/reports").json()["reports"] == []
        assert stranger.sync()["tasks"] == []
        guessed = stranger.post(f"/reports/{body['id']}/return", {"comment": "x"})
        unknown = stranger.post("/reports/00000000-no-such/return", {"comment": "x"})
        assert guessed.status_code == unknown.status_code == 404
        assert guessed.json() == unknown.json()
        assert stranger.post(f"/tasks/{world.tasks_a[0]}/complete", {}).status_code == 404
        patch = stranger.patch(f"/tasks/{world.tasks_a[0]}", {"title": "hijack"})
        assert patch.status_code == 404
        created = stranger.post(
            "/tasks", {"code": f"{world.prefix}-X", "title": "x", "unit_code": world.unit_a}
        )
        assert created.status_code == 403
        assert created.json()["error"]["code"] == "forbidden_unit"
        wrong_report = stranger.sync(reports=[report_body(world.tasks_a[0])])["acks"][0]
        assert wrong_report["code"] == "forbidden_task"
    finally:
        stranger.close()


def test_reviewer_acts_within_the_subtree(world: World) -> None:
    created = world.reviewer.post(
        "/tasks",
        {"code": f"{world.prefix}-N", "title": "Nhiệm vụ mới", "unit_code": world.unit_b,
         "deadline": "2026-12-31"},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    again = world.reviewer.post(
        "/tasks", {"code": f"{world.prefix}-N", "title": "x", "unit_code": world.unit_b}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "task_exists"
    task_id = created.json()["id"]
    assert task_id in {t["id"] for t in world.officer_b.sync()["tasks"]}
    assert task_id not in {t["id"] for t in world.officer_a.sync()["tasks"]}
    patched = world.reviewer.patch(f"/tasks/{task_id}", {"deadline": "2027-01-15"})
    assert patched.json()["deadline"] == "2027-01-15"
    assert patched.json()["version"] > created.json()["version"]
