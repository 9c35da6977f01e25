"""The reviewer console as a plain HTTP client sees it: cookies, CSRF fields, pages."""

from __future__ import annotations

import re
from typing import Any

import requests

_CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "no CSRF field on the page"
    return found.group(1)


def element(html: str, attribute: str, value: str, tag: str = "tr") -> str:
    """The first ``<tag ... attribute="value" ...>...</tag>`` of a page."""
    found = re.search(
        rf'<{tag}\b[^>]*\b{attribute}="{re.escape(value)}"[^>]*>(.*?)</{tag}>', html, re.S
    )
    assert found is not None, f"no <{tag} {attribute}={value!r}> on the page"
    return found.group(0)


def attribute_of(html: str, attribute: str) -> str:
    found = re.search(rf'\b{attribute}="([^"]*)"', html)
    assert found is not None, f"no {attribute} in {html[:200]!r}"
    return found.group(1)


class ConsoleClient:
    """A browser without JavaScript: follows redirects, keeps cookies."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/") + "/console"
        self.http = requests.Session()

    def url(self, path: str) -> str:
        return self.base + path

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.url(path), timeout=30, **kwargs)

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> requests.Response:
        return self.http.post(self.url(path), data=data, timeout=60, **kwargs)

    def login(self, username: str, password: str) -> requests.Response:
        form = self.get("/login")
        return self.post(
            "/login", {"username": username, "password": password, "csrf": csrf_of(form.text)}
        )

    def submit(self, page_path: str, to: str, /, **fields: str) -> requests.Response:
        """Post to ``to`` with the CSRF token of a form found on ``page_path``."""
        page = self.get(page_path)
        assert page.status_code == 200, page.text
        return self.post(to, {"csrf": csrf_of(page.text), **fields})

    def close(self) -> None:
        self.http.close()
