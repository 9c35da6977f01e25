"""Terminal escapes and control characters are refused at the server (issue 15, item 7).

A reviewer's comment or a task title reaches officers' terminals and screens: an
ESC sequence there clears the screen and retitles the window. Only line breaks
and tabs are text; everything else a terminal would obey is refused, field by
field, by the real server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.server import cli
from tests.server.conftest import Backend, World, report_body
from tests.server.test_cli import run_cli

PWNED = "\x1b]0;pwned\x07\x1b[2J"
# ESC, C1 CSI (U+009B: obeyed by some terminals), DEL, a right-to-left override.
CONTROLS = [PWNED, "\x9b2J", "a\x7fb", "\u202etxt.exe"]


@pytest.mark.parametrize("payload", CONTROLS)
def test_a_report_with_control_characters_is_rejected_alone(world: World, payload: str) -> None:
    bad = report_body(world.tasks_a[0], results=f"Đã làm {payload}")
    good = report_body(world.tasks_a[1], results="dòng 1\n\tdòng 2")
    acks = {ack["id"]: ack for ack in world.officer_a.sync(reports=[bad, good])["acks"]}
    assert acks[good["id"]]["status"] == "accepted"
    rejected = acks[bad["id"]]
    assert (rejected["status"], rejected["code"], rejected["field"]) == (
        "rejected",
        "invalid_report",
        "results",
    )
    assert "control characters" in rejected["message"]


def test_file_names_author_and_indicators_are_text_too(world: World) -> None:
    attachment = {"id": "a1", "sha256": "0" * 64, "size": 3, "file_name": f"{PWNED}.jpg",
                  "mime_type": "image/jpeg"}  # fmt: skip
    bodies = [
        report_body(world.tasks_a[0], attachments=[attachment]),
        report_body(world.tasks_a[0], author=PWNED),
        report_body(world.tasks_a[0], indicator_values={"HS": PWNED}),
    ]
    acks = world.officer_a.sync(reports=bodies)["acks"]
    assert [(a["status"], a["field"].split(".")[0]) for a in acks] == [
        ("rejected", "attachments"),
        ("rejected", "author"),
        ("rejected", "indicator_values"),
    ]
    assert acks[0]["field"] == "attachments.0.file_name"


def test_review_comments_and_tasks_refuse_control_characters(world: World) -> None:
    body = report_body(world.tasks_a[0])
    assert world.officer_a.sync(reports=[body])["acks"][0]["status"] == "accepted"
    for action in ("return", "accept"):
        answer = world.reviewer.post(f"/reports/{body['id']}/{action}", {"comment": PWNED})
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["field"] == "comment"
    fine = world.reviewer.post(f"/reports/{body['id']}/return", {"comment": "Bổ sung\n\tảnh"})
    assert fine.status_code == 200, fine.text

    created = world.reviewer.post(
        "/tasks", {"code": f"{world.prefix}-C1", "title": PWNED, "unit_code": world.unit_a}
    )
    assert created.status_code == 422, created.text
    assert created.json()["error"]["field"] == "title"
    patched = world.reviewer.patch(f"/tasks/{world.tasks_a[0]}", {"description": f"x{PWNED}"})
    assert patched.status_code == 422, patched.text
    assert patched.json()["error"]["field"] == "description"


def test_login_names_refuse_control_characters(world: World) -> None:
    answer = world.officer_a.http.post(
        world.officer_a.url("/auth/login"), json={"username": PWNED, "password": "x"}, timeout=30
    )
    assert answer.status_code == 422, answer.text


def test_admin_commands_and_csv_imports_refuse_control_characters(
    backend: Backend, tmp_path: Path
) -> None:
    url = backend.new_url()
    assert run_cli("unit", "add", "HT", "Tỉnh Hà Tĩnh", "--level", "province", "--db", url) \
        .returncode == cli.EXIT_OK  # fmt: skip
    unit = run_cli("unit", "add", "HT-KY", f"Xã {PWNED}", "--parent", "HT", "--db", url)
    assert unit.returncode == cli.EXIT_FAILED
    assert "control characters" in unit.stderr and "\x1b" not in unit.stderr
    user = run_cli("user", "add", "cb.ky", "--role", "officer", "--unit", "HT", "--full-name",
                   PWNED, "--password-stdin", "--db", url, stdin="mat-khau-dai\n")  # fmt: skip
    assert user.returncode == cli.EXIT_FAILED and "control characters" in user.stderr
    task = run_cli("task", "add", "--code", "NV-1", "--title", PWNED, "--unit", "HT",
                   "--deadline", "31/12/2026", "--db", url)  # fmt: skip
    assert task.returncode == cli.EXIT_FAILED and "control characters" in task.stderr
    sheet = tmp_path / "tasks.csv"
    sheet.write_text(
        f"code,title,unit,deadline\nNV-1,Số hoá,HT,31/12/2026\nNV-2,{PWNED},HT,31/12/2026\n",
        encoding="utf-8",
    )
    done = run_cli("task", "import", str(sheet), "--db", url)
    assert done.returncode == cli.EXIT_FAILED
    assert "row 3: title:" in done.stderr and "control characters" in done.stderr
    assert "\x1b" not in done.stderr
    assert "NV-1" not in run_cli("stats", "--json", "--db", url).stdout  # nothing imported
