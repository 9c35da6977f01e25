"""Load the shipped demo units and tasks into a local store (no server needed)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

from sqlmodel import Session

from dxdesk import demo_ids, tasks
from dxdesk.paths import resource_dir
from dxdesk.store.models import Unit


def demo_file() -> Path:
    return resource_dir() / "demo" / "demo.json"


def read() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(demo_file().read_text(encoding="utf-8"))
    return data


def _offset(today: dt.date, days: int | None) -> dt.date | None:
    return today + dt.timedelta(days=days) if days is not None else None


def task_values(raw: dict[str, Any], today: dt.date) -> dict[str, Any]:
    return {
        "id": demo_ids.task_id(raw["code"]),  # stable: loading twice updates
        "code": raw["code"],
        "title": raw["title"],
        "description": raw["description"],
        "doc_number": raw["doc_number"],
        "doc_date": dt.date.fromisoformat(raw["doc_date"]),
        "doc_issuer": raw["doc_issuer"],
        "unit_code": raw["unit"],
        "start_date": _offset(today, raw["start_offset_days"]),
        "deadline": _offset(today, raw["deadline_offset_days"]),
        "completed_on": _offset(today, raw["completed_offset_days"]),
        "progress": raw["progress"],
        "expected_output": raw["expected_output"],
        "indicators": raw["indicators"],
    }


def load(session: Session, today: dt.date, unit_code: str | None = None) -> int:
    """Load units and tasks (only ``unit_code``'s when given); returns tasks loaded."""
    data = read()
    for raw in data["units"]:
        unit = session.get(Unit, raw["code"]) or Unit(code=raw["code"], name=raw["name"])
        unit.name, unit.parent_code, unit.level = raw["name"], raw["parent"], raw["level"]
        session.add(unit)
    count = 0
    for raw in data["tasks"]:
        if unit_code is None or raw["unit"] == unit_code:
            tasks.upsert(session, task_values(raw, today))
            count += 1
    session.commit()
    return count


def load_many(session: Session, today: dt.date, count: int) -> None:
    """The demo set, then variations of its tasks up to ``count`` in all (deadlines
    spread over four months): a large unit, for benchmarks. Commits."""
    load(session, today)
    raw = read()["tasks"]
    for i in range(max(0, count - len(raw))):
        values = task_values(raw[i % len(raw)], today)
        values.update(
            id=str(uuid.uuid4()),
            code=f"NV-2026-{1000 + i}",
            deadline=today + dt.timedelta(days=(i % 120) - 60),
            completed_on=None,
        )
        tasks.upsert(session, values)
        if i % 2000 == 0:
            session.commit()
    session.commit()
