"""The unit tree as the console walks it: names, parents, children, subtrees."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.server.scope import Scope
from sync.server.tables import Unit


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str
    parent: str | None
    level: str


class Tree:
    """Every unit, read once per page (a national tree is ~3,400 rows)."""

    def __init__(self, session: Session) -> None:
        self.units: dict[str, UnitInfo] = {}
        self.children: dict[str, list[str]] = {}
        rows = session.execute(select(Unit.code, Unit.name, Unit.parent_code, Unit.level))
        for code, name, parent, level in rows:
            self.units[code] = UnitInfo(code, name, parent, level)
            if parent is not None:
                self.children.setdefault(parent, []).append(code)
        for kids in self.children.values():
            kids.sort(key=lambda c: self.units[c].name)

    def subtree(self, root: str) -> list[str]:
        found: list[str] = []
        seen: set[str] = set()
        stack = [root]
        while stack:  # iterative, and safe against an accidental cycle
            code = stack.pop()
            if code not in seen and code in self.units:
                seen.add(code)
                found.append(code)
                stack.extend(self.children.get(code, []))
        return found

    def name(self, code: str) -> str:
        info = self.units.get(code)
        return info.name if info is not None else code

    def path(self, code: str, scope_root: str | None) -> list[UnitInfo]:
        """From the top the user may see down to ``code``, for breadcrumbs."""
        out: list[UnitInfo] = []
        current: str | None = code
        while current is not None and current in self.units:
            out.append(self.units[current])
            if current == scope_root:
                break
            current = self.units[current].parent
        return list(reversed(out))


def home_unit(unit_code: str, tree: Tree) -> str:
    """Where the overview starts: the user's unit (an admin's too, if it exists)."""
    if unit_code in tree.units:
        return unit_code
    roots = sorted(c for c, u in tree.units.items() if u.parent is None)
    return roots[0] if roots else unit_code


def visible(scope: Scope, code: str, tree: Tree) -> bool:
    return code in tree.units and scope.allows(code)
