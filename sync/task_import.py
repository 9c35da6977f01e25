"""``dxdesk import-tasks``: a signed task package from the server, on a USB stick.

Checked with the server's signing key (learnt at login) and refused unless it is
for this user's unit; then applied with the sync pull's own code
(``sync.apply.apply_package``), in one transaction. Only what is newer than the
local copy changes — a task by its change version, a review by its time — so an
old package never undoes a later sync, and importing one twice changes nothing.
The sync cursor is left alone: the next sync simply brings the same changes again.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from dxdesk.identity import trusted_server_key
from dxdesk.profile import Profile
from sync import client_account
from sync.apply import PackageResult, apply_package
from sync.protocol import ReviewOut, TaskOut
from sync.protocol.bundle_format import login_needed, open_signed, refused

KIND = "tasks"


@dataclass(frozen=True)
class ImportedPackage:
    unit_code: str
    created_at: str
    sequence: int
    result: PackageResult

    def as_json(self) -> dict[str, object]:
        return {
            "unit_code": self.unit_code,
            "created_at": self.created_at,
            "sequence": self.sequence,
            "tasks_changed": self.result.tasks_changed,
            "tasks_unchanged": self.result.tasks_unchanged,
            "reviews_changed": self.result.reviews_changed,
            "reviews_unchanged": self.result.reviews_unchanged,
        }


def _parse(
    data: bytes, signing_key: str
) -> tuple[dict[str, object], list[TaskOut], list[ReviewOut]]:
    body = open_signed(KIND, data, signing_key, "package")
    shape = (
        body.get("kind") == KIND
        and isinstance(body.get("unit_code"), str)
        and isinstance(body.get("created_at"), str)
        and isinstance(body.get("sequence"), int)
        and isinstance(body.get("tasks"), list)
        and isinstance(body.get("reviews"), list)
    )
    if not shape:
        raise refused("package_unreadable", detail="not a task package")
    try:
        task_list = [TaskOut.model_validate(item) for item in body["tasks"]]
        reviews = [ReviewOut.model_validate(item) for item in body["reviews"]]
    except ValidationError as exc:
        raise refused("package_unreadable", detail="tasks or reviews") from exc
    return body, task_list, reviews


def import_tasks(profile: Profile, data: bytes, *, actor: str = "") -> ImportedPackage:
    with profile.db.session() as session:
        signing_key = trusted_server_key.signing_known(session)
        who = client_account.current(session)
        if signing_key is None or who is None:
            raise login_needed("server_signing_key_unknown")
        body, task_list, reviews = _parse(data, signing_key)
        unit = str(body["unit_code"])
        if unit != who.unit_code or any(task.unit_code != unit for task in task_list):
            raise refused("package_other_unit", unit=unit, own_unit=who.unit_code)
        result = apply_package(session, task_list, reviews, actor=actor)
        session.commit()
    return ImportedPackage(unit, str(body["created_at"]), int(str(body["sequence"])), result)
