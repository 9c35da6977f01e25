"""Task codes are unique per province, not across the country (issue 15, item 8).

With one global namespace, a reviewer of province B learned province A's codes
from 409s, and a task B created under A's next code made A's CSV import fail.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from sync.server import accounts
from sync.server.db import Database
from sync.server.tables import Task
from tests.server.conftest import PASSWORD, Api, ServerProcess, login
from tests.server.test_cli import run_cli


@dataclass
class Provinces:
    prefix: str
    a: str  # province A and its commune
    a_commune: str
    b: str
    b_commune: str
    reviewer_a: Api
    reviewer_b: Api


@pytest.fixture
def provinces(server: ServerProcess, server_db: Database) -> Iterator[Provinces]:
    prefix = uuid.uuid4().hex[:6].upper()
    central, a, b = f"TW{prefix}", f"A{prefix}", f"B{prefix}"
    with server_db.write() as session:
        accounts.add_unit(session, central, "Trung ương", None, "central")
        for province in (a, b):
            accounts.add_unit(session, province, f"Tỉnh {province}", central, "province")
            accounts.add_unit(session, f"{province}-X", "Xã X", province, "commune")
            accounts.add_unit(session, f"{province}-Y", "Xã Y", province, "commune")
            accounts.add_user(session, username=f"rv.{province.lower()}", password=PASSWORD,
                              role="reviewer", unit_code=province)  # fmt: skip
    made = Provinces(
        prefix, a, f"{a}-X", b, f"{b}-X",
        login(server.base, f"rv.{a.lower()}"), login(server.base, f"rv.{b.lower()}"),
    )  # fmt: skip
    yield made
    made.reviewer_a.close()
    made.reviewer_b.close()


def _create(api: Api, code: str, unit: str) -> tuple[int, str]:
    answer = api.post("/tasks", {"code": code, "title": f"Nhiệm vụ {code}", "unit_code": unit})
    return answer.status_code, answer.text


def test_another_province_can_use_a_code_and_learns_nothing(provinces: Provinces) -> None:
    code = f"NV-{provinces.prefix}-1"
    assert _create(provinces.reviewer_a, code, provinces.a_commune)[0] == 201
    # B uses the same code: no 409, so nothing tells B that A has it.
    status, text = _create(provinces.reviewer_b, code, provinces.b_commune)
    assert status == 201, text
    assert provinces.a not in text
    # Within a province a code is still one task: A's conflict, and B's, still work.
    status, text = _create(provinces.reviewer_a, code, f"{provinces.a}-Y")
    assert status == 409 and "task_exists" in text
    status, text = _create(provinces.reviewer_b, code, provinces.b)
    assert status == 409 and provinces.a not in text
    pulled = provinces.reviewer_b.sync()["tasks"]
    assert [t["unit_code"] for t in pulled if t["code"] == code] == [provinces.b_commune]


def test_a_code_squatted_elsewhere_does_not_break_a_csv_import(
    provinces: Provinces, server: ServerProcess, server_db: Database, tmp_path: Path
) -> None:
    code = f"NV-{provinces.prefix}-2"
    # B takes the code A's plan is about to use...
    assert _create(provinces.reviewer_b, code, provinces.b_commune)[0] == 201
    sheet = tmp_path / "a.csv"
    sheet.write_text(f"code,title,unit,deadline\n{code},Số hoá,{provinces.a_commune},31/12/2026\n")
    # ...and A's import still creates A's task, then updates it.
    done = run_cli("task", "import", str(sheet), "--db", server.db_url)
    assert done.returncode == 0, done.stderr
    assert "1 task(s) created, 0 updated" in done.stdout
    assert (
        "0 task(s) created, 1 updated"
        in run_cli("task", "import", str(sheet), "--db", server.db_url).stdout
    )
    with server_db.read() as session:
        owners = session.execute(select(Task.unit_code, Task.code_scope).where(Task.code == code))
        assert sorted(tuple(row) for row in owners) == [
            (provinces.a_commune, provinces.a),
            (provinces.b_commune, provinces.b),
        ]
    # Within A a task still cannot move to another commune; B's task is not named.
    moved = tmp_path / "moved.csv"
    moved.write_text(f"code,title,unit,deadline\n{code},Số hoá,{provinces.a}-Y,31/12/2026\n")
    done = run_cli("task", "import", str(moved), "--db", server.db_url)
    assert done.returncode == 1
    assert f"belongs to {provinces.a_commune}" in done.stderr
    assert provinces.b not in done.stderr
    added = run_cli("task", "add", "--code", code, "--title", "x", "--unit", provinces.b,
                    "--deadline", "31/12/2026", "--db", server.db_url)  # fmt: skip
    assert added.returncode == 1 and "already exists" in added.stderr


def test_a_commune_cannot_move_into_a_province_that_has_its_codes(
    provinces: Provinces, server: ServerProcess, server_db: Database
) -> None:
    code = f"NV-{provinces.prefix}-3"
    for reviewer, unit in ((provinces.reviewer_a, provinces.a_commune),
                           (provinces.reviewer_b, provinces.b_commune)):  # fmt: skip
        assert _create(reviewer, code, unit)[0] == 201
    moving = run_cli("unit", "add", provinces.a_commune, "Xã X", "--parent", provinces.b,
                     "--db", server.db_url)  # fmt: skip
    assert moving.returncode == 1 and code in moving.stderr
    other = f"{provinces.a}-Y"  # no task: it moves, and its future codes are B's
    assert run_cli("unit", "add", other, "Xã Y", "--parent", provinces.b,
                   "--db", server.db_url).returncode == 0  # fmt: skip
    assert _create(provinces.reviewer_b, code, other)[0] == 409
