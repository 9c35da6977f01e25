"""The task list at 20,000 tasks, read as light rows (only the shown columns):
the same rows, order, search, progress and counts as the store's full listing,
the whole task where the detail pane and the editor need it, and the selection
kept across a reload."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import insert

from dxdesk import clock, demo_data, reports, tasks
from dxdesk.identity.credentials import MemoryTokenStore
from dxdesk.identity.users import UnlockedUser
from dxdesk.profile import Profile
from dxdesk.store.models import Task
from dxdesk.text import syllables
from sync.session import ClientSession
from ui import main_window, numbers, tasks_model
from ui.desktop import Desktop, build
from ui.tasks_model import Column, QuickFilter, counts

EXTRA = 20_000


def add_tasks(profile: Profile, count: int) -> None:
    """``count`` variations of the demo's tasks, inserted in one statement (the
    ORM's one-by-one upsert would take half a minute), each with its search key."""
    today = clock.reference_date(None)
    raw = demo_data.read()["tasks"]
    values = []
    for i in range(count):
        one = demo_data.task_values(raw[i % len(raw)], today)
        one.update(
            id=str(uuid.uuid4()),
            code=f"NV-2026-{10_000 + i}",
            deadline=None if i % 97 == 0 else today + dt.timedelta(days=(i % 120) - 60),
            completed_on=today if i % 11 == 0 else None,
            progress=i % 101,
        )
        one["search_key"] = tasks.search_key_for(Task(**one))
        values.append(one)
    with profile.db.session() as session:
        session.execute(insert(Task), values)
        task = session.get(Task, values[5]["id"])
        assert task is not None  # a draft: its progress shows apart from the accepted one
        reports.create_draft(session, task, reports.ReportContent(progress=99), "Nguyễn Văn A")
        session.commit()


def full_listing(profile: Profile, search: str | None = None) -> list[tasks.TaskRow[Task]]:
    with profile.db.session() as session:
        return tasks.list_tasks(session, clock.reference_date(None), search=search)


def shown(desktop: Desktop, column: int = Column.CODE) -> list[str]:
    proxy = desktop.window.proxy
    return [proxy.index(r, column).data() for r in range(proxy.rowCount())]


def test_twenty_thousand_tasks_listed_light_as_the_store_lists_them(
    qtbot: QtBot, desktop: Desktop, ui_profile: Profile
) -> None:
    add_tasks(ui_profile, EXTRA)
    window = desktop.window
    before = window.reload_count
    window.reload()
    qtbot.waitUntil(lambda: window.reload_count > before)
    full = full_listing(ui_profile)
    assert len(full) > EXTRA
    # Light rows: no ORM object per task (building 20,000 of them took over a second).
    assert {type(row.task) for row in window.model.rows} == {tasks.TaskSummary}

    window.table.sortByColumn(Column.DEADLINE, Qt.SortOrder.AscendingOrder)
    assert shown(desktop) == [row.task.code for row in full]
    codes = {row.task.code: row for row in full}
    for position in (0, 5, 777, len(full) - 1):
        code = shown(desktop)[position]
        row = codes[code]
        proxy = window.proxy
        assert proxy.index(position, Column.TITLE).data() == row.task.title
        assert proxy.index(position, Column.DEADLINE).data() == (
            row.task.deadline.strftime("%d/%m/%Y") if row.task.deadline else "—"
        )
    drafted = next(row for row in window.model.rows if row.pending_progress is not None)
    assert drafted.pending_progress == 99
    assert drafted.accepted_progress == codes[drafted.task.code].task.progress

    numbers = counts(window.model.rows)
    assert numbers[QuickFilter.ALL] == len(full)
    assert numbers[QuickFilter.OVERDUE] == sum(row.status.overdue for row in full)
    assert numbers[QuickFilter.DONE] == sum(row.status.category.is_done for row in full)
    window.filter_buttons[QuickFilter.OVERDUE].click()
    assert window.proxy.rowCount() == numbers[QuickFilter.OVERDUE]
    window.filter_buttons[QuickFilter.ALL].click()

    for query in ("so hoa", "nv-2026-1999"):
        window.search.setText(query)
        assert shown(desktop) == [row.task.code for row in full_listing(ui_profile, query)]
    window.search.clear()

    window.table.sortByColumn(Column.DEADLINE, Qt.SortOrder.DescendingOrder)
    deadlines = [row.task.deadline for row in window.model.rows]
    in_order = sorted((d for d in deadlines if d is not None), reverse=True)
    open_ended = len(deadlines) - len(in_order)  # last ascending, so first here
    assert shown(desktop, Column.DEADLINE) == ["—"] * open_ended + [
        d.strftime("%d/%m/%Y") for d in in_order
    ]


