import datetime as dt
import os
import shlex
from pathlib import Path

import pytest

from dxdesk import __version__
from tests.integration.cli_runner import Result, keyring_env, run

TASK_KEYS = {
    "code", "title", "unit", "deadline", "status", "status_label", "due_soon", "overdue",
    "days_left", "progress", "pending_progress", "completed_on", "doc_number",
    "latest_report_state", "search_match",
}  # fmt: skip
OUTBOX_KEYS = {
    "id", "task_code", "state", "created_at", "finalized_at", "progress", "status_claim",
    "classification", "attachments", "corrects_id", "reject_code", "reject_message",
    "review_comment", "awaiting_receipt", "exported_bundle", "exported_at", "task_removed",
    "task_removal",
}  # fmt: skip


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("cli") / "home"
    result = run(home, "demo", "--local", "--json")
    assert result.code == 0, result.err
    assert result.json()["loaded"] == 30
    return home


@pytest.fixture
def home(tmp_path: Path, demo_home: Path) -> Path:
    """A fresh copy of the demo profile, so tests do not see each other's reports."""
    copy = tmp_path / "home"
    run(copy, "demo", "--local", "--json")
    return copy


def one_line_error(result: Result) -> str:
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("dxdesk: ")
    return lines[0]


def test_version(tmp_path: Path) -> None:
    result = run(tmp_path, "--version")
    assert (result.code, result.out.strip()) == (0, f"dxdesk {__version__}")


def test_tasks_json_shape(demo_home: Path) -> None:
    payload = run(demo_home, "tasks", "--json").json()
    assert set(payload) == {"reference_date", "count", "tasks"}
    assert payload["count"] == len(payload["tasks"]) == 30
    for task in payload["tasks"]:
        assert set(task) == TASK_KEYS
        dt.date.fromisoformat(task["deadline"])
        assert task["status"] in {
            "in_progress_on_time", "in_progress_overdue", "done_on_time", "done_late",
        }  # fmt: skip
    deadlines = [t["deadline"] for t in payload["tasks"]]
    assert deadlines == sorted(deadlines)


def test_overdue_and_due_soon_filters(demo_home: Path) -> None:
    overdue = run(demo_home, "tasks", "--overdue", "--json").json()["tasks"]
    assert overdue
    assert all(t["overdue"] and t["days_left"] < 0 for t in overdue)
    soon = run(demo_home, "tasks", "--due-soon", "--json").json()["tasks"]
    assert soon
    assert all(t["due_soon"] and 0 <= t["days_left"] <= 7 for t in soon)
    both = run(demo_home, "tasks", "--overdue", "--due-soon", "--json").json()["tasks"]
    assert {t["code"] for t in both} == {t["code"] for t in overdue + soon}


def test_search_is_diacritic_insensitive(demo_home: Path) -> None:
    plain = run(demo_home, "tasks", "--search", "dang uy so hoa", "--json").json()["tasks"]
    marked = run(demo_home, "tasks", "--search", "ĐẢNG UỶ số hoá", "--json").json()["tasks"]
    assert plain == marked
    assert plain
    assert all("Đảng uỷ" in t["title"] for t in plain)
    assert run(demo_home, "tasks", "--search", "xyzzy", "--json").json()["count"] == 0


def test_human_task_list_is_vietnamese_by_default(demo_home: Path) -> None:
    result = run(demo_home, "tasks", "--overdue")
    assert result.code == 0
    assert "Chưa hoàn thành – quá hạn" in result.out
    assert "quá " in result.out and " ngày" in result.out


