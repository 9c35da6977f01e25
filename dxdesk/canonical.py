"""Canonical JSON and content hashes, identical on the device and on the server.

A report's hash covers its canonical body; the server recomputes it to tell a
harmless resend (same id, same hash) from a conflict (same id, other content).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


def content_hash(body: Any) -> str:
    return hashlib.sha256(canonical_json(body)).hexdigest()
