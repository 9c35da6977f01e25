"""Who may see which units: officers their own, reviewers a subtree, admins all."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from sync.server.tables import Unit

ROLES = ("officer", "reviewer", "admin")


def subtree(session: Session, root: str) -> frozenset[str]:
    children: dict[str, list[str]] = {}
    for code, parent in session.execute(select(Unit.code, Unit.parent_code)):
        if parent is not None:
            children.setdefault(parent, []).append(code)
    found: set[str] = set()
    stack = [root]
    while stack:  # iterative, and safe against an accidental cycle
        code = stack.pop()
        if code not in found:
            found.add(code)
            stack.extend(children.get(code, []))
    return frozenset(found)


@dataclass(frozen=True)
class Scope:
    """The units a user may read and write; ``None`` means every unit."""

    units: frozenset[str] | None

    @classmethod
    def of(cls, session: Session, role: str, unit_code: str) -> Scope:
        if role == "admin":
            return cls(None)
        if role == "reviewer":
            return cls(subtree(session, unit_code))
        return cls(frozenset({unit_code}))

    def allows(self, unit_code: str) -> bool:
        return self.units is None or unit_code in self.units

    def where(self, column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
        if self.units is None:
            return true()
        return column.in_(sorted(self.units))
