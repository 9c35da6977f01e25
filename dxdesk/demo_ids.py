"""Stable ids for the demo tasks, shared by the local demo loader and the server's.

Kept apart from ``demo_data`` (which touches the local store) so the server can use
it without importing the client's database code.
"""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("5b3c8f1e-2d4a-4c6b-9e7f-0a1b2c3d4e5f")


def task_id(code: str) -> str:
    return str(uuid.uuid5(NAMESPACE, code))
