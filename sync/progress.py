"""What the sync engine reports while it works, as typed events.

The command line draws a progress line from them and the window a progress bar;
both match on the event's type instead of reading names out of a dict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RoundStarted:
    pushing: int  # reports sent in this round


@dataclass(frozen=True)
class AcksApplied:
    accepted: tuple[str, ...]
    rejected: tuple[str, ...]


@dataclass(frozen=True)
class Retrying:
    attempt: int
    delay_s: float
    reason: str


@dataclass(frozen=True)
class UploadStarted:
    sha256: str
    size: int


@dataclass(frozen=True)
class UploadProgress:
    sha256: str
    done: int
    total: int


Progress = RoundStarted | AcksApplied | Retrying | UploadStarted | UploadProgress
Notify = Callable[[Progress], None]
