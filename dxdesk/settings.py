"""User settings, kept in ``settings.toml`` in the config folder.

Only what a person chooses lives here. Secrets never do (they go to the OS
keyring), and neither does state the program derives (that is in the database).
"""

from __future__ import annotations

import dataclasses
import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dxdesk.atomic_file import write_atomically
from dxdesk.errors import SettingsError
from dxdesk.messages import DEFAULT_LANGUAGE, LANGUAGES
from dxdesk.status import DEFAULT_DUE_SOON_DAYS

log = logging.getLogger(__name__)

DEFAULT_ALLOWED_EXTENSIONS = (
    "pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "odt", "ods", "txt",
)  # fmt: skip


def check_sealing_key(text: str) -> None:
    """Raise ValueError unless ``text`` is a server sealing (X25519) public key.

    Imports cryptography only when a key is set: the first window must not wait for it.
    """
    from dxdesk import sealing  # noqa: PLC0415

    sealing.public_key_from_text(text)


def check_release_key(text: str) -> None:
    """Raise ValueError unless ``text`` is an Ed25519 public key (a release key)."""
    from dxdesk import signing  # noqa: PLC0415

    try:
        signing.public_key_from_text(text)
    except signing.BadSignatureError as exc:
        raise ValueError(str(exc)) from exc


@dataclass
class Settings:
    server_url: str = ""
    ca_bundle: str = ""  # PEM file of a provisioned site CA; empty: the system's CAs
    allow_http: bool = False  # plain http to a non-loopback server (closed test networks)
    # A 2G link can take a minute to deliver a sync answer; a dead one should not.
    connect_timeout_s: int = 15
    read_timeout_s: int = 90
    language: str = DEFAULT_LANGUAGE
    auto_sync: bool = True
    # Automatic sync only on Wi-Fi or cable, where the system can tell (mobile data
    # costs the officer money); the Sync button always works.
    wifi_only: bool = False
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS
    # Capped by what the protocol carries (dxdesk.limits: 100 MiB, 20 per report).
    max_attachment_mb: int = 20
    max_attachments: int = 10
    allowed_extensions: list[str] = field(default_factory=lambda: list(DEFAULT_ALLOWED_EXTENSIONS))
    author: str = ""  # the officer's name, shown on reports
    site_name: str = ""  # from the provisioning profile, shown in About and --version
    default_unit: str = ""
    # The provisioned server sealing key (base64url); when set, logins pin it.
    server_public_key: str = ""
    # The site's release key (Ed25519, base64url) from the provisioning profile: only
    # updates it signed are installed; without one, none is (docs/security.md).
    release_public_key: str = ""
    update_channel: str = "stable"
    # Updates download by themselves only where the system says the link is not
    # metered (or cannot tell), unless the officer agreed to use mobile data.
    updates_on_metered: bool = False

    def validate(self) -> None:
        if self.language not in LANGUAGES:
            raise SettingsError(f"language must be one of {', '.join(LANGUAGES)}")
        if not 0 <= self.due_soon_days <= 365:
            raise SettingsError("due_soon_days must be between 0 and 365")
        if not 1 <= self.max_attachment_mb <= 2048:
            raise SettingsError("max_attachment_mb must be between 1 and 2048")
        if not 0 <= self.max_attachments <= 100:
            raise SettingsError("max_attachments must be between 0 and 100")
        if not (1 <= self.connect_timeout_s <= 600 and 1 <= self.read_timeout_s <= 3600):
            raise SettingsError("timeouts must be between 1 s and 600 s (connect) / 3600 s (read)")
        if self.server_public_key:
            try:
                check_sealing_key(self.server_public_key)
            except ValueError as exc:
                raise SettingsError("server_public_key is not a server sealing key") from exc
        if self.release_public_key:
            try:
                check_release_key(self.release_public_key)
            except ValueError as exc:
                raise SettingsError("release_public_key is not an Ed25519 public key") from exc


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def load(path: Path) -> Settings:
    """Read settings; a missing file means defaults. A broken file is an error that
    names the file and the problem, never silently replaced by defaults."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise SettingsError(f"Cannot read settings file {path}: {exc.strerror}.") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"Settings file {path} is not valid TOML: {exc}.") from exc
    return from_mapping(data, path)


def from_mapping(data: dict[str, Any], origin: Path) -> Settings:
    values: dict[str, Any] = {}
    defaults = Settings()
    for key, value in data.items():
        if key not in _FIELDS:
            log.warning("ignoring unknown setting %r in %s", key, origin)
            continue
        expected = type(getattr(defaults, key))
        # bool is an int subclass: `due_soon_days = true` must not pass as 1.
        wrong_bool = expected is int and isinstance(value, bool)
        if wrong_bool or not isinstance(value, expected):
            raise SettingsError(
                f"Setting {key!r} in {origin} must be {expected.__name__}, "
                f"not {type(value).__name__}."
            )
        values[key] = value
    settings = Settings(**values)
    try:
        settings.validate()
    except SettingsError as exc:
        raise SettingsError(f"Settings file {origin}: {exc}.") from exc
    return settings


def save(settings: Settings, path: Path) -> None:
    """Write atomically: a power cut leaves either the old or the new file."""
    settings.validate()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    import tomli_w  # noqa: PLC0415 (only saving writes TOML; not at start-up)

    payload = tomli_w.dumps(dataclasses.asdict(settings)).encode("utf-8")
    write_atomically(path, payload)


def use_server(settings: Settings, server_url: str, path: Path) -> None:
    """The address that answered a login becomes the profile's server (the file is
    written only when it changed)."""
    if settings.server_url != server_url:
        settings.server_url = server_url
        save(settings, path)
