"""An opened profile: its folders, settings, database and attachment store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dxdesk.first_start import load_settings
from dxdesk.identity.users import KnownUser, UnlockedUser
from dxdesk.identity.vault import Vault
from dxdesk.paths import Paths, UserFolder
from dxdesk.settings import Settings
from dxdesk.store import legacy_migration, store_damage
from dxdesk.store.attachment_store import AttachmentStore
from dxdesk.store.db import Database, open_database
from dxdesk.validation import MB, AttachmentLimits


@dataclass
class Profile:
    paths: Paths
    settings: Settings
    db: Database
    attachments: AttachmentStore
    user: KnownUser | None = None

    @property
    def limits(self) -> AttachmentLimits:
        return AttachmentLimits(
            max_bytes=self.settings.max_attachment_mb * MB,
            max_count=self.settings.max_attachments,
            allowed_extensions=frozenset(e.lower() for e in self.settings.allowed_extensions),
        )

    @property
    def author(self) -> str:
        """The name a report carries: the one chosen in settings, else the full name
        the server gave at login (a new officer should not sign reports blank)."""
        if self.settings.author:
            return self.settings.author
        return self.user.full_name if self.user is not None else ""

    def close(self) -> None:
        self.db.close()


def _refuse_a_lost_store(folder: UserFolder, vault: Vault, *, made: bool) -> None:
    """A store this user had is never silently started afresh: its queued reports would
    vanish and a new device key be made. The key file's mark (or a backup) proves it."""
    existed = made or store_damage.newest_backup(folder.database) is not None
    if existed and store_damage.is_missing_or_empty(folder.database):
        raise store_damage.lost(folder.database, vault.key_file)


def open_profile(
    paths: Paths,
    settings: Settings | None = None,
    baked: Path | None = None,
    *,
    user: UnlockedUser | None = None,
) -> Profile:
    """Open ``user``'s encrypted profile (taking over an unencrypted store of an
    earlier version if it is theirs). Without ``user``: the unencrypted single store
    of earlier versions, which only tests and tools still open directly."""
    chosen = settings if settings is not None else load_settings(paths, baked)
    if user is None:
        db = open_database(paths.database)
        return Profile(paths, chosen, db, AttachmentStore(paths.attachments))
    legacy_migration.migrate(paths, user)
    folder = user.folder.ensure()
    vault = Vault(folder.root)
    made = vault.store_made()
    _refuse_a_lost_store(folder, vault, made=made)
    db = open_database(folder.database, key=user.data_key)
    if not made:
        try:
            vault.mark_store_made()
        except BaseException:
            db.close()
            raise
    store = AttachmentStore(folder.attachments, user.data_key)
    return Profile(paths, chosen, db, store, user.user)