def test_report_then_outbox(home: Path, tmp_path: Path) -> None:
    photo = tmp_path / "ảnh.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(4000))
    result = run(
        home, "report", "NV-2026-003", "--progress", "75", "--summary", "Đã số hoá 900 hồ sơ",
        "--difficulties", "Mất điện 3 ngày", "--attach", str(photo), "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    report = result.json()
    assert set(report) == OUTBOX_KEYS
    assert (report["task_code"], report["state"], report["attachments"]) == (
        "NV-2026-003",
        "queued",
        1,
    )
    draft = run(home, "report", "NV-2026-004", "--progress", "10", "--summary", "", "--draft")
    assert draft.code == 0, draft.err
    outbox = run(home, "outbox", "--json").json()
    assert set(outbox) == {"count", "items"}
    assert [(i["task_code"], i["state"]) for i in outbox["items"]] == [
        ("NV-2026-003", "queued"),
        ("NV-2026-004", "draft"),
    ]
    for item in outbox["items"]:
        assert set(item) == OUTBOX_KEYS
        dt.datetime.fromisoformat(item["created_at"])
    human = run(home, "outbox")
    assert "chờ gửi" in human.out and "bản nháp" in human.out
    # The task list keeps the server's progress and shows the queued one apart.
    listed = {t["code"]: t for t in run(home, "tasks", "--json").json()["tasks"]}
    queued, drafted = listed["NV-2026-003"], listed["NV-2026-004"]
    assert queued["pending_progress"] == 75 and queued["progress"] != 75
    assert drafted["pending_progress"] == 10 and drafted["progress"] != 10
    text = run(home, "tasks", "--search", "NV-2026-003").out
    assert f"{queued['progress']}%→75%" in text


def test_classified_report_text_is_not_shown_in_outbox(home: Path) -> None:
    secret = "Số liệu mật về nhân sự"
    result = run(
        home, "report", "NV-2026-005", "--progress", "20", "--summary", secret,
        "--classification", "secret",
    )  # fmt: skip
    # Offline demo: no server key has come with a login yet, so it cannot be sealed;
    # it is never queued in the clear, and the draft is kept.
    assert result.code == 2
    assert "khoá của máy chủ" in one_line_error(result)
    listing = run(home, "outbox")
    assert secret not in listing.out
    assert "(mật)" in listing.out


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["report", "NV-404", "--progress", "5", "--summary", "x"], 3, "NV-404"),
        (["report", "NV-2026-003", "--progress", "150", "--summary", "x"], 2, "150"),
        (["report", "NV-2026-003", "--progress", "nhiều", "--summary", "x"], 2, "nhiều"),
        (["report", "NV-2026-003", "--progress", "5", "--summary", " "], 2, "Results achieved"),
        (
            ["report", "NV-2026-003", "--progress", "5", "--summary", "x", "--attach", "/nope.pdf"],
            2,
            "/nope.pdf",
        ),
        (["report", "NV-2026-003", "--progress", "90", "--summary", "x", "--status", "done"], 2,
         "100%"),
    ],
)  # fmt: skip
def test_errors_exit_non_zero_with_one_line_and_write_nothing(
    home: Path, args: list[str], code: int, fragment: str
) -> None:
    result = run(home, "--lang", "en", *args)
    assert result.code == code
    assert fragment in one_line_error(result)
    assert run(home, "outbox", "--json").json()["count"] == 0


def test_error_message_in_vietnamese(home: Path) -> None:
    result = run(home, "report", "NV-404", "--progress", "5", "--summary", "x")
    assert "Không có nhiệm vụ mã «NV-404»" in one_line_error(result)


def test_usage_error_exits_2(home: Path) -> None:
    result = run(home, "report", "NV-2026-003")
    assert result.code == 2
    assert "--progress" in result.err


def test_unreadable_database_exits_4(home: Path) -> None:
    database = home / "data" / "users" / "demo" / "dxdesk.sqlite3"
    database.write_bytes(b"\x00garbage" * 500)
    result = run(home, "--lang", "en", "tasks")
    assert result.code == 4
    assert "cannot be decrypted with this user's key" in one_line_error(result)
    assert database.read_bytes() == b"\x00garbage" * 500


