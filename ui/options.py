"""What the bare ``dxdesk`` command line may say about the window (Qt-free, so the
launcher can decide without importing Qt)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WindowOptions:
    home: str | None = None
    language: str | None = None  # this run only; the saved setting is not changed
    verbose: bool = False
    user: str | None = None  # preselected on the lock screen
    notice: str | None = None  # said beside the first window (what the start finished)
