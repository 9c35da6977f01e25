"""The console in a real browser (Debian's chromium): a report an officer's device
syncs appears without a reload, is returned with a comment that the officer's next
sync receives; hostile report text stays inert; another province gets a 404."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from sync.server import accounts
from sync.server.db import Database
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
