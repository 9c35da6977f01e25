"""An opened profile: its folders, settings, database and attachment store."""

from __future__ import annotations

from dataclasses import dataclass

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


def open_profile(paths: Paths, settings: Settings | None = None) -> Profile:
    paths.ensure()
    chosen = settings if settings is not None else settings_module.load(paths.settings_file)
    db = open_database(paths.database)
    return Profile(paths, chosen, db, AttachmentStore(paths.attachments))
