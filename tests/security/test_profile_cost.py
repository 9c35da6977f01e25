"""The Argon2 cost of client profiles: the production default, the test suite's
cheaper setting (DXDESK_PROFILE_ARGON2, floored at OWASP's minimum), and that each
key file opens at the cost it records, whatever is set later."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dxdesk.identity.vault import COST_ENV, KdfParams, Vault, VaultError

ACCOUNT = "cb.binhlieu@https://dx.example"
PRODUCTION = KdfParams(time_cost=3, memory_kib=64 * 1024, parallelism=2)
CHEAP = KdfParams(time_cost=2, memory_kib=19 * 1024, parallelism=1)


def recorded(vault: Vault) -> KdfParams:
    kdf = json.loads(vault.key_file.read_text(encoding="utf-8"))["kdf"]
    return KdfParams(kdf["time_cost"], kdf["memory_kib"], kdf["parallelism"])


def test_the_production_default_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(COST_ENV, raising=False)
    assert KdfParams() == PRODUCTION
    assert KdfParams.configured() == PRODUCTION
    assert KdfParams.configured(" ") == PRODUCTION


def test_the_suite_makes_its_profiles_at_owasps_minimum() -> None:
    # Set in tests/conftest.py for every profile the tests make, in-process or not.
    assert os.environ[COST_ENV] == "2,19,1"
    assert KdfParams.configured() == CHEAP


@pytest.mark.parametrize(
    "raw", ["1,19,1", "2,17,1", "5,6,1", "0,64,1", "2,19,0", "-2,-19,1", "fast", "2,19", "2,19,1,1"]
)
def test_a_cost_below_owasps_minimum_or_malformed_is_refused(
    raw: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(COST_ENV, raw)
    vault = Vault(tmp_path / "u")
    with pytest.raises(VaultError) as refused:
        vault.create(ACCOUNT, "mật khẩu đúng")
    assert f"{COST_ENV}={raw} " in str(refused.value)
    assert "OWASP" in str(refused.value)
    assert refused.value.message is not None
    assert "tối thiểu" in refused.value.message.text("vi")
    assert not vault.exists()


def test_a_cost_at_or_above_the_minimum_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    assert KdfParams.configured("3,12,1") == KdfParams(3, 12 * 1024, 1)
    assert KdfParams.configured("5,7,1") == KdfParams(5, 7 * 1024, 1)
    monkeypatch.setenv(COST_ENV, "4,128,4")
    assert KdfParams.configured() == KdfParams(4, 128 * 1024, 4)


@pytest.mark.parametrize(("made_at", "opened_at"), [("2,19,1", ""), ("", "2,19,1")])
def test_a_profile_made_at_either_cost_unlocks_under_the_other(
    made_at: str, opened_at: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(COST_ENV, made_at)
    key = Vault(tmp_path / "u").create(ACCOUNT, "mật khẩu đúng")
    assert recorded(Vault(tmp_path / "u")) == (CHEAP if made_at else PRODUCTION)
    monkeypatch.setenv(COST_ENV, opened_at)
    assert Vault(tmp_path / "u").unlock("mật khẩu đúng") == key


def test_a_cheaper_setting_later_does_not_weaken_a_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(COST_ENV)
    key = Vault(tmp_path / "u").create(ACCOUNT, "mật khẩu cũ")
    monkeypatch.setenv(COST_ENV, "2,19,1")
    vault = Vault(tmp_path / "u")
    vault.rewrap(key, "mật khẩu mới")  # a password changed on the server
    assert recorded(vault) == PRODUCTION
    assert vault.unlock("mật khẩu mới") == key


def test_a_bad_setting_never_stops_an_unlock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Vault(tmp_path / "u").create(ACCOUNT, "mật khẩu đúng")
    monkeypatch.setenv(COST_ENV, "1,1,1")
    assert Vault(tmp_path / "u").unlock("mật khẩu đúng") == key
