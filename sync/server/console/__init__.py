"""The reviewers' web console: server-rendered pages mounted at ``/console`` on the
same process, accounts and database as the API (see docs/console.md)."""

from sync.server.console.app import create, refusal
from sync.server.console.context import PREFIX

__all__ = ["PREFIX", "create", "refusal"]
