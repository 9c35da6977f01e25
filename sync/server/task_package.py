"""Task packages: the downstream half of a sync, on a USB stick.

``dxdesk-server export-tasks --unit CODE FILE`` writes everything a device of that
unit would pull — every task of the unit as ``TaskOut`` and every review outcome
(returned or accepted reports, with comments) as ``ReviewOut`` — signed with the
server's Ed25519 key. ``dxdesk import-tasks FILE`` verifies it and applies it
through the same code as a sync pull. Each task carries its change version and each
review its time, so an older package never undoes newer data; ``sequence`` (the
server's change counter when the package was made) orders packages for people.

Signed, not encrypted: the carrier can read the unit's tasks and review comments.
"""

from __future__ import annotations

import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from dxdesk.clock import utcnow
from sync.protocol import signed_doc
from sync.server import audit, keys, tasks, versions
from sync.server.pull import review_out
from sync.server.tables import Report, Task, Unit

KIND = "tasks"
FORMAT = 1


class UnknownUnitError(LookupError):
    pass


def export(
    session: Session, unit_code: str, signing_key: Ed25519PrivateKey, actor: str = "admin"
) -> tuple[bytes, int, int]:
    """The package file for ``unit_code``, and how many tasks and reviews it holds."""
    if session.get(Unit, unit_code) is None:
        raise UnknownUnitError(f"no unit {unit_code!r}")
    sequence = versions.current(session)  # first: every version up to it is committed
    unit_tasks = session.scalars(
        select(Task)
        .where(Task.unit_code == unit_code, Task.version <= sequence, Task.withdrawn_at.is_(None))
        .order_by(Task.code)
    ).all()
    reviewed = session.scalars(
        select(Report)
        .where(
            Report.unit_code == unit_code,
            Report.review_version.is_not(None),
            Report.review_version <= sequence,
        )
        .order_by(Report.review_version)
    ).all()
    body = {
        "format": FORMAT,
        "kind": KIND,
        "package_id": str(uuid.uuid4()),
        "unit_code": unit_code,
        "sequence": sequence,
        "created_at": utcnow().isoformat(),
        "server": keys.signing_fingerprint(signing_key),
        "tasks": [tasks.to_wire(task).model_dump(mode="json") for task in unit_tasks],
        "reviews": [review_out(report).model_dump(mode="json") for report in reviewed],
    }
    audit.record(
        session, actor, "tasks.export", unit_code,
        tasks=len(unit_tasks), reviews=len(reviewed), sequence=sequence,
    )  # fmt: skip
    return signed_doc.dump(KIND, body, signing_key), len(unit_tasks), len(reviewed)
