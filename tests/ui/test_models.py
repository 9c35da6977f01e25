"""The task and outbox models: Qt's model tester, quick filters, folded search."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from dxdesk import clock, reports, tasks
from dxdesk.profile import Profile
from dxdesk.status import Category
from dxdesk.store.models import TaskRemoval
from dxdesk.text import best_only, match_rank, search_terms
from ui.dashboard import progress_buckets
from ui.outbox_view import OutboxModel, OutboxView
from ui.tasks_model import (
    SORT_ROLE,
    Column,
    QuickFilter,
    TaskFilterProxy,
    TaskTableModel,
    counts,
)


def rows_of(profile: Profile) -> list[tasks.ListedRow]:
    with profile.db.session() as session:
        return tasks.list_summaries(session, clock.reference_date(None))


def test_task_model_and_proxy_pass_the_model_tester(
    qtmodeltester: Any, ui_profile: Profile
) -> None:
    model = TaskTableModel()
    model.set_rows(rows_of(ui_profile))
    qtmodeltester.check(model)
    proxy = TaskFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_search("so hoa")
    qtmodeltester.check(proxy)


def _outbox_with_one_draft(profile: Profile) -> list[reports.OutboxItem]:
    with profile.db.session() as session:
        task = reports.find_task(session, "NV-2026-003")
        reports.create_draft(session, task, reports.ReportContent(progress=5, results="x"))
        return reports.outbox(session)


def test_outbox_model_passes_the_model_tester(qtmodeltester: Any, ui_profile: Profile) -> None:
    model = OutboxModel()
    model.set_items(_outbox_with_one_draft(ui_profile))
    assert model.rowCount() == 1
    qtmodeltester.check(model)


def test_the_outbox_summary_needs_no_plural(qtbot: QtBot, ui_profile: Profile) -> None:
    """One draft is not "1 drafts": each count follows its label."""
    view = OutboxView()
    qtbot.addWidget(view)
    view.set_items(_outbox_with_one_draft(ui_profile))
    assert view.summary.text() == "Waiting to send: 0 · Drafts: 1 · Need attention: 0"


def test_a_withdrawn_task_leaves_the_list_and_its_reports_name_it_with_the_reason(
    ui_profile: Profile,
) -> None:
    reason = "Đã có kế hoạch thay thế"
    with ui_profile.db.session() as session:
        task = reports.find_task(session, "NV-2026-003")
        draft = reports.create_draft(session, task, reports.ReportContent(progress=5, results="x"))
        tasks.remove(session, task, TaskRemoval.WITHDRAWN, reason=reason)
        session.commit()
        items = reports.outbox(session)
    model = TaskTableModel()
    model.set_rows(rows_of(ui_profile))
    codes = {model.index(r, Column.CODE).data() for r in range(model.rowCount())}
    assert model.rowCount() == 29 and "NV-2026-003" not in codes
    outbox = OutboxModel()
    outbox.set_items(items)
    assert [i.report.id for i in items] == [draft.id]  # the draft stays
    # The mark leads the task's cell (a long title is elided at its end), the reason
    # leads the note: both visible in a 1024 px window (docs/screenshots/outbox-1024.png).
    assert outbox.index(0, 0).data().startswith("⊘ NV-2026-003 — ")
    assert outbox.index(0, 4).data() == f"⊘ Nhiệm vụ đã bị thu hồi: {reason} — x"
    assert f"Nhiệm vụ đã bị thu hồi: {reason}" in outbox.index(0, 0).data(
        Qt.ItemDataRole.ToolTipRole)  # fmt: skip


def test_quick_filters_and_counts(qtbot: QtBot, ui_profile: Profile) -> None:
    rows = rows_of(ui_profile)
    numbers = counts(rows)
    assert numbers[QuickFilter.ALL] == 30
    overdue = sum(1 for r in rows if r.status.category is Category.IN_PROGRESS_OVERDUE)
    assert numbers[QuickFilter.OVERDUE] == overdue > 0
    assert numbers[QuickFilter.IN_PROGRESS] + numbers[QuickFilter.DONE] == 30
    model = TaskTableModel()
    model.set_rows(rows)
    proxy = TaskFilterProxy()
    proxy.setSourceModel(model)
    for quick in QuickFilter:
        proxy.set_quick_filter(quick)
        assert proxy.rowCount() == numbers[quick], quick


def test_search_is_diacritic_insensitive_and_needs_every_word(ui_profile: Profile) -> None:
    model = TaskTableModel()
    model.set_rows(rows_of(ui_profile))
    proxy = TaskFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_search("dang uy so hoa")
    plain = proxy.rowCount()
    proxy.set_search("ĐẢNG UỶ số hoá")
    assert proxy.rowCount() == plain > 0
    proxy.set_search("so hoa xyzzy")
    assert proxy.rowCount() == 0
    proxy.set_search("")
    assert proxy.rowCount() == 30


def test_sorting_by_deadline_uses_dates_not_text(ui_profile: Profile) -> None:
    model = TaskTableModel()
    model.set_rows(rows_of(ui_profile))
    proxy = TaskFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(2)
    deadlines = [proxy.row_at(proxy.index(r, 0)) for r in range(proxy.rowCount())]
    dates = [row.task.deadline for row in deadlines if row is not None and row.task.deadline]
    assert dates == sorted(dates)


def test_typing_on_and_back_and_a_reset_filter_like_a_fresh_search(ui_profile: Profile) -> None:
    """The proxy narrows among earlier matches while words grow; any other change,
    and new rows, start from every row again."""
    rows = rows_of(ui_profile)
    model = TaskTableModel()
    model.set_rows(rows)
    proxy = TaskFilterProxy()
    proxy.setSourceModel(model)

    def expected(text: str, quick: QuickFilter = QuickFilter.ALL) -> int:
        """What the CLI's search finds (which drops matches inside a syllable when
        better ones exist), within the quick filter."""
        terms = search_terms(text)
        found = {i: match_rank(r.task.search_key, text) for i, r in enumerate(rows)}
        ranked = best_only(
            {
                i: m
                for i, m in found.items()
                if m is not None and all(t in rows[i].task.search_key for t in terms)
            }
        )
        return sum(1 for i in ranked if quick.accepts(rows[i]))

    typed = "so hoa ho so"
    for end in [*range(1, len(typed) + 1), *range(len(typed) - 1, -1, -1)]:
        proxy.set_search(typed[:end])
        assert proxy.rowCount() == expected(typed[:end]), typed[:end]
    proxy.set_search("nv-2026-00")
    assert proxy.rowCount() == expected("nv-2026-00") > 0
    proxy.set_quick_filter(QuickFilter.OVERDUE)
    assert proxy.rowCount() == expected("nv-2026-00", QuickFilter.OVERDUE)
    proxy.set_search("nv-2026-003")  # narrowing, with the quick filter on
    assert proxy.rowCount() == expected("nv-2026-003", QuickFilter.OVERDUE)
    proxy.set_quick_filter(QuickFilter.ALL)
    proxy.set_search("nv-2026-0")
    assert proxy.rowCount() == expected("nv-2026-0")
    proxy.set_search("nv-2026-00")
    rows = [r for r in reversed(rows) if not r.task.code.startswith("NV-2026-00")][:12]
    model.set_rows(rows)  # other rows: the earlier matches must be forgotten
    assert proxy.rowCount() == expected("nv-2026-00") == 0
    proxy.set_search("nv-2026-01")
    assert proxy.rowCount() == expected("nv-2026-01") > 0


def test_progress_column_shows_the_accepted_progress_and_a_pending_one_apart(
    ui_profile: Profile,
) -> None:
    """A draft's or queued report's progress is not the task's: the server's stays
    what the column shows and sorts by, the pending one follows an arrow."""
    with ui_profile.db.session() as session:
        task = reports.find_task(session, "NV-2026-003")
        task.progress = 40
        session.add(task)
        session.commit()
        draft = reports.create_draft(
            session, task, reports.ReportContent(progress=60, results="Đã làm")
        )
    model = TaskTableModel()

    def cell(column: int, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        model.set_rows(rows_of(ui_profile))
        row = next(i for i, r in enumerate(model.rows) if r.task.code == "NV-2026-003")
        return model.index(row, column).data(role)

    assert cell(Column.PROGRESS) == "40%→60%"
    assert cell(Column.PROGRESS, SORT_ROLE) == 40
    # The overview's progress bands count it where the server has it, too.
    [row] = [r for r in rows_of(ui_profile) if r.task.code == "NV-2026-003"]
    assert progress_buckets([row]) == [(0, 0), (1, 0), (0, 0), (0, 0), (0, 0)]
    assert "60%" in cell(Column.PROGRESS, Qt.ItemDataRole.ToolTipRole)
    with ui_profile.db.session() as session:
        reports.finalize(session, ui_profile.attachments, draft.id)
    assert cell(Column.PROGRESS) == "40%→60%"  # queued: still only ours
    with ui_profile.db.session() as session:
        queued = reports.get_report(session, draft.id)
        reports.accept(session, queued)
        task = reports.find_task(session, "NV-2026-003")
        task.progress = 60  # the next pull brings the server's progress
        session.add(task)
        session.commit()
    assert cell(Column.PROGRESS) == "60%"


def test_search_ranks_like_the_command_line(ui_profile: Profile) -> None:
    """The desktop's search lists what ``dxdesk tasks --search`` lists, in its order:
    whole syllables in order, then in any order, then syllable beginnings, and a
    match inside a syllable ("hoa" in "hoạch") only when nothing better matched."""
    model = TaskTableModel()
    model.set_rows(rows_of(ui_profile))
    proxy = TaskFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(Column.DEADLINE)
    ranked_differently = 0
    for query in ("so hoa", "hoa so", "uy", "an", "so ho", "ke hoach", "oach", "nv-2026-01", "x"):
        proxy.set_search(query)
        shown = [proxy.index(r, 0).data() for r in range(proxy.rowCount())]
        with ui_profile.db.session() as session:
            cli = tasks.list_tasks(session, clock.reference_date(None), search=query)
        assert shown == [row.task.code for row in cli], query
        plain = [row.task.code for row in rows_of(ui_profile) if row.task.code in shown]
        ranked_differently += plain != shown
    assert ranked_differently  # the queries do test an order other than the deadline's
    proxy.set_search("uy")  # "Uỷ ban" and "Đảng uỷ", not every "quy" and "huyện"
    assert 0 < proxy.rowCount() < sum(1 for key in model.search_keys if "uy" in key)