def test_selection_kept_and_whole_task_read_after_a_light_reload(
    qtbot: QtBot, desktop: Desktop, ui_profile: Profile
) -> None:
    add_tasks(ui_profile, 2_000)
    window = desktop.window
    before = window.reload_count
    window.reload()
    qtbot.waitUntil(lambda: window.reload_count > before)
    assert window.select_task("NV-2026-11500")
    row = window.selected_row()
    assert row is not None
    before = window.reload_count
    window.reload()
    qtbot.waitUntil(lambda: window.reload_count > before)
    selected = window.selected_row()
    assert selected is not None and selected.task.code == "NV-2026-11500"
    # The detail pane and the editor get every field, which the list does not read.
    whole = window.whole_task(selected)
    assert whole is not None and whole.code == "NV-2026-11500"
    assert whole.expected_output and whole.expected_output in window.detail.browser.toPlainText()


class HeldRunner:
    """Keeps each job until the test runs it: what the list shows in between."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Callable[[], Any], Callable[[Any], None]]] = []

    def run(
        self,
        job: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.jobs.append((job, done))

    def run_next(self) -> None:
        job, done = self.jobs.pop(0)
        done(job())


def test_first_screenful_without_search_syllables_then_all_of_them(
    qtbot: QtBot, ui_profile: Profile, ui_unlocked: UnlockedUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_tasks(ui_profile, 2_000)
    worked_out: list[str] = []

    def counted(key: str) -> str:
        worked_out.append(key)
        return syllables(key)

    monkeypatch.setattr(main_window, "syllables", counted)
    monkeypatch.setattr(tasks_model, "syllables", counted)
    runner = HeldRunner()
    built = build(ClientSession(ui_profile, MemoryTokenStore(), unlocked=ui_unlocked), runner,
                  start_sync=False)  # fmt: skip
    qtbot.addWidget(built.window)
    window = built.window
    while not window.loaded_once:
        runner.run_next()
    assert window.proxy.rowCount() == main_window.FIRST_PAGE
    assert worked_out == []  # the first screenful did not wait for them
    window.search.setText("so hoa")  # meanwhile: those of the screenful, when asked
    assert window.proxy.rowCount() > 0 and len(worked_out) <= main_window.FIRST_PAGE
    window.search.clear()
    while window.reload_count == 0:  # every task in, with its syllables
        runner.run_next()
    worked_out.clear()
    window.search.setText("so hoa")
    assert shown(built) == [row.task.code for row in full_listing(ui_profile, "so hoa")]
    assert worked_out == []  # none on the GUI thread: a keystroke stays quick
    built.close()


def test_first_screenful_shown_then_the_rest_with_whole_counts(
    qtbot: QtBot, ui_profile: Profile, ui_unlocked: UnlockedUser
) -> None:
    add_tasks(ui_profile, 2_000)
    full = full_listing(ui_profile)
    runner = HeldRunner()
    built = build(ClientSession(ui_profile, MemoryTokenStore(), unlocked=ui_unlocked), runner,
                  start_sync=False)  # fmt: skip
    qtbot.addWidget(built.window)
    window = built.window
    while not window.loaded_once:
        runner.run_next()
    # Usable at once: the first screenful, in the default order.
    assert shown(built) == [row.task.code for row in full[: main_window.FIRST_PAGE]]
    assert window.reload_count == 0  # not all in yet: the counts say so
    assert window.filter_buttons[QuickFilter.ALL].text().endswith("(…)")
    while window.reload_count == 0:
        runner.run_next()
    assert shown(built) == [row.task.code for row in full]
    everything = counts(window.model.rows)
    assert everything[QuickFilter.ALL] == len(full)
    assert (
        window.filter_buttons[QuickFilter.OVERDUE]
        .text()
        .endswith(f"({numbers.count(everything[QuickFilter.OVERDUE])})")
    )
    # A later reload (after a sync) reads everything in one go.
    window.reload()
    while runner.jobs:
        runner.run_next()
    assert window.reload_count == 2 and window.proxy.rowCount() == len(full)
    built.close()
