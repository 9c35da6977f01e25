"""The console in a real browser (Debian's chromium): a report an officer's device
syncs appears without a reload, is returned with a comment that the officer's next
sync receives; hostile report text stays inert; another province gets a 404; the
exported workbook downloads and opens; a sheet with bad rows names them, imports nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import openpyxl
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from sync.server import accounts
from sync.server.console import export
from sync.server.db import Database
from sync.server.tables import Task
from tests.server.conftest import PASSWORD, World, report_body
from tests.support import chromium

# The page polls every 3 s and the change token is recomputed at most once a second.
LIVE_WAIT_S = 20


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    driver = chromium.start()
    yield driver
    driver.quit()


def _sign_in(driver: webdriver.Chrome, base: str, username: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{base}/console/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 15).until(ec.url_contains("/console/overview"))


def test_a_synced_report_appears_live_and_its_return_reaches_the_officer(
    world: World, browser: webdriver.Chrome
) -> None:
    base = world.server.base
    _sign_in(browser, base, world.usernames["rv"])
    browser.find_element(By.LINK_TEXT, "Báo cáo").click()
    WebDriverWait(browser, 15).until(ec.url_contains("/console/reports"))
    browser.execute_script("window.__notReloaded = true;")
    cursor = world.officer_a.sync()["cursor"]

    body = report_body(world.tasks_a[0], progress=65, results="Đã lắp 12 điểm Wi-Fi công cộng")
    world.officer_a.sync(reports=[body])  # a real device's sync, signed with its key
    row = (By.CSS_SELECTOR, f'tr[data-report="{body["id"]}"]')
    WebDriverWait(browser, LIVE_WAIT_S).until(ec.presence_of_element_located(row))
    assert browser.execute_script("return window.__notReloaded === true;")  # no reload
    assert "Đã lắp 12 điểm Wi-Fi công cộng" in browser.find_element(*row).text

    browser.find_element(*row).find_element(By.TAG_NAME, "a").click()
    WebDriverWait(browser, 15).until(ec.url_contains(body["id"]))
    browser.find_element(By.ID, "comment").send_keys("Bổ sung ảnh chụp các điểm Wi-Fi")
    browser.find_element(By.CSS_SELECTOR, 'button[value="return"]').click()
    WebDriverWait(browser, 15).until(
        ec.text_to_be_present_in_element((By.TAG_NAME, "main"), "Đã trả lại")
    )
    pulled = world.officer_a.sync(cursor=cursor)
    assert [(r["report_id"], r["state"], r["comment"]) for r in pulled["reviews"]] == [
        (body["id"], "returned", "Bổ sung ảnh chụp các điểm Wi-Fi")
    ]


HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


def test_hostile_report_text_renders_inert_and_other_provinces_get_404(
    world: World, browser: webdriver.Chrome, server_db: Database
) -> None:
    base = world.server.base
    body = report_body(world.tasks_a[0], results=HOSTILE, difficulties=HOSTILE)
    world.officer_a.sync(reports=[body])
    _sign_in(browser, base, world.usernames["rv"])
    for path in (f"/console/reports/{body['id']}", "/console/reports"):
        browser.get(base + path)
        assert browser.execute_script("return window.__pwned;") is None
        assert not browser.find_elements(By.CSS_SELECTOR, "main script, main img")
    browser.get(f"{base}/console/reports/{body['id']}")
    assert HOSTILE in browser.find_element(By.TAG_NAME, "main").text  # shown as text

    other = f"O{world.prefix}"
    with server_db.write() as session:
        accounts.add_unit(session, other, "Tỉnh Khác", None, "province")
        accounts.add_user(session, username=f"rvo.{world.prefix.lower()}", password=PASSWORD,
                          role="reviewer", unit_code=other)  # fmt: skip
    _sign_in(browser, base, f"rvo.{world.prefix.lower()}")
    browser.get(f"{base}/console/reports/{body['id']}")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Không tìm thấy"
    assert "window.__pwned" not in browser.page_source


def _downloaded(browser: webdriver.Chrome, folder: Path, suffix: str) -> Path:
    """The finished download (Chrome writes ``*.crdownload`` until it is complete)."""

    def finished(_driver: object) -> Path | Literal[False]:
        names = list(folder.iterdir())
        done = [p for p in names if p.name.endswith(suffix)]
        partial = any(p.name.endswith(".crdownload") for p in names)
        return done[0] if done and not partial else False

    found: Path = WebDriverWait(browser, 20).until(finished)
    return found


def test_the_exported_workbook_downloads_through_the_browser_with_the_right_rows(
    world: World, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    base = world.server.base
    body = report_body(world.tasks_a[0], progress=55, results="Đã số hoá 300 hồ sơ")
    world.officer_a.sync(reports=[body])
    browser.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    _sign_in(browser, base, world.usernames["rv"])
    browser.find_element(By.PARTIAL_LINK_TEXT, "Excel (.xlsx)").click()
    saved = _downloaded(browser, tmp_path, ".xlsx")
    assert saved.name.startswith("theo-doi-")

    sheet = openpyxl.load_workbook(saved).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == export.HEADERS_VI
    by_code = {row[1]: row for row in rows[2:]}
    p = world.prefix
    assert set(by_code) == {f"{p}-A0", f"{p}-A1", f"{p}-B0"}
    reported = by_code[f"{p}-A0"]
    assert (reported[4], reported[6], reported[8]) == ("Xã A", 55, "Đã số hoá 300 hồ sơ")
    assert by_code[f"{p}-B0"][8] in (None, "")  # no report yet: no results
    assert [r[0] for r in rows[2:]] == list(range(1, len(rows) - 1))  # STT


def test_a_sheet_with_bad_rows_uploaded_in_the_browser_is_listed_and_nothing_imported(
    world: World, browser: webdriver.Chrome, server_db: Database, tmp_path: Path
) -> None:
    p = world.prefix
    sheet = tmp_path / "nhiem-vu.csv"
    sheet.write_text(
        "Mã;Tên nhiệm vụ;Đơn vị;Thời hạn\n"
        f"{p}-S1;Rà soát hồ sơ;{world.unit_a};15/01/2027\n"
        f"{p}-S2;Thiếu thời hạn;{world.unit_a};\n"
        f"{p}-S3;Ngày sai;{world.unit_b};31/02/2027\n",
        encoding="utf-8-sig",
    )
    _sign_in(browser, world.server.base, world.usernames["rv"])
    browser.find_element(By.LINK_TEXT, "Nhiệm vụ").click()
    WebDriverWait(browser, 15).until(ec.url_contains("/console/tasks"))
    browser.find_element(By.ID, "sheet").send_keys(str(sheet))
    browser.find_element(By.CSS_SELECTOR, 'form[action="/console/tasks/import"] button').click()
    WebDriverWait(browser, 15).until(ec.presence_of_element_located((By.ID, "h-problems")))
    problems = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ul.problems li")]
    assert [text.split(":")[0] for text in problems] == ["row 3", "row 4"], problems
    with server_db.read() as session:
        codes = [f"{p}-S1", f"{p}-S2", f"{p}-S3"]
        assert not list(session.scalars(select(Task).where(Task.code.in_(codes))))


def test_an_indicator_target_is_set_in_the_browsers_edit_form(
    world: World, browser: webdriver.Chrome, server_db: Database
) -> None:
    task_id = world.tasks_b[0]
    _sign_in(browser, world.server.base, world.usernames["rv"])
    browser.get(f"{world.server.base}/console/tasks/{task_id}/edit")
    for part, typed in (("code", "HS"), ("name", "Hồ sơ số hoá"), ("unit", "hồ sơ"),
                        ("target", "1200")):  # fmt: skip
        browser.find_element(By.NAME, f"ind-0-{part}").send_keys(typed)
    browser.find_element(By.CSS_SELECTOR, "form.stack button.primary").click()
    WebDriverWait(browser, 15).until(ec.url_contains("/console/tasks?unit="))
    with server_db.read() as session:
        task = session.get(Task, task_id)
        assert task is not None
        assert [(i["code"], i["target"]) for i in task.indicators] == [("HS", 1200)]


# Every form control named for a screen reader; the page never wider than the window.
_LAYOUT_PROBLEMS = """
const problems = [];
for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea, button')) {
  const named = (el.labels && el.labels.length) || el.getAttribute('aria-label')
    || (el.tagName === 'BUTTON' && el.textContent.trim());
  if (!named) problems.push('unlabelled ' + el.outerHTML.slice(0, 80));
}
if (document.documentElement.scrollWidth > window.innerWidth + 1)
  problems.push('page wider than the window: ' + document.documentElement.scrollWidth);
return problems;
"""


def test_every_page_fits_1024x600_is_labelled_and_starts_with_a_skip_link(world: World) -> None:
    body = report_body(world.tasks_a[0], results="Đã lắp 12 điểm Wi-Fi công cộng")
    world.officer_a.sync(reports=[body])
    task_id = world.tasks_a[0]
    driver = chromium.start(1024, 600)
    try:
        base = world.server.base
        driver.get(f"{base}/console/login")
        assert driver.execute_script(_LAYOUT_PROBLEMS) == []
        _sign_in(driver, base, world.usernames["rv"])
        for path in (
            "/console/overview",
            "/console/reports",
            f"/console/reports/{body['id']}",
            "/console/tasks",
            f"/console/tasks/{task_id}/edit",
            f"/console/tasks/{task_id}/complete",
        ):
            driver.get(base + path)
            assert driver.execute_script(_LAYOUT_PROBLEMS) == [], path
            # Keyboard: the first Tab reaches "skip to content", which leads to <main>.
            driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
            first = driver.switch_to.active_element
            assert (first.get_attribute("href") or "").endswith("#main"), path
            first.send_keys(Keys.ENTER)
            assert driver.execute_script("return location.hash") == "#main"
    finally:
        driver.quit()
