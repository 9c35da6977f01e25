"""Which protocol versions this server serves, and the words for a client it cannot.

The current version and the one before it are served (``SUPPORTED_PROTOCOLS``), so
devices can be upgraded over weeks rather than on one day. A request names its
version in the ``X-Dxdesk-Protocol`` header; one without it (a browser, curl) is
taken for the current version. The refusal is said in the client's language
(``Accept-Language``: Vietnamese or English), because an old client cannot know the
words for a reason invented after it.
"""

from __future__ import annotations

from sync.protocol import (
    LANGUAGE_HEADER,
    OLDEST_PROTOCOL,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    SUPPORTED_PROTOCOLS,
)
from sync.server.errors import ApiError

_VERSION = PROTOCOL_HEADER.lower().encode("latin-1")
_LANGUAGE = LANGUAGE_HEADER.lower().encode("latin-1")

# code -> (Vietnamese, English); {version} is the client's, {oldest} and {current} ours.
_WORDS = {
    "protocol_outdated": (
        "Phiên bản dxdesk này quá cũ (giao thức {version}); máy chủ chỉ phục vụ giao thức "
        "{oldest} đến {current}. Hãy cập nhật dxdesk. Dữ liệu trên máy không bị mất.",
        "This dxdesk is too old (protocol {version}); the server serves protocols {oldest} "
        "to {current} only. Update dxdesk; nothing on this computer is lost.",
    ),
    "protocol_too_new": (
        "Máy chủ cũ hơn phiên bản dxdesk này (giao thức {version}); máy chủ chỉ phục vụ "
        "giao thức {oldest} đến {current}. Hãy báo quản trị viên cập nhật máy chủ.",
        "The server is older than this dxdesk (protocol {version}); it serves protocols "
        "{oldest} to {current} only. Ask the administrator to update the server.",
    ),
}


def _requested(headers: dict[bytes, bytes]) -> int | str:
    raw = headers.get(_VERSION)
    if raw is None:  # browsers, curl, OpenAPI tools: assume the current protocol
        return PROTOCOL_VERSION
    text = raw.decode("latin-1").strip()
    return int(text) if text.isdigit() and len(text) < 6 else text[:20]


def served_protocol(headers: dict[bytes, bytes]) -> int:
    """The version the answer speaks: the request's when served, else the current."""
    version = _requested(headers)
    return (
        version if isinstance(version, int) and version in SUPPORTED_PROTOCOLS else PROTOCOL_VERSION
    )


def language(headers: dict[bytes, bytes]) -> str:
    """``vi`` when the client's first choice is Vietnamese, otherwise ``en``."""
    first = headers.get(_LANGUAGE, b"").decode("latin-1").split(",")[0]
    return "vi" if first.split(";")[0].strip().lower().startswith("vi") else "en"


def check_protocol(headers: dict[bytes, bytes]) -> None:
    """426 for a version not served: ``protocol_outdated`` for an older (or
    unreadable) one, ``protocol_too_new`` for a newer one. The answer's protocol
    header names the current version, so a newer client can step down to it."""
    version = _requested(headers)
    if version in SUPPORTED_PROTOCOLS:
        return
    code = (
        "protocol_too_new"
        if isinstance(version, int) and version > PROTOCOL_VERSION
        else ("protocol_outdated")
    )
    words = _WORDS[code][0 if language(headers) == "vi" else 1]
    raise ApiError(
        426,
        code,
        words.format(version=version, oldest=OLDEST_PROTOCOL, current=PROTOCOL_VERSION),
    )
