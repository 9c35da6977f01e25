"""Which chromium the console's browser tests drive, and what a missing one means: a
failure on Debian (CI installs it), a skip that says what to install on Ubuntu, whose
chromium debs are snap stubs that cannot run in a chroot or container."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.chromium import Browser, locate, os_release_ids

DEBIAN_12 = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
UBUNTU_24 = 'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n'
MINT_22 = "NAME=\"Linux Mint\"\nID=linuxmint\nID_LIKE='ubuntu debian'\n"


def nothing_on_path(_name: str) -> None:
    return None


def test_os_release_ids_take_id_and_id_like() -> None:
    assert os_release_ids(DEBIAN_12) == {"debian"}
    assert os_release_ids(UBUNTU_24) == {"ubuntu", "debian"}
    assert os_release_ids(MINT_22) == {"linuxmint", "ubuntu", "debian"}
    assert os_release_ids("") == set()


def test_a_missing_chromium_fails_on_debian() -> None:
    with pytest.raises(pytest.fail.Exception, match="chromium and chromedriver not found"):
        locate({}, DEBIAN_12, nothing_on_path)


def test_a_missing_chromium_fails_where_the_distribution_is_unknown() -> None:
    with pytest.raises(pytest.fail.Exception):
        locate({}, "", nothing_on_path)


@pytest.mark.parametrize("release", [UBUNTU_24, MINT_22])
def test_a_missing_chromium_skips_on_ubuntu_and_says_what_to_install(release: str) -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        locate({}, release, nothing_on_path)
    reason = str(skipped.value)
    assert "only as a snap" in reason
    assert "non-snap chromium and chromedriver on the PATH" in reason
    assert "DXDESK_CHROMIUM" in reason


def test_only_the_missing_one_is_named(tmp_path: Path) -> None:
    chromium = tmp_path / "chromium"
    chromium.write_text("")
    with pytest.raises(pytest.fail.Exception, match=r"^chromedriver not found"):
        locate({"DXDESK_CHROMIUM": str(chromium)}, DEBIAN_12, nothing_on_path)


def test_the_environment_names_a_browser_the_path_lacks(tmp_path: Path) -> None:
    chromium, driver = tmp_path / "chrome", tmp_path / "chromedriver"
    chromium.write_text("")
    driver.write_text("")
    environ = {"DXDESK_CHROMIUM": str(chromium), "DXDESK_CHROMEDRIVER": str(driver)}
    assert locate(environ, UBUNTU_24, nothing_on_path) == Browser(chromium, driver)


def test_the_path_is_used_otherwise(tmp_path: Path) -> None:
    (tmp_path / "chromium").write_text("")
    (tmp_path / "chromedriver").write_text("")

    def which(name: str) -> str | None:
        return str(tmp_path / name)

    assert locate({}, DEBIAN_12, which) == Browser(tmp_path / "chromium", tmp_path / "chromedriver")


def test_a_named_file_that_is_not_there_counts_as_missing(tmp_path: Path) -> None:
    environ = {"DXDESK_CHROMIUM": str(tmp_path / "gone"), "DXDESK_CHROMEDRIVER": "/nonexistent"}
    with pytest.raises(pytest.skip.Exception):
        locate(environ, UBUNTU_24, nothing_on_path)
