"""The import-linter contracts in pyproject.toml (run by `./dx test`) catch what they name.

Each contract is run on a copy of the three packages, once as they are (kept) and once
with one offending import added (broken): a contract that cannot fail guards nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("dxdesk", "sync", "ui")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# contract id -> (file to add the import to, the import that breaks the contract)
BREAKS = {
    "layers": ("dxdesk/clock.py", "import sync.engine"),
    "core-no-qt-http-server": ("dxdesk/text.py", "import requests"),
    "sync-no-qt": ("sync/backoff.py", "import PySide6.QtCore"),
    "server-only-protocol": ("sync/server/audit.py", "import sync.transport"),
}


def _config() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        config: dict[str, Any] = tomllib.load(file)["tool"]["importlinter"]
    return config


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("tree")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def _lint(tree: Path, contract: str) -> subprocess.CompletedProcess[str]:
    # The copy comes first on the path, ahead of the installed (editable) packages.
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--contract", contract],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_contract_has_a_break() -> None:
    ids = {contract["id"] for contract in _config()["contracts"]}
    assert ids == set(BREAKS)


@pytest.mark.parametrize("contract", sorted(BREAKS))
def test_contract_fails_when_broken(pristine: Path, tmp_path: Path, contract: str) -> None:
    kept = _lint(pristine, contract)
    assert kept.returncode == 0, kept.stdout + kept.stderr

    tree = tmp_path / "tree"
    shutil.copytree(pristine, tree)
    target, offending = BREAKS[contract]
    with (tree / target).open("a", encoding="utf-8") as file:
        file.write(f"\n{offending}  # noqa\n")
    broken = _lint(tree, contract)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "BROKEN" in broken.stdout
    importer = target.removesuffix(".py").replace("/", ".")
    assert f"{importer} -> {offending.split()[-1].split('.')[0]}" in broken.stdout


def test_server_contract_names_every_client_module() -> None:
    # A new client-side module in sync/ is forbidden to the server without anyone
    # remembering to list it: the list must name every sibling of protocol and server.
    (server,) = (c for c in _config()["contracts"] if c["id"] == "server-only-protocol")
    siblings = {
        f"sync.{path.stem if path.suffix == '.py' else path.name}"
        for path in (ROOT / "sync").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    }
    client_side = siblings - {"sync.protocol", "sync.server"}
    assert client_side <= set(server["forbidden_modules"])
