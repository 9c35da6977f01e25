"""No module imports, even lazily or through others, a module that imports it back
(ui/app -> shell -> desktop -> app, launcher <-> demo and sync/cli <-> bundle_cli
did): each one can be read, tested and loaded on its own."""

from __future__ import annotations

import grimp
import pytest


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("ui", "sync", "dxdesk", cache_dir=None)


@pytest.mark.parametrize("package", ["ui", "sync", "dxdesk"])
def test_no_import_cycles(graph: grimp.ImportGraph, package: str) -> None:
    modules = graph.find_descendants(package) | {package}
    cycles = []
    for importer in sorted(modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & modules):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                cycles.append(" -> ".join((importer, *back)))
    assert cycles == []
