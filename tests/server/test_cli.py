"""The operator's commands. The executable itself runs in a few tests; the rest call
its ``main()`` in-process (same code, same arguments) to keep the suite fast."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from sync.server import cli, demo
from tests.server.conftest import PASSWORD, Backend, ServerProcess, login, report_body
from tests.server.conftest import run_cli as subprocess_cli


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, stdin: str | None = None) -> Done:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin or "")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(list(args))
            except SystemExit as exc:  # argparse's usage errors
                code = int(exc.code or 0)
    finally:
        sys.stdin = saved
    return Done(code, out.getvalue(), err.getvalue())


@pytest.fixture
def db_url(backend: Backend) -> str:
    return backend.new_url()


def _ok(*args: str, stdin: str | None = None) -> str:
    done = run_cli(*args, stdin=stdin)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_demo_loads_twice_and_serves_logins(db_url: str, tmp_path: Path) -> None:
    # The installed executable, twice: the second load must not fail or duplicate.
    runs = [subprocess_cli("demo", "--db", db_url) for _ in range(2)]
    assert [run.returncode for run in runs] == [0, 0], runs[-1].stderr
    first, second = (run.stdout for run in runs)
    assert first == second
    assert "30 tasks" in first and "cb.binhlieu" in first
    tasks = json.loads(_ok("stats", "--json", "--db", db_url))
    assert sum(tasks["totals"].values()) == 30
    assert tasks["totals"]["in_progress_overdue"] > 0
    assert tasks["totals"]["done_on_time"] + tasks["totals"]["done_late"] > 0
    units = json.loads(_ok("unit", "list", "--json", "--db", db_url))
    assert len(units) == 6
    proc = ServerProcess(db_url, tmp_path / "home")
    try:
        answer = requests.post(
            f"{proc.base}/api/v1/auth/login",
            json={"username": "cb.binhlieu", "password": demo.PASSWORDS["officer"]},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        token = answer.json()["token"]
        page = requests.post(
            f"{proc.base}/api/v1/sync", json={}, timeout=30,
            headers={"Authorization": f"Bearer {token}"},
        ).json()  # fmt: skip
        assert page["tasks"] and {t["unit_code"] for t in page["tasks"]} == {"QN-BINHLIEU"}
    finally:
        proc.stop()


def test_units_users_tasks_and_exit_codes(db_url: str) -> None:
    _ok("unit", "add", "HT", "Tỉnh Hà Tĩnh", "--level", "province", "--db", db_url)
    _ok("unit", "add", "HT-KY", "Xã Kỳ Anh", "--parent", "HT", "--db", db_url)
    _ok("user", "add", "cb.ky", "--role", "officer", "--unit", "HT-KY", "--password-stdin",
        "--full-name", "Lê Văn Kỳ", "--db", db_url, stdin=PASSWORD + "\n")  # fmt: skip
    users = json.loads(_ok("user", "list", "--json", "--db", db_url))
    assert users == [{"username": "cb.ky", "role": "officer", "unit_code": "HT-KY",
                      "full_name": "Lê Văn Kỳ"}]  # fmt: skip
    out = _ok("task", "add", "--code", "NV-1", "--title", "Số hoá", "--unit", "HT-KY",
              "--deadline", "31/12/2026", "--db", db_url)  # fmt: skip
    assert "NV-1" in out
    duplicate = run_cli("task", "add", "--code", "NV-1", "--title", "x", "--unit", "HT-KY",
                        "--deadline", "2026-12-31", "--db", db_url)  # fmt: skip
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    bad_date = run_cli("task", "add", "--code", "NV-2", "--title", "x", "--unit", "HT-KY",
                       "--deadline", "31-12-2026", "--db", db_url)  # fmt: skip
    assert bad_date.returncode == 1 and "dd/mm/yyyy" in bad_date.stderr
    no_unit = run_cli("user", "add", "x.y", "--role", "officer", "--unit", "NOPE",
                      "--password-stdin", "--db", db_url, stdin=PASSWORD + "\n")  # fmt: skip
    assert no_unit.returncode == 1 and "NOPE" in no_unit.stderr
    short = run_cli("user", "add", "x.z", "--role", "officer", "--unit", "HT-KY",
                    "--password-stdin", "--db", db_url, stdin="123\n")  # fmt: skip
    assert short.returncode == 1 and "8 characters" in short.stderr
    no_tty = run_cli("user", "add", "x.w", "--role", "officer", "--unit", "HT-KY", "--db", db_url)
    assert no_tty.returncode == 1 and "--password-stdin" in no_tty.stderr
    usage = run_cli("user", "add", "x.v", "--role", "boss", "--unit", "HT-KY", "--db", db_url)
    assert usage.returncode == 2
    bad_db = subprocess_cli("unit", "list", "--db", "mysql://nowhere/db")
    assert bad_db.returncode == 3 and "unsupported database URL" in bad_db.stderr


def test_task_withdraw_and_move_say_what_is_wrong_and_are_audited(
    db_url: str, tmp_path: Path
) -> None:
    for code in ("HT", "NA"):
        _ok("unit", "add", code, f"Tỉnh {code}", "--level", "province", "--db", db_url)
        _ok("unit", "add", f"{code}-A", "Xã A", "--parent", code, "--db", db_url)
        _ok("task", "add", "--code", "NV-1", "--title", "Số hoá", "--unit", f"{code}-A",
            "--deadline", "31/12/2026", "--db", db_url)  # fmt: skip
    _ok("unit", "add", "HT-B", "Xã B", "--parent", "HT", "--db", db_url)

    def fails(*args: str) -> str:
        done = run_cli("task", *args, "--db", db_url)
        assert done.returncode == 1, done.stdout
        return done.stderr

    assert "--province" in fails("withdraw", "NV-1", "--reason", "x")  # two provinces use it
    assert "no task with code 'NV-9'" in fails("move", "NV-9", "--unit", "HT-B")
    assert "say why" in fails("withdraw", "NV-1", "--province", "HT", "--reason", "  ")
    assert "'NOPE' does not exist" in fails("move", "NV-1", "--province", "HT", "--unit", "NOPE")
    assert "already belongs" in fails("move", "NV-1", "--province", "HT", "--unit", "HT-A")
    # Into another province that already uses the code.
    assert "already has a task" in fails("move", "NV-1", "--province", "HT", "--unit", "NA-A")

    moved = _ok("task", "move", "NV-1", "--province", "HT", "--unit", "HT-B", "--db", db_url)
    assert "from HT-A to HT-B" in moved
    _ok("task", "withdraw", "NV-1", "--province", "HT", "--reason", "Trùng kế hoạch",
        "--db", db_url)  # fmt: skip
    assert "was withdrawn on" in fails("move", "NV-1", "--province", "HT", "--unit", "HT-A")
    # No longer anyone's to do: out of the figures, and a sheet cannot revive it.
    per_unit = json.loads(_ok("stats", "--json", "--db", db_url))["per_unit"]
    assert "HT-B" not in per_unit and sum(per_unit["NA-A"].values()) == 1
    sheet = tmp_path / "again.csv"
    sheet.write_text("code,title,unit,deadline\nNV-1,Số hoá,HT-B,31/12/2026\n", encoding="utf-8")
    again = run_cli("task", "import", str(sheet), "--db", db_url)
    assert again.returncode == 1
    assert "row 2: code: task 'NV-1' was withdrawn" in again.stderr, again.stderr
    events = json.loads(_ok("audit", "--json", "--db", db_url))
    rows = events["events"] if isinstance(events, dict) else events
    actions = [(e["action"], e["subject"]) for e in rows]
    assert ("task.move", "NV-1") in actions and ("task.withdraw", "NV-1") in actions


def test_csv_import_reports_every_bad_row_and_imports_nothing(db_url: str, tmp_path: Path) -> None:
    _ok("unit", "add", "HT", "Tỉnh Hà Tĩnh", "--level", "province", "--db", db_url)
    _ok("unit", "add", "HT-KY", "Xã Kỳ Anh", "--parent", "HT", "--db", db_url)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Mã nhiệm vụ;Tên nhiệm vụ;Đơn vị;Thời hạn;Số/ký hiệu\n"
        "NV-10;Ban hành kế hoạch;HT-KY;31/12/2026;17-KH/BCĐ\n"
        "NV-11;;HT-KY;31/12/2026;\n"
        "NV-12;Số hoá hồ sơ;HT-XX;31/12/2026;\n"
        "NV-13;Báo cáo;HT-KY;32/13/2026;\n"
        "NV-10;Trùng mã;HT-KY;01/01/2027;\n",
        encoding="utf-8-sig",  # what Excel's "CSV UTF-8" writes
    )
    done = run_cli("task", "import", str(bad), "--db", db_url)
    assert done.returncode == 1
    assert "row 3: title: required" in done.stderr
    assert "row 4: unit: no unit 'HT-XX'" in done.stderr
    assert "row 5: deadline:" in done.stderr
    assert "row 6: code: 'NV-10' already on row 2" in done.stderr
    assert "nothing imported" in done.stderr
    assert json.loads(_ok("stats", "--json", "--db", db_url))["per_unit"] == {}

    good = tmp_path / "good.csv"
    good.write_text(
        "code,title,unit,deadline,start_date,expected_output\n"
        'NV-10,"Ban hành kế hoạch, quy chế",HT-KY,31/12/2026,2026-01-05,Kế hoạch\n'
        "NV-11,Số hoá hồ sơ,HT-KY,2026-06-30,,\n"
        ",,,,,\n",
        encoding="utf-8-sig",
    )
    assert "2 task(s) created, 0 updated" in _ok("task", "import", str(good), "--db", db_url)
    assert "0 task(s) created, 2 updated" in _ok("task", "import", str(good), "--db", db_url)
    missing_column = tmp_path / "cols.csv"
    missing_column.write_text("code,title,unit\nNV-1,x,HT-KY\n", encoding="utf-8")
    done = run_cli("task", "import", str(missing_column), "--db", db_url)
    assert done.returncode == 1 and "missing column 'deadline'" in done.stderr
    latin = tmp_path / "latin.csv"
    latin.write_bytes("code,title,unit,deadline\nNV-1,Xã Hà,HT-KY,2026-01-01\n".encode("latin-1"))
    done = run_cli("task", "import", str(latin), "--db", db_url)
    assert done.returncode == 1 and "CSV UTF-8" in done.stderr


def test_csv_import_names_the_row_of_an_oversized_cell(db_url: str, tmp_path: Path) -> None:
    _ok("unit", "add", "HT", "Tỉnh Hà Tĩnh", "--level", "province", "--db", db_url)
    _ok("unit", "add", "HT-KY", "Xã Kỳ Anh", "--parent", "HT", "--db", db_url)
    huge = tmp_path / "huge.csv"
    huge.write_text(
        "code,title,unit,deadline,description\n"
        "NV-20,Ban hành kế hoạch,HT-KY,31/12/2026,ngắn\n"
        f'NV-21,"Nhiệm vụ\ndài",HT-KY,31/12/2026,"{"x" * 200_000}"\n'
        "NV-22,Báo cáo,HT-KY,31/12/2026,\n",
        encoding="utf-8",
    )
    done = run_cli("task", "import", str(huge), "--db", db_url)
    assert done.returncode == 1, done.stderr
    assert "nothing imported" in done.stderr
    assert "row 3: a cell is longer than 131072 characters" in done.stderr
    assert json.loads(_ok("stats", "--json", "--db", db_url))["per_unit"] == {}


def test_reports_and_stats_show_what_came_in(backend: Backend, tmp_path: Path) -> None:
    url = backend.new_url()
    _ok("demo", "--db", url)
    proc = ServerProcess(url, tmp_path / "home")
    officer = login(proc.base, "cb.coto", demo.PASSWORDS["officer"])
    try:
        task = officer.sync()["tasks"][0]
        body = report_body(task["id"], progress=35)
        pushed = officer.sync(reports=[body])
        assert pushed["acks"][0]["status"] == "accepted"
    finally:
        officer.close()
        proc.stop()
    listed = json.loads(_ok("reports", "--json", "--db", url))
    assert [(r["id"], r["unit_code"], r["progress"]) for r in listed] == [
        (body["id"], "QN-COTO", 35)
    ]
    assert officer.device is not None
    assert (listed[0]["signed_by"], listed[0]["device_id"]) == ("cb.coto", officer.device.device_id)
    text = _ok("reports", "--db", url)
    assert "QN-COTO" in text and body["id"] in text
    stats = json.loads(_ok("stats", "--json", "--silent-days", "7", "--db", url))
    silent = {u["unit_code"] for u in stats["silent_units"]}
    assert "QN-COTO" not in silent and "QN-BINHLIEU" in silent
    assert all(item["days_overdue"] > 0 for item in stats["overdue"])
    assert "Overdue tasks:" in _ok("stats", "--db", url)
    trail = json.loads(_ok("audit", "--json", "--actor", "cb.coto", "--db", url))
    actions = [event["action"] for event in trail]
    assert actions[-1] == "auth.login"  # newest first: the login came before the push
    assert "sync.push" in actions
    logins = json.loads(_ok("audit", "--json", "--action", "auth.", "--db", url))
    assert {e["action"] for e in logins} == {"auth.login"}
    assert "cb.coto" in _ok("audit", "--db", url)
