"""Debian's chromium driven by Selenium through Debian's chromedriver: nothing is
downloaded (Selenium Manager is never asked), headless, as root in CI too."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM = Path("/usr/bin/chromium")


def start(width: int = 1366, height: int = 768, lang: str = "vi") -> webdriver.Chrome:
    if not CHROMEDRIVER.exists() or not CHROMIUM.exists():
        pytest.skip("chromium and chromium-driver are not installed (./dx test installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
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
    service = Service(executable_path=str(CHROMEDRIVER))
    assert shutil.which(str(CHROMEDRIVER))
    return webdriver.Chrome(options=options, service=service)
