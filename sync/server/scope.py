"""Who may see which units: officers their own, reviewers a subtree, admins all;
and the namespace a task code is unique in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from sync.server.tables import Unit

ROLES = ("officer", "reviewer", "admin")
# Task codes are unique per province: each province numbers its own plans.
NAMESPACE_LEVEL = "province"


@dataclass(frozen=True)
class UnitTree:
    """Every unit's parent and level, read once."""

    parents: Mapping[str, str | None]
    levels: Mapping[str, str]

    @classmethod
    def read(cls, session: Session) -> UnitTree:
        rows = session.execute(select(Unit.code, Unit.parent_code, Unit.level)).all()
        return cls({r.code: r.parent_code for r in rows}, {r.code: r.level for r in rows})

    def namespace(self, unit_code: str) -> str:
        """The unit whose task codes ``unit_code``'s tasks share: the nearest
        province at or above it; without one (central agencies, a tree of other
        levels), the unit right below the root; a root unit is its own. Unrelated
        provinces never share one, so their codes neither collide nor leak."""
        chain = [unit_code]
        while (parent := self.parents.get(chain[-1])) is not None and parent not in chain:
            chain.append(parent)
        for code in chain:
            if self.levels.get(code) == NAMESPACE_LEVEL:
                return code
        return chain[-2] if len(chain) > 1 else chain[0]


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
