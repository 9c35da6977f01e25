"""HTTP to our server, honest about what came back.

A reply counts only when it is JSON in our protocol's shape from our server. A
captive portal's login page (HTML with status 200), a redirect, or a body that does
not parse is reported as "this network needs sign-in", never as success.
"""

from __future__ import annotations

import email.utils
import errno
import gzip
import ipaddress
import json
import logging
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from dxdesk import __version__
from sync import protocol

# requests (with urllib3, idna, charset_normalizer: ~50 ms) loads with the first
# Transport, on the runner, not on the way to a remembered user's task list.
if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

GZIP_MIN_BYTES = 256  # smaller bodies grow when compressed


class Failure(StrEnum):
    OFFLINE = "offline"  # no answer from the server: down, refused, name unknown, timeout
    NO_NETWORK = "no_network"  # this computer has no network at all (no route out)
    CAPTIVE_PORTAL = "captive_portal"  # something answered that is not our server
    TLS = "tls"  # certificate not trusted, or wrong host
    AUTH = "auth"  # login needed (no token, expired, revoked, wrong password)
    OUTDATED = "outdated"  # this dxdesk is too old for the server
    SERVER_OUTDATED = "server_outdated"  # the server is too old for this dxdesk
    SERVER = "server"  # our server failed (5xx, 429): try again later
    REJECTED = "rejected"  # our server refused the request itself (4xx)
    CONFIG = "config"  # the server address itself is unusable


RETRYABLE = {Failure.OFFLINE, Failure.NO_NETWORK, Failure.SERVER}


class TransportError(Exception):
    def __init__(
        self, failure: Failure, message: str, *, code: str | None = None, status: int = 0
    ) -> None:
        super().__init__(message)
        self.failure = failure
        self.code = code
        self.status = status
        self.received: int | None = None

    @property
    def retryable(self) -> bool:
        return self.failure in RETRYABLE


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# Why check_server_url refused an address (TransportError.code).
NOT_AN_ADDRESS = "not_an_address"
PLAIN_HTTP = "plain_http"


def check_server_url(url: str, *, allow_http: bool = False) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise TransportError(
            Failure.CONFIG,
            f"“{url}” is not a server address (expected https://host[:port]).",
            code=NOT_AN_ADDRESS,
        )
    if parts.scheme == "http" and not (allow_http or is_loopback(parts.hostname)):
        raise TransportError(
            Failure.CONFIG,
            f"Refusing unencrypted http:// to {parts.hostname}: use https://, or allow plain "
            "http explicitly in settings if this is a closed test network.",
            code=PLAIN_HTTP,
        )
    return url.strip().rstrip("/")


@dataclass
class Traffic:
    requests: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0


