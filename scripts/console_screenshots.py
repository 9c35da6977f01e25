"""Screenshots of the reviewer console in Debian's chromium, in Vietnamese, into
docs/screenshots/console-*.png.

    uv run python scripts/console_screenshots.py [--out DIR]

Starts a demo ``dxdesk-server`` in a temporary folder, lets three demo officers'
devices sync signed reports (one with an indicator value, one later returned by the
province's reviewer), then signs the reviewer in and photographs every page at
1366×768, the commonest office screen, and the main pages again at 1024×600 (a small
laptop or netbook: ``console-*-1024.png``).
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from pathlib import Path
from typing import Any

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from dxdesk import signing
from dxdesk.canonical import content_hash
from sync.local_server import LocalServer
from sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.support import chromium
from tests.support.device import TestDevice

OFFICER_PASSWORD = "canbo-demo-2026"  # noqa: S105 (printed by `dxdesk-server demo`)
REVIEWER = ("ld.qn", "lanhdao-demo-2026")
REPORTS = {
    "cb.binhlieu": [
        (40, "Đã số hoá 480/1.200 hồ sơ đất đai", "Mất điện 3 ngày trong tuần", {"HS": 480}),
        (65, "Đã số hoá 780/1.200 hồ sơ; lắp thêm 1 máy quét", "", {"HS": 780}),
    ],
    "cb.hoanhmo": [
        (30, "Hoàn thành khảo sát 6/12 thôn về phủ sóng di động", "Đường vào 3 thôn bị sạt lở", {}),
    ],
    "cb.bache": [
        (90, "Đã tập huấn kỹ năng số cho 45 cán bộ, công chức", "", {}),
    ],
}


class Device:
    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base
        device = TestDevice()  # a key, and the login's proof that this device holds it
        self.key = device.key
        self.device_id = device.device_id
        self.http = requests.Session()
        self.http.headers[PROTOCOL_HEADER] = str(PROTOCOL_VERSION)
        login = self.http.post(
            f"{base}/api/v1/auth/login",
            json={"username": username, "password": password,
                  **device.login_fields(base, username)},
            timeout=30,
        )  # fmt: skip
        login.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {login.json()['token']}"

    def sync(self, **body: Any) -> dict[str, Any]:
        answer = self.http.post(f"{self.base}/api/v1/sync", json=body, timeout=60)
        answer.raise_for_status()
        data: dict[str, Any] = answer.json()
        return data

    def report(self, task: dict[str, Any], progress: int, results: str, difficulties: str,
               values: dict[str, Any]) -> str:  # fmt: skip
        body: dict[str, Any] = {
            "id": str(uuid.uuid4()), "task_id": task["id"], "progress": progress,
            "status_claim": "in_progress", "results": results, "difficulties": difficulties,
            "proposals": "", "indicator_values": values, "classification": "normal",
            "corrects_id": None, "author": "Cán bộ văn phòng",
            "created_at": "2026-11-28T08:30:00+00:00", "attachments": [],
        }  # fmt: skip
        body["content_sha256"] = content_hash(body)
        body["signature"] = signing.sign_report(self.key, body["content_sha256"])
        body["device_id"] = self.device_id
        ack = self.sync(reports=[body])["acks"][0]
        assert ack["status"] == "accepted", ack
        return str(body["id"])


def seed(base: str) -> list[str]:
    ids = []
    for username, items in REPORTS.items():
        device = Device(base, username, OFFICER_PASSWORD)
        tasks = device.sync()["tasks"]
        with_indicators = [t for t in tasks if t["indicators"]] or tasks
        for n, (progress, results, difficulties, values) in enumerate(items):
            task = with_indicators[0] if values else tasks[(n + 1) % len(tasks)]
            ids.append(device.report(task, progress, results, difficulties, values))
    return ids


def shoot(base: str, out: Path, report_ids: list[str]) -> None:
    driver = chromium.start(1366, 768)
    try:

        def save(name: str) -> None:
            driver.execute_script("window.scrollTo(0, 0);")
            driver.save_screenshot(str(out / f"console-{name}.png"))
            print("wrote", out / f"console-{name}.png")

        driver.get(f"{base}/console/login")
        save("login")
        driver.find_element(By.ID, "username").send_keys("cb.binhlieu")
        driver.find_element(By.ID, "password").send_keys(OFFICER_PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        save("officer-refused")
        driver.get(f"{base}/console/login")
        driver.find_element(By.ID, "username").send_keys(REVIEWER[0])
        driver.find_element(By.ID, "password").send_keys(REVIEWER[1])
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        WebDriverWait(driver, 15).until(ec.url_contains("/console/overview"))
        save("overview")
        driver.set_window_size(1366, 2200)
        driver.save_screenshot(str(out / "console-overview-full.png"))
        driver.set_window_size(1366, 768)
        driver.get(f"{base}/console/overview?unit=QN-BINHLIEU")
        save("commune")
        driver.get(f"{base}/console/reports")
        save("inbox")
        driver.get(f"{base}/console/tasks?unit=QN-HOANHMO")
        save("tasks")
        edit = driver.find_element(By.CSS_SELECTOR, "td.row-actions a")
        edit.click()
        WebDriverWait(driver, 15).until(ec.url_contains("/edit"))
        save("task-edit")
        driver.get(f"{base}/console/tasks?unit=QN-HOANHMO")
        driver.find_element(By.CSS_SELECTOR, 'td.row-actions a[href$="/complete"]').click()
        WebDriverWait(driver, 15).until(ec.url_contains("/complete"))
        save("task-complete")
        driver.get(f"{base}/console/reports/{report_ids[1]}")
        driver.find_element(By.ID, "comment").send_keys(
            "Đề nghị bổ sung biên bản nghiệm thu máy quét."
        )
        driver.find_element(By.CSS_SELECTOR, 'button[value="return"]').click()
        WebDriverWait(driver, 15).until(
            ec.text_to_be_present_in_element((By.TAG_NAME, "main"), "Đã trả lại")
        )
        save("report")
        driver.get(f"{base}/console/reports/{uuid.uuid4()}")
        save("not-found")
        driver.set_window_size(1024, 600)
        for name, path in (
            ("overview-1024", "/console/overview"),
            ("inbox-1024", "/console/reports"),
            ("report-1024", f"/console/reports/{report_ids[1]}"),
            ("tasks-1024", "/console/tasks?unit=QN-HOANHMO"),
        ):
            driver.get(base + path)
            save(name)
    finally:
        driver.quit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dxdesk-console-shots-") as folder:
        server = LocalServer(Path(folder))
        server.start(demo=True)
        try:
            shoot(server.url, args.out.resolve(), seed(server.url))
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
