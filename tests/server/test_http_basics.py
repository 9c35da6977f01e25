"""Transport-level behaviour every client relies on: JSON errors, Date, gzip, limits."""

from __future__ import annotations

import gzip
import json

import pytest
import requests

from sync.protocol import MAX_LOGIN_BYTES, MAX_REQUEST_BYTES, PROTOCOL_VERSION
from tests.server.conftest import Api, World


def _error(response: requests.Response) -> dict[str, str]:
    assert response.headers["content-type"].startswith("application/json"), response.text
    detail: dict[str, str] = response.json()["error"]
    assert detail["code"] and detail["message"]
    return detail


def test_ping_identifies_our_server_and_sends_the_clock(anon: Api) -> None:
    response = anon.get("/ping")
    assert response.status_code == 200
    body = response.json()
    assert body["service"] == "dxdesk" and body["protocol"] == PROTOCOL_VERSION
    assert body["server_time"].endswith("+00:00")
    assert response.headers["Date"].endswith("GMT")


def test_unknown_path_and_method_answer_json_with_date(anon: Api) -> None:
    missing = anon.get("/no-such-thing")
    assert missing.status_code == 404
    assert _error(missing)["code"] == "not_found"
    assert "Date" in missing.headers
    wrong_method = anon.get("/sync")
    assert wrong_method.status_code == 405
    assert _error(wrong_method)["code"] == "method_not_allowed"


def test_openapi_is_served(anon: Api) -> None:
    spec = anon.get("/openapi.json").json()
    assert spec["info"]["version"] == str(PROTOCOL_VERSION)
    for path in ("/api/v1/sync", "/api/v1/blobs/{sha256}", "/api/v1/auth/login"):
        assert path in spec["paths"]
    assert "ReportIn" in spec["components"]["schemas"]


def test_gzip_request_bodies_are_accepted_and_responses_compressed(world: World) -> None:
    body = gzip.compress(json.dumps({"cursor": None, "reports": []}).encode())
    response = world.officer_a.http.post(
        world.officer_a.url("/sync"),
        data=body,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json",
                 "Accept-Encoding": "gzip"},
        timeout=30,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.headers.get("Content-Encoding") == "gzip"
    assert {t["id"] for t in response.json()["tasks"]} == set(world.tasks_a)


def test_oversized_bodies_get_413_plain_and_gzipped(world: World) -> None:
    api = world.officer_a
    big = b'{"reports": [], "cursor": "' + b"x" * MAX_REQUEST_BYTES + b'"}'
    plain = api.http.post(
        api.url("/sync"), data=big, headers={"Content-Type": "application/json"}, timeout=60
    )
    assert plain.status_code == 413
    assert _error(plain)["code"] == "body_too_large"
    bomb = gzip.compress(big)  # tiny on the wire, too big once inflated
    assert len(bomb) < 100_000
    inflated = api.http.post(
        api.url("/sync"),
        data=bomb,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        timeout=60,
    )
    assert inflated.status_code == 413
    assert _error(inflated)["code"] == "body_too_large"


def test_broken_bodies_get_clear_errors(world: World) -> None:
    api = world.officer_a
    json_headers = {"Content-Type": "application/json"}
    not_json = api.http.post(api.url("/sync"), data=b"{nope", headers=json_headers, timeout=10)
    assert not_json.status_code == 400
    assert _error(not_json)["code"] == "invalid_json"
    bad_gzip = api.http.post(
        api.url("/sync"), data=b"not gzip", headers={**json_headers, "Content-Encoding": "gzip"},
        timeout=10,
    )  # fmt: skip
    assert bad_gzip.status_code == 400
    assert _error(bad_gzip)["code"] == "bad_gzip"
    brotli = api.http.post(
        api.url("/sync"), data=b"{}", headers={**json_headers, "Content-Encoding": "br"},
        timeout=10,
    )  # fmt: skip
    assert brotli.status_code == 415
    assert _error(brotli)["code"] == "unsupported_encoding"


