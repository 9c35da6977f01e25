"""Where the update of this installation stands, for the status bar and
``dxdesk update --check``: read from the data folder alone (no network, no password).

- ``none``: no newer release is known.
- ``available``: a sync round named one; nothing of it is held yet (the link was
  metered, or the round ended first).
- ``downloading``: part of it is held; the next round continues from there.
- ``ready``: downloaded and verified, waiting for the officer's OK.
- ``failed``: it was installed here and did not start, so the previous version came
  back; it is not fetched again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dxdesk import __version__, updater
from sync import update_install, updates


@dataclass(frozen=True)
class UpdateStatus:
    kind: str
    version: str = ""
    held: int = 0  # bytes of the artifact held
    size: int = 0
    problem: str = ""  # a failure's detail (English, for the log and the tooltip's end)

    @property
    def percent(self) -> int:
        return self.held * 100 // self.size if self.size else 0


def status(data_dir: Path, running: str = __version__) -> UpdateStatus:
    offer = updates.remembered(data_dir)
    if offer is None or not updates.newer_than(offer, running):
        return UpdateStatus("none")
    folder = data_dir / updates.FOLDER
    if updater.failed_before(folder, offer.version):
        return UpdateStatus(
            "failed", offer.version, problem=updater.failure_noted(folder, offer.version)
        )
    want = updates.wanted(offer, data_dir)
    if update_install.ready(data_dir, running) is not None:
        return UpdateStatus("ready", offer.version, want.size, want.size)
    part = folder / f"{want.sha256}.part"
    held = part.stat().st_size if part.is_file() else 0
    kind = "downloading" if held else "available"
    return UpdateStatus(kind, offer.version, min(held, want.size), want.size)
