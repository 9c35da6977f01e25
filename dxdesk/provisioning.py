"""Site provisioning: what an admin bakes into the installer for a province.

A profile names the site, the server, optionally the site's CA certificate, the
default language, unit and auto-sync policy. The build refuses a bad profile; the
app applies the baked-in one on first start (and can import one later), so an
officer never types a server address.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dxdesk.errors import SettingsError
from dxdesk.messages import LANGUAGES
from dxdesk.settings import Settings, check_release_key, check_sealing_key

PROFILE_NAME = "provisioning.toml"
CA_FILE_NAME = "site-ca.pem"
KNOWN_KEYS = {"site_name", "server_url", "ca_certificate", "default_language",
              "default_unit", "auto_sync", "server_public_key", "release_public_key"}  # fmt: skip
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class SiteProfile:
    site_name: str
    server_url: str
    ca_certificate: str = ""  # PEM text
    default_language: str = "vi"
    default_unit: str = ""
    auto_sync: bool = True
    # The server's X25519 sealing key (``dxdesk-server key``): pinned, so a login
    # answered with any other key is refused.
    server_public_key: str = ""
    # The release key (``dxdesk-server release keygen``): only updates it signed are
    # installed; a build without one installs none.
    release_public_key: str = ""


def _fail(origin: str, problem: str) -> SettingsError:
    return SettingsError(f"Provisioning profile {origin}: {problem}")


def parse(text: str, origin: str = "(text)", base: Path | None = None) -> SiteProfile:
    """Validate a profile; every problem is an error that names the field."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(origin, f"not valid TOML ({exc})") from exc
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise _fail(origin, f"unknown setting(s) {', '.join(unknown)}")
    for key in ("site_name", "server_url"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise _fail(origin, f"'{key}' is required")
    for key in ("ca_certificate", "default_language", "default_unit", "server_public_key",
                "release_public_key"):  # fmt: skip
        if key in data and not isinstance(data[key], str):
            raise _fail(origin, f"'{key}' must be text")
    if "auto_sync" in data and not isinstance(data["auto_sync"], bool):
        raise _fail(origin, "'auto_sync' must be true or false")

    url = _checked_url(origin, data["server_url"])
    language = data.get("default_language", "vi")
    if language not in LANGUAGES:
        raise _fail(origin, f"'default_language' must be one of {', '.join(LANGUAGES)}")
    ca = _certificate(origin, data.get("ca_certificate", "").strip(), base)
    server_key = data.get("server_public_key", "").strip()
    if server_key:
        try:
            check_sealing_key(server_key)
        except ValueError as exc:
            raise _fail(origin, "'server_public_key' is not a server key (43 base64url "
                        "characters, as `dxdesk-server key` prints)") from exc  # fmt: skip
    release_key = data.get("release_public_key", "").strip()
    if release_key:
        try:
            check_release_key(release_key)
        except ValueError as exc:
            words = "(43 base64url characters, as `dxdesk-server release keygen` prints)"
            raise _fail(origin, f"'release_public_key' is not a release key {words}") from exc
    return SiteProfile(
        site_name=data["site_name"].strip(),
        server_url=url,
        ca_certificate=ca + "\n" if ca else "",
        default_language=language,
        default_unit=data.get("default_unit", "").strip(),
        auto_sync=data.get("auto_sync", True),
        server_public_key=server_key,
        release_public_key=release_key,
    )


def _checked_url(origin: str, raw: str) -> str:
    url = raw.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise _fail(origin, f"'server_url' {url!r} is not an https:// address")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise _fail(
            origin,
            f"'server_url' uses plain http:// to {parts.hostname}; officers' reports would "
            "cross the network unencrypted. Use https://.",
        )
    return url


def _certificate(origin: str, value: str, base: Path | None) -> str:
    """Inline PEM, or a path to a PEM file relative to the profile."""
    if value and not value.startswith("-----BEGIN"):
        path = Path(value) if Path(value).is_absolute() or base is None else base / value
        try:
            value = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise _fail(origin, f"cannot read 'ca_certificate' file {path}: {exc}") from exc
    if value and "-----BEGIN CERTIFICATE-----" not in value:
        raise _fail(origin, "'ca_certificate' is not a PEM certificate")
    return value


def load(path: Path) -> SiteProfile:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(str(path), f"cannot be read ({exc})") from exc
    return parse(text, str(path), path.parent)


def baked_profile_path() -> Path | None:
    """The profile shipped inside a frozen build, next to the program."""
    if not getattr(sys, "frozen", False):
        return None
    for folder in (Path(getattr(sys, "_MEIPASS", "")), Path(sys.executable).parent):
        candidate = folder / PROFILE_NAME
        if candidate.is_file():
            return candidate
    return None


def apply(profile: SiteProfile, settings: Settings, config_dir: Path) -> Settings:
    """Settings with the profile's values; the CA is written beside settings.toml."""
    settings.server_url = profile.server_url
    settings.language = profile.default_language
    settings.auto_sync = profile.auto_sync
    settings.site_name = profile.site_name
    settings.default_unit = profile.default_unit
    settings.server_public_key = profile.server_public_key
    settings.release_public_key = profile.release_public_key
    if profile.ca_certificate:
        config_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        ca_path = config_dir / CA_FILE_NAME
        ca_path.write_text(profile.ca_certificate, encoding="ascii")
        settings.ca_bundle = str(ca_path)
    return settings
