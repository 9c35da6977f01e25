"""Where dxdesk keeps its files.

One place decides every path. By default the platform's user folders (via
platformdirs); with ``--home DIR`` or ``DXDESK_HOME`` everything lives under one
folder instead, which is what portable installs and tests use.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "dxdesk"
HOME_ENV = "DXDESK_HOME"


@dataclass(frozen=True)
class Paths:
    data: Path
    config: Path
    logs: Path
    cache: Path

    @classmethod
    def under(cls, home: Path) -> Paths:
        home = home.expanduser().resolve()
        return cls(
            data=home / "data", config=home / "config", logs=home / "logs", cache=home / "cache"
        )

    @classmethod
    def platform(cls) -> Paths:
        import platformdirs  # noqa: PLC0415 (~20 ms; --home and portable installs never need it)

        return cls(
            data=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            logs=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
            cache=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        )

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None) -> Paths:
        """``--home`` wins over ``DXDESK_HOME``, then a portable install's own
        folder, then the platform folders."""
        chosen = home if home is not None else os.environ.get(HOME_ENV) or None
        if chosen is not None:
            return cls.under(Path(chosen))
        portable = portable_home()
        return cls.under(portable) if portable is not None else cls.platform()

    @property
    def users(self) -> Path:
        """One encrypted folder per user who has logged in on this computer."""
        return self.data / "users"

    @property
    def users_index(self) -> Path:
        return self.data / "users.json"

    @property
    def database(self) -> Path:
        """The single, unencrypted store of dxdesk before per-user profiles: read only
        to migrate it into its owner's encrypted folder."""
        return self.data / "dxdesk.sqlite3"

    @property
    def attachments(self) -> Path:
        return self.data / "attachments"

    @property
    def backups(self) -> Path:
        return self.data / "backups"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.toml"

    @property
    def log_file(self) -> Path:
        return self.logs / "dxdesk.log"

    def ensure(self) -> Paths:
        """Create the folders, readable by the owner only: reports are government data
        and these PCs are shared."""
        for folder in (self.data, self.users, self.config, self.logs, self.cache):
            private_folder(folder)
        return self


@dataclass(frozen=True)
class UserFolder:
    """Everything of one user: encrypted store, encrypted attachments, key file."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "dxdesk.sqlite3"

    @property
    def attachments(self) -> Path:
        return self.root / "attachments"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    def ensure(self) -> UserFolder:
        for folder in (self.root.parent, self.root, self.attachments):
            private_folder(folder)
        return self


def private_folder(folder: Path) -> Path:
    """``folder``, created if missing, readable by its owner only whatever the umask
    (``mkdir(mode=…)`` leaves missing parents to the umask, and an existing folder
    keeps the mode an earlier version gave it: both are set here)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if stat.S_IMODE(folder.stat().st_mode) != 0o700:
        folder.chmod(0o700)
    return folder


PORTABLE_MARKER = "portable"


def portable_home(executable: str | None = None) -> Path | None:
    """A file named ``portable`` beside the program (a USB-stick install) keeps all
    data beside it too, in ``dxdesk-data``."""
    if executable is None:
        if not getattr(sys, "frozen", False):
            return None
        executable = sys.executable
    folder = Path(executable).resolve().parent
    if not (folder / PORTABLE_MARKER).exists():
        return None
    app = folder.parent.parent
    if folder.parent.name == "versions" and (app / "current").is_symlink():
        return app / "dxdesk-data"  # an updated install keeps one data folder (dxdesk.updater)
    return folder / "dxdesk-data"


def resource_dir() -> Path:
    """The shipped ``resources/`` folder, from a wheel or from a source checkout."""
    packaged = Path(__file__).with_name("_resources")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "resources"
