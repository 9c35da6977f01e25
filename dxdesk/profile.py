"""An opened profile: its folders, settings, database and attachment store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dxdesk import provisioning
from dxdesk import settings as settings_module
from dxdesk.attachment_store import AttachmentStore
from dxdesk.db import Database, open_database
from dxdesk.paths import Paths
from dxdesk.settings import Settings
from dxdesk.validation import MB, AttachmentLimits


@dataclass
class Profile:
    paths: Paths
    settings: Settings
    db: Database
    attachments: AttachmentStore

    @property
    def limits(self) -> AttachmentLimits:
        return AttachmentLimits(
            max_bytes=self.settings.max_attachment_mb * MB,
            max_count=self.settings.max_attachments,
            allowed_extensions=frozenset(e.lower() for e in self.settings.allowed_extensions),
        )

    def close(self) -> None:
        self.db.close()


def first_start_settings(paths: Paths, baked: Path | None) -> Settings:
    """The saved settings; on the very first start, the baked-in site profile's."""
    if baked is None or paths.settings_file.exists():
        return settings_module.load(paths.settings_file)
    chosen = provisioning.apply(provisioning.load(baked), Settings(), paths.config)
    settings_module.save(chosen, paths.settings_file)
    return chosen


def open_profile(
    paths: Paths, settings: Settings | None = None, baked: Path | None = None
) -> Profile:
    """``baked``: a provisioning profile applied on first start (the frozen app's)."""
    paths.ensure()
    if baked is None:
        baked = provisioning.baked_profile_path()
    chosen = settings if settings is not None else first_start_settings(paths, baked)
    db = open_database(paths.database)
    return Profile(paths, chosen, db, AttachmentStore(paths.attachments))