class Transport:
    """One keep-alive connection to one server, with timeouts on every request."""

    def __init__(
        self,
        base_url: str,
        *,
        ca_bundle: str | None = None,
        allow_http: bool = False,
        connect_timeout_s: float = 10.0,
        read_timeout_s: float = 60.0,
        language: str = "vi",
    ) -> None:
        self.base_url = check_server_url(base_url, allow_http=allow_http)
        self.verify: str | bool = ca_bundle or True
        self.timeout = (connect_timeout_s, read_timeout_s)
        self.token: str | None = None
        self.traffic = Traffic()
        self.clock_offset_s: float | None = None
        import requests  # noqa: PLC0415 (see the imports)

        self.session = requests.Session()
        # The newest version both ends speak; lowered once if the server is older.
        self.protocol_version = protocol.PROTOCOL_VERSION
        self.session.headers.update(
            {
                protocol.PROTOCOL_HEADER: str(self.protocol_version),
                protocol.LANGUAGE_HEADER: language,
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
                "User-Agent": f"dxdesk/{__version__}",
            }
        )

    def close(self) -> None:
        self.session.close()

    def ping(self) -> bool:
        """The cheap probe: does *our* server answer right now?"""
        try:
            self.call("GET", "/ping", protocol.PingOut, auth=False)
        except TransportError:
            return False
        return True

    # -- requests -----------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        model: type[M],
        payload: BaseModel | dict[str, Any] | None = None,
        *,
        raw: bytes | None = None,
        params: dict[str, Any] | None = None,
        auth: bool = True,
    ) -> M:
        headers: dict[str, str] = {}
        body: bytes | None = None
        if payload is not None:
            data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
            body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
            if len(body) >= GZIP_MIN_BYTES:
                # requests never compresses request bodies; on 2G the upload is the cost.
                body = gzip.compress(body, compresslevel=6)
                headers["Content-Encoding"] = "gzip"
        elif raw is not None:
            body = raw
            headers["Content-Type"] = "application/octet-stream"
        if auth:
            if not self.token:
                raise TransportError(Failure.AUTH, "Not logged in.", code="login_required")
            headers["Authorization"] = f"Bearer {self.token}"
        url = self.base_url + protocol.API_PREFIX + path
        response = self._send(method, url, body, headers, params)
        if self._step_down(response):  # refused before the body was read: send it again
            response = self._send(method, url, body, headers, params)
        return self._parse(response, model)

    def fetch_bytes(self, path: str, params: dict[str, Any] | None = None) -> bytes:
        """A binary answer (a range of a release artifact). Anything but our server's
        ``application/octet-stream`` is a failure, as for JSON answers: a portal's page
        must never be mistaken for the bytes asked for."""
        if not self.token:
            raise TransportError(Failure.AUTH, "Not logged in.", code="login_required")
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/octet-stream"}
        url = self.base_url + protocol.API_PREFIX + path
        response = self._send("GET", url, None, headers, params)
        if self._step_down(response):
            response = self._send("GET", url, None, headers, params)
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        served = response.headers.get(protocol.PROTOCOL_HEADER)
        if response.status_code == 200 and content_type == "application/octet-stream" and served:
            return response.content
        self._parse(response, protocol.OkOut)  # raises: an error of ours, or not our server
        raise TransportError(
            Failure.CAPTIVE_PORTAL,
            "Something other than the dxdesk server answered (no data where a file was "
            "expected): this network probably needs sign-in in a web browser first.",
            status=response.status_code,
        )

    def _step_down(self, response: requests.Response) -> bool:
        """An older server refuses our version (426) and names its own: when we
        speak that one too, we use it from now on (the requests and answers of the
        previous version are a subset of ours)."""
        if response.status_code != 426:
            return False
        named = response.headers.get(protocol.PROTOCOL_HEADER, "").strip()
        if not named.isdigit() or int(named) not in protocol.SUPPORTED_PROTOCOLS:
            return False
        if int(named) >= self.protocol_version:
            return False
        log.info(
            "the server speaks protocol %s; stepping down from %s", named, self.protocol_version
        )
        self.protocol_version = int(named)
        self.session.headers[protocol.PROTOCOL_HEADER] = named
        return True

    def _send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: dict[str, str],
        params: dict[str, Any] | None,
    ) -> requests.Response:
        import requests  # noqa: PLC0415 (loaded by __init__ already)

        try:
            response = self.session.request(
                method,
                url,
                data=body,
                headers=headers,
                params=params,
                timeout=self.timeout,
                verify=self.verify,
                allow_redirects=False,
            )
        except requests.exceptions.SSLError as exc:
            raise TransportError(
                Failure.TLS,
                f"The server's certificate is not trusted ({_reason(exc)}). If your province "
                "uses its own certificate authority, install its CA certificate in settings.",
            ) from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            if no_route(exc):
                raise TransportError(
                    Failure.NO_NETWORK, f"This computer has no network ({_reason(exc)})."
                ) from exc
            raise TransportError(
                Failure.OFFLINE, f"The server did not answer ({_reason(exc)})."
            ) from exc
        except requests.exceptions.RequestException as exc:
            raise TransportError(Failure.OFFLINE, f"Network error: {_reason(exc)}.") from exc
        self.traffic.requests += 1
        self.traffic.bytes_sent += len(body or b"") + _header_bytes(headers)
        wire = response.headers.get("Content-Length", "")
        received = int(wire) if wire.isdigit() else len(response.content)
        self.traffic.bytes_received += received + _header_bytes(dict(response.headers))
        self._note_clock(response)
        return response

    def _note_clock(self, response: requests.Response) -> None:
        stamp = response.headers.get("Date")
        if not stamp:
            return
        try:
            server = email.utils.parsedate_to_datetime(stamp).timestamp()
        except (TypeError, ValueError):
            return
        # The Date header has 1 s resolution; good enough to catch a wrong clock.
        self.clock_offset_s = server - time.time()

    def _parse(self, response: requests.Response, model: type[M]) -> M:
        status = response.status_code
        if 300 <= status < 400:
            where = response.headers.get("Location", "elsewhere")
            raise TransportError(
                Failure.CAPTIVE_PORTAL,
                f"This network redirected the connection to {where}: it probably needs "
                "sign-in in a web browser first. Nothing was sent.",
                status=status,
            )
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            data = response.json() if content_type == "application/json" else None
        except ValueError:
            data = None
        if data is None:
            if status >= 500:
                raise TransportError(
                    Failure.SERVER, f"The server had a problem (HTTP {status}).", status=status
                )
            raise TransportError(
                Failure.CAPTIVE_PORTAL,
                "Something other than the dxdesk server answered (a web page instead of "
                "data): this network probably needs sign-in in a web browser first.",
                status=status,
            )
        if status >= 400:
            raise _error_from(status, data, response.headers.get(protocol.PROTOCOL_HEADER))
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise TransportError(
                Failure.CAPTIVE_PORTAL,
                "The answer is not from a dxdesk server (unexpected content); this network "
                "may need sign-in in a web browser.",
                status=status,
            ) from exc


