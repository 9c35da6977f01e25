"""The system's chromium driven by Selenium through its chromedriver: nothing is
downloaded (Selenium Manager is never asked), headless, as root in CI too.

Where they are: DXDESK_CHROMIUM and DXDESK_CHROMEDRIVER when set, else `chromium` and
`chromedriver` on the PATH (Debian's chromium and chromium-driver, which ./dx test
installs). Missing, the browser tests fail, except on Ubuntu: its chromium debs only
install the snap, which cannot run in a chroot or container, so ./dx leaves them out
and the tests skip there, saying what to install."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

OS_RELEASE = Path("/etc/os-release")
SNAP_ONLY_DISTRIBUTIONS = {"ubuntu"}  # ID or ID_LIKE in os-release


@dataclass(frozen=True)
class Browser:
    chromium: Path
    chromedriver: Path


def os_release_ids(text: str) -> set[str]:
    """ID and every ID_LIKE of an os-release file's text."""
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip().strip("\"'")
    return {fields.get("ID", ""), *fields.get("ID_LIKE", "").split()} - {""}


def locate(
    environ: Mapping[str, str],
    os_release: str,
    which: Callable[[str], str | None] = shutil.which,
) -> Browser:
    """The browser to drive; else the test skips where the distribution ships chromium
    only as a snap, and fails everywhere else (a CI machine without it is broken)."""
    chromium = environ.get("DXDESK_CHROMIUM") or which("chromium")
    chromedriver = environ.get("DXDESK_CHROMEDRIVER") or which("chromedriver")
    if chromium and chromedriver and Path(chromium).is_file() and Path(chromedriver).is_file():
        return Browser(Path(chromium), Path(chromedriver))
    missing = " and ".join(
        name
        for name, path in (("chromium", chromium), ("chromedriver", chromedriver))
        if not path or not Path(path).is_file()
    )
    if os_release_ids(os_release) & SNAP_ONLY_DISTRIBUTIONS:
        pytest.skip(
            f"{missing} not found: this distribution ships chromium only as a snap, which "
            "./dx does not install (it cannot run in a chroot or container); put a non-snap "
            "chromium and chromedriver on the PATH or set DXDESK_CHROMIUM and DXDESK_CHROMEDRIVER"
        )
    pytest.fail(
        f"{missing} not found: install chromium and chromium-driver (./dx test does), "
        "or set DXDESK_CHROMIUM and DXDESK_CHROMEDRIVER"
    )


def start(width: int = 1366, height: int = 768, lang: str = "vi") -> webdriver.Chrome:
    release = OS_RELEASE.read_text(encoding="utf-8") if OS_RELEASE.exists() else ""
    browser = locate(os.environ, release)
    options = webdriver.ChromeOptions()
    options.binary_location = str(browser.chromium)
    for argument in (
        "--headless=new",
        f"--window-size={width},{height}",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--lang={lang}",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
    ):
        options.add_argument(argument)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # chromium refuses to run as root otherwise
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=str(browser.chromedriver))
    return webdriver.Chrome(options=options, service=service)