@pytest.mark.parametrize("depth", [40, 100_000])
def test_deeply_nested_json_bodies_are_invalid_json(world: World, anon: Api, depth: int) -> None:
    api = world.officer_a
    deep = "[" * depth + "]" * depth
    body = f'{{"reports":[{{"id":"r1","results":{deep}}}]}}'.encode()
    json_headers = {"Content-Type": "application/json"}
    plain = api.http.post(api.url("/sync"), data=body, headers=json_headers, timeout=30)
    gzipped = api.http.post(
        api.url("/sync"), data=gzip.compress(body),
        headers={**json_headers, "Content-Encoding": "gzip"}, timeout=30,
    )  # fmt: skip
    login_body = f'{{"username":{deep}}}'.encode()
    untyped = anon.http.post(anon.url("/auth/login"), data=login_body, timeout=30)
    if len(login_body) > MAX_LOGIN_BYTES:  # refused from its size before it is parsed
        assert untyped.status_code == 413, untyped.text
        assert _error(untyped)["code"] == "body_too_large"
    checked = (plain, gzipped) if len(login_body) > MAX_LOGIN_BYTES else (plain, gzipped, untyped)
    for response in checked:
        assert response.status_code == 400, response.text
        assert _error(response)["code"] == "invalid_json"
        assert "nested more than 32 levels" in _error(response)["message"]
    assert api.sync(reports=[])["acks"] == []  # and the server is fine


def test_validation_errors_name_the_field(world: World, anon: Api) -> None:
    missing = anon.post("/auth/login", {"username": "someone"})
    assert missing.status_code == 422
    assert _error(missing)["field"] == "password"
    limit = world.officer_a.post("/sync", {"cursor": None, "reports": [], "limit": 501})
    assert limit.status_code == 422
    assert _error(limit)["field"] == "limit"
    # Unknown keys ("curser") are ignored since protocol 2: test_protocol_versions.
    no_id = world.officer_a.post("/sync", {"reports": [{"progress": 3}]})
    assert no_id.status_code == 422
    assert _error(no_id)["field"] == "reports.0.id"
    nul = anon.post("/auth/login", {"username": "a\u0000b", "password": "x"})
    assert nul.status_code == 422
    assert _error(nul)["field"] == "username"


def test_json_that_is_not_utf8_is_invalid_json(world: World) -> None:
    api = world.officer_a
    latin1 = '{"cursor": "Bình Liêu", "reports": []}'.encode("latin-1")
    # UTF-16 without a byte-order mark is valid UTF-8 byte by byte (ASCII and NULs),
    # and Python's JSON parser would read it as UTF-16: past the depth bound, too.
    utf16 = ('{"cursor": null, "reports": [], "x": ' + "[" * 40 + "]" * 40 + "}").encode(
        "utf-16-le"
    )
    for body, extra in (
        (latin1, {}),
        (gzip.compress(latin1), {"Content-Encoding": "gzip"}),
        (utf16, {}),
        (gzip.compress(utf16), {"Content-Encoding": "gzip"}),
    ):
        response = api.http.post(
            api.url("/sync"),
            data=body,
            headers={"Content-Type": "application/json", **extra},
            timeout=10,
        )
        assert response.status_code == 400, response.text
        assert _error(response)["code"] == "invalid_json"


def test_bytes_after_the_first_gzip_member_are_refused(world: World) -> None:
    api = world.officer_a
    first = gzip.compress(json.dumps({"cursor": None, "reports": []}).encode())
    for tail in (gzip.compress(b'{"smuggled": true}'), b"trailing junk"):
        response = api.http.post(
            api.url("/sync"),
            data=first + tail,
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
            timeout=10,
        )
        assert response.status_code == 400, response.text
        assert _error(response)["code"] == "bad_gzip"


def test_a_trailing_slash_is_a_json_404_never_a_redirect(anon: Api) -> None:
    spec = anon.get("/openapi.json").json()
    for path, item in spec["paths"].items():
        concrete = path.replace("{sha256}", "0" * 64).replace("{report_id}", "x")
        concrete = concrete.replace("{task_id}", "x")
        for method in item:
            response = anon.http.request(
                method, f"{anon.base}{concrete}/", allow_redirects=False, timeout=10
            )
            assert not 300 <= response.status_code < 400, (method, path, response.headers)
            assert _error(response)["code"] == "not_found", (method, path)
    assert anon.get("/ping/").status_code == 404