def _error_from(status: int, data: Any, served: str | None = None) -> TransportError:
    detail = data.get("error", {}) if isinstance(data, dict) else {}
    code = detail.get("code") if isinstance(detail, dict) else None
    message = detail.get("message") if isinstance(detail, dict) else None
    text = str(message or f"HTTP {status}")
    if status == 401 or code == "too_many_attempts":  # a lockout is not worth retrying
        failure = Failure.AUTH
    elif status == 408:  # the server cut a body that came too slowly: the link's fault
        failure = Failure.OFFLINE
    elif status == 426 and _older_than_us(served):
        # It says "outdated" to us (it knows no newer version), but it is the one to update.
        failure = Failure.SERVER_OUTDATED
    elif status == 426:
        failure = Failure.OUTDATED
    elif status == 429 or status >= 500:
        failure = Failure.SERVER
    else:
        failure = Failure.REJECTED
    error = TransportError(failure, text, code=code, status=status)
    if isinstance(detail, dict) and isinstance(detail.get("received"), int):
        error.received = detail["received"]
    return error


# The OS's own "no network": no interface up, or no route out of this computer. A
# refused connection, an unknown name or a timeout mean the network works and the
# server (or its address) does not: those stay OFFLINE.
_NO_ROUTE = {errno.ENETUNREACH, errno.ENETDOWN, errno.EHOSTUNREACH}


def no_route(exc: BaseException) -> bool:
    """Whether the socket error under ``exc`` (requests nests it in urllib3's
    errors, as cause, context or ``reason``) says this computer has no network."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        error = todo.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in _NO_ROUTE:
            return True
        nested = [error.__cause__, error.__context__, getattr(error, "reason", None),
                  *error.args]  # fmt: skip
        todo.extend(e for e in nested if isinstance(e, BaseException))
    return False


def _older_than_us(served: str | None) -> bool:
    """Whether a server's protocol header names a version older than any we speak."""
    text = (served or "").strip()
    return text.isdigit() and int(text) < protocol.OLDEST_PROTOCOL


def _reason(exc: BaseException) -> str:
    # requests nests the useful part several exceptions deep.
    inner: BaseException | None = exc
    while inner is not None and inner.__context__ is not None and inner.args == ():
        inner = inner.__context__
    text = str(inner or exc)
    return text if len(text) < 200 else text[:197] + "…"


def _header_bytes(headers: dict[str, str]) -> int:
    return sum(len(k) + len(v) + 4 for k, v in headers.items()) + 200
