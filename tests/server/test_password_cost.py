"""The server's Argon2 cost: production default, a cheaper setting, never below OWASP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import extract_parameters

from sync.server import security
from sync.server.config import PASSWORD_COST_ENV, PasswordCost, password_cost

UseCost = Callable[[str | None], None]
SERVER = Path(sys.executable).with_name("dxdesk-server")


@pytest.fixture
def fresh_hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[UseCost]:
    """The hasher is read once per process; each test chooses its own environment."""

    def use(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv(PASSWORD_COST_ENV, raising=False)
        else:
            monkeypatch.setenv(PASSWORD_COST_ENV, value)
        security._hasher.cache_clear()
        security._dummy_hash.cache_clear()

    yield use
    security._hasher.cache_clear()
    security._dummy_hash.cache_clear()


def test_the_default_is_the_production_cost(fresh_hasher: UseCost) -> None:
    fresh_hasher(None)
    params = extract_parameters(security.hash_password("mat-khau-dung"))
    assert (params.time_cost, params.memory_cost, params.parallelism) == (3, 64 * 1024, 4)
    assert password_cost("") == PasswordCost(3, 64, 4)


def test_a_cheaper_cost_applies_to_new_hashes_old_ones_still_verify(fresh_hasher: UseCost) -> None:
    fresh_hasher(None)
    made_at_default = security.hash_password("mat-khau-dung")
    fresh_hasher("2,19,1")
    cheap = security.hash_password("mat-khau-dung")
    params = extract_parameters(cheap)
    assert (params.time_cost, params.memory_cost, params.parallelism) == (2, 19 * 1024, 1)
    # Each hash carries its own cost: changing the setting locks nobody out.
    assert security.verify_password(made_at_default, "mat-khau-dung")
    assert not security.verify_password(made_at_default, "mat-khau-sai")
    fresh_hasher(None)
    assert security.verify_password(cheap, "mat-khau-dung")
    assert not security.verify_password(None, "mat-khau-dung")


@pytest.mark.parametrize(
    "value", ["1,8,1", "2,6,1", "0,64,4", "3,64,0", "3,64", "ba,64,4", "3;64;4"]
)
def test_weak_or_malformed_costs_are_refused_by_name(value: str) -> None:
    with pytest.raises(ValueError, match=PASSWORD_COST_ENV):
        password_cost(value)


def test_owasp_minimum_lines_are_accepted() -> None:
    for value in ("2,19,1", "3,12,1", "5,7,1", "1,47,1"):
        assert password_cost(value).time_cost * password_cost(value).memory_mib >= 35


def test_the_server_command_names_a_wrong_cost_before_doing_anything(tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(SERVER), "unit", "list", "--home", str(tmp_path / "srv")],
        capture_output=True,
        text=True,
        env={**os.environ, PASSWORD_COST_ENV: "1,8,1"},
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    assert PASSWORD_COST_ENV in proc.stderr and "OWASP" in proc.stderr
    assert not (tmp_path / "srv").exists() or not any((tmp_path / "srv").iterdir())
