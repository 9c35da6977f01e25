"""Task status in Vietnam's four official categories, plus the "due soon" highlight.

The reference date is always supplied by the caller: it should be the server's date
when known, because a shared commune PC's clock is often wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

DEFAULT_DUE_SOON_DAYS = 7


class Category(StrEnum):
    IN_PROGRESS_ON_TIME = "in_progress_on_time"
    IN_PROGRESS_OVERDUE = "in_progress_overdue"
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"

    @property
    def label_vi(self) -> str:
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _LABELS[self][1]

    @property
    def is_done(self) -> bool:
        return self in (Category.DONE_ON_TIME, Category.DONE_LATE)


_LABELS = {
    Category.IN_PROGRESS_ON_TIME: ("Chưa hoàn thành – trong hạn", "Not done – on time"),
    Category.IN_PROGRESS_OVERDUE: ("Chưa hoàn thành – quá hạn", "Not done – overdue"),
    Category.DONE_ON_TIME: ("Đã hoàn thành – đúng hạn", "Done – on time"),
    Category.DONE_LATE: ("Đã hoàn thành – quá hạn", "Done – late"),
}


@dataclass(frozen=True)
class TaskStatus:
    category: Category
    due_soon: bool
    # Days until the deadline (negative when overdue); None for open-ended tasks.
    days_left: int | None

    @property
    def overdue(self) -> bool:
        return self.category is Category.IN_PROGRESS_OVERDUE


def categorise(
    deadline: dt.date | None,
    completed_on: dt.date | None,
    today: dt.date,
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS,
) -> TaskStatus:
    """The deadline day itself is still on time; the day after is overdue.

    "Due soon" marks open tasks whose deadline is within ``due_soon_days`` days
    (inclusive), the deadline day included.
    """
    days_left = (deadline - today).days if deadline is not None else None
    if completed_on is not None:
        late = deadline is not None and completed_on > deadline
        return TaskStatus(Category.DONE_LATE if late else Category.DONE_ON_TIME, False, days_left)
    if days_left is not None and days_left < 0:
        return TaskStatus(Category.IN_PROGRESS_OVERDUE, False, days_left)
    due_soon = days_left is not None and days_left <= due_soon_days
    return TaskStatus(Category.IN_PROGRESS_ON_TIME, due_soon, days_left)