def test_nobody_logged_in_yet_exits_3(tmp_path: Path) -> None:
    result = run(tmp_path / "new", "--lang", "en", "tasks")
    assert result.code == 3
    assert "Nobody has logged in on this computer yet" in one_line_error(result)


def test_broken_settings_file_exits_2_and_is_kept(tmp_path: Path) -> None:
    home = tmp_path / "h"
    (home / "config").mkdir(parents=True)
    settings = home / "config" / "settings.toml"
    settings.write_text("language = \n", encoding="utf-8")
    result = run(home, "tasks")
    assert result.code == 2
    assert "settings.toml" in one_line_error(result)
    assert settings.read_text(encoding="utf-8") == "language = \n"


def test_home_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    from tests.integration.cli_runner import DXDESK

    env = {**os.environ, "DXDESK_HOME": str(tmp_path / "envhome")}
    proc = subprocess.run(
        [str(DXDESK), "demo", "--local", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "envhome" / "data" / "users" / "demo" / "dxdesk.sqlite3").is_file()
    assert (tmp_path / "envhome" / "logs" / "dxdesk.log").is_file()


def test_bare_command_without_a_display_says_so(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    result = run(tmp_path / "h", "--lang", "en", env=env)
    assert result.code == 2
    assert "No display" in one_line_error(result)


def test_global_options_are_taken_after_the_command_too(demo_home: Path) -> None:
    before = run(demo_home, "--lang", "en", "tasks", "--overdue")
    after = run(demo_home, "tasks", "--overdue", "--lang", "en")
    assert (after.code, after.out) == (0, before.out), after.err
    vietnamese = run(demo_home, "tasks", "--overdue")
    assert vietnamese.out != after.out, "--lang after the command was ignored"


def test_password_stdin_after_the_command_unlocks(demo_home: Path) -> None:
    # No keyring holds the key: only the password read from stdin can open the data.
    env = {**keyring_env(demo_home), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    after = run(demo_home, "outbox", "--json", "--password-stdin", stdin="demo\n", env=env)
    before = run(demo_home, "--password-stdin", "outbox", "--json", stdin="demo\n", env=env)
    assert after.code == 0, after.err
    assert after.json() == before.json()


def test_the_demos_hint_opens_the_same_profile(tmp_path: Path) -> None:
    home = tmp_path / "thư mục có dấu cách"
    shown = run(home, "--lang", "en", "demo", "--local")
    assert shown.code == 0, shown.err
    hint = next(line for line in shown.out.splitlines() if line.startswith("Try: "))
    first = shlex.split(hint.removeprefix("Try: ").split(" · ")[0])
    assert first[:3] == ["dxdesk", "--home", str(home)]
    tried = run(home, *first[3:], "--lang", "en")
    assert tried.code == 0, tried.err
    assert tried.out == run(home, "--lang", "en", "tasks", "--overdue").out


def test_search_lists_whole_syllables_first_and_counts_them(demo_home: Path) -> None:
    found = run(demo_home, "tasks", "--search", "so hoa", "--json").json()["tasks"]
    assert found, "the demo has digitisation tasks"
    matches = [task["search_match"] for task in found]
    assert matches == sorted(matches, key=["phrase", "words", "prefixes"].index)
    phrase = [t for t in found if t["search_match"] == "phrase"]
    assert phrase and all(t["title"].startswith("Số hoá") for t in phrase)
    assert len(phrase) < len(found), "syllable beginnings (Kế hoạch, sóng) follow"
    assert all(t["search_match"] != "partial" for t in found)
    shown = run(demo_home, "--lang", "en", "tasks", "--search", "so hoa")
    whole = sum(1 for t in found if t["search_match"] in {"phrase", "words"})
    assert shown.out.splitlines()[-1] == f"{len(found)} tasks, {whole} matching whole words"
    partial_only = run(demo_home, "tasks", "--search", "oach", "--json").json()["tasks"]
    assert partial_only and all(t["search_match"] == "partial" for t in partial_only)
