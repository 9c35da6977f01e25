"""Load the shipped demo set (a province, its communes, ~30 tasks) with logins.

Idempotent: units and users are updated, tasks upserted by code with stable ids,
so loading twice leaves one copy. Dates are offsets from today, so the demo always
has overdue, due-soon and done tasks.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from dxdesk import demo_ids
from dxdesk.paths import resource_dir
from sync.protocol import IndicatorIn, TaskIn
from sync.server import accounts, tasks

# The same namespace as the client's local demo (dxdesk.demo_data), so a task has
# the same id on both ends.
# Well-known demo passwords, printed by the command: this is demo data only.
PASSWORDS = {
    "officer": "canbo-demo-2026",
    "reviewer": "lanhdao-demo-2026",
    "admin": "quantri-demo-2026",
}


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    role: str
    unit_code: str
    full_name: str


def read() -> dict[str, Any]:
    path = resource_dir() / "demo" / "demo.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _offset(today: dt.date, days: int | None) -> dt.date | None:
    return today + dt.timedelta(days=days) if days is not None else None


def _username(unit_code: str) -> str:
    return "cb." + unit_code.lower().split("-", 1)[-1]


def load(session: Session, today: dt.date) -> tuple[list[Login], int]:
    data = read()
    logins: list[Login] = []
    for raw in data["units"]:  # parents come first in the file
        accounts.add_unit(session, raw["code"], raw["name"], raw["parent"], raw["level"])
        if raw["parent"] is None:
            admin = Login("admin", PASSWORDS["admin"], "admin", raw["code"], "Quản trị hệ thống")
            logins.append(admin)
            logins.append(Login("ld." + raw["code"].lower(), PASSWORDS["reviewer"], "reviewer",
                                raw["code"], "Lãnh đạo " + raw["name"]))  # fmt: skip
        else:
            logins.append(Login(_username(raw["code"]), PASSWORDS["officer"], "officer",
                                raw["code"], "Cán bộ " + raw["name"]))  # fmt: skip
    for login in logins:
        accounts.add_user(
            session,
            username=login.username,
            password=login.password,
            role=login.role,
            unit_code=login.unit_code,
            full_name=login.full_name,
            replace=True,
        )
    count = 0
    for raw in data["tasks"]:
        values = TaskIn(
            code=raw["code"],
            title=raw["title"],
            unit_code=raw["unit"],
            description=raw["description"],
            doc_number=raw["doc_number"],
            doc_date=dt.date.fromisoformat(raw["doc_date"]),
            doc_issuer=raw["doc_issuer"],
            start_date=_offset(today, raw["start_offset_days"]),
            deadline=_offset(today, raw["deadline_offset_days"]),
            expected_output=raw["expected_output"],
            indicators=[IndicatorIn.model_validate(item) for item in raw["indicators"]],
        )
        task_id = demo_ids.task_id(raw["code"])
        task, _created = tasks.upsert(session, values, "demo", task_id=task_id, replace=True)
        task.completed_on = _offset(today, raw["completed_offset_days"])
        task.progress = raw["progress"]
        session.flush()
        count += 1
    return logins, count
