import datetime as dt

import pytest

from dxdesk.status import Category, categorise

DEADLINE = dt.date(2026, 6, 30)


def day(offset: int) -> dt.date:
    return DEADLINE + dt.timedelta(days=offset)


@pytest.mark.parametrize(
    ("today_offset", "category", "due_soon", "days_left"),
    [
        (-30, Category.IN_PROGRESS_ON_TIME, False, 30),
        (-8, Category.IN_PROGRESS_ON_TIME, False, 8),
        (-7, Category.IN_PROGRESS_ON_TIME, True, 7),  # first "due soon" day
        (-1, Category.IN_PROGRESS_ON_TIME, True, 1),
        (0, Category.IN_PROGRESS_ON_TIME, True, 0),  # the deadline day is still on time
        (1, Category.IN_PROGRESS_OVERDUE, False, -1),  # the day after is overdue
        (400, Category.IN_PROGRESS_OVERDUE, False, -400),
    ],
)
def test_open_task_around_the_deadline(
    today_offset: int, category: Category, due_soon: bool, days_left: int
) -> None:
    status = categorise(DEADLINE, None, day(today_offset))
    assert (status.category, status.due_soon, status.days_left) == (category, due_soon, days_left)
    assert status.overdue is (category is Category.IN_PROGRESS_OVERDUE)


@pytest.mark.parametrize(
    ("done_offset", "category"),
    [(-10, Category.DONE_ON_TIME), (0, Category.DONE_ON_TIME), (1, Category.DONE_LATE)],
)
def test_completed_task_is_judged_by_completion_date_not_today(
    done_offset: int, category: Category
) -> None:
    for today in (day(done_offset), day(done_offset + 300)):
        status = categorise(DEADLINE, day(done_offset), today)
        assert status.category is category
        assert not status.due_soon
        assert not status.overdue


def test_due_soon_window_is_configurable() -> None:
    assert not categorise(DEADLINE, None, day(-3), due_soon_days=2).due_soon
    assert categorise(DEADLINE, None, day(-2), due_soon_days=2).due_soon
    assert categorise(DEADLINE, None, day(0), due_soon_days=0).due_soon


def test_task_without_deadline_is_never_overdue() -> None:
    status = categorise(None, None, dt.date(2099, 1, 1))
    assert status.category is Category.IN_PROGRESS_ON_TIME
    assert status.days_left is None
    assert not status.due_soon
    assert categorise(None, dt.date(2026, 1, 1), DEADLINE).category is Category.DONE_ON_TIME


def test_labels_are_the_official_vietnamese_wording() -> None:
    assert [c.label_vi for c in Category] == [
        "Chưa hoàn thành – trong hạn",
        "Chưa hoàn thành – quá hạn",
        "Đã hoàn thành – đúng hạn",
        "Đã hoàn thành – quá hạn",
    ]
