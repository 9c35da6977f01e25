"""A release manifest: which installer artifacts make a dxdesk version, signed.

The admin signs it on their own machine with the release key (``dxdesk-server
release sign``); the server only stores and serves it (``release publish``), so a
compromised server cannot push code: a device installs only what verifies against
the release key its site profile pins. The manifest is a signed document
(``signed_doc``, kind ``release``)::

    {"format": 1, "version": "0.2.0", "channel": "stable", "key": "<Ed25519 public>",
     "artifacts": [{"platform": "linux-x86_64-portable", "file_name": "…",
                    "size": 123, "sha256": "…"}, …]}

``key`` names the signer so that the server can check the file is whole and show its
fingerprint; a device trusts its pin, never this field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from dxdesk import signing
from sync.protocol import signed_doc

KIND = "release"
FORMAT = 1
MAX_MANIFEST_BYTES = 64 * 1024
MAX_ARTIFACT_BYTES = 512 * 1024 * 1024
VERSION_RE = re.compile(r"^(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})$")
CHANNEL_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")

DELTA_FROM = "-from-"  # a delta's platform: the full one's, "-from-", the base version
# What installer/build.py and the Inno Setup script name their outputs.
_PLATFORMS = (
    (re.compile(r"^dxdesk-[0-9.]+-linux-([a-z0-9_]+)\.tar\.gz$"), "linux-{}-portable"),
    # A delta against an earlier portable release (sync/server/release_delta.py).
    (
        re.compile(r"^dxdesk-[0-9.]+-linux-([a-z0-9_]+)\.from-([0-9]+\.[0-9]+\.[0-9]+)\.tar\.gz$"),
        "linux-{}-portable" + DELTA_FROM + "{}",
    ),
    (re.compile(r"^dxdesk_[0-9.]+_([a-z0-9]+)\.deb$"), "linux-{}-deb"),
    (re.compile(r"^dxdesk-[0-9.]+-setup\.exe$"), "windows-setup"),
)
_DEB_ARCH = {"amd64": "x86_64", "arm64": "aarch64"}  # one name per machine


class ManifestError(ValueError):
    """A manifest or artifact that must not be used; ``reason`` is stable:
    ``damaged``, ``untrusted`` (signature or key), ``mismatch`` (not what it says)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Artifact:
    platform: str
    file_name: str
    size: int
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"platform": self.platform, "file_name": self.file_name,
                "size": self.size, "sha256": self.sha256}  # fmt: skip


@dataclass(frozen=True)
class Manifest:
    version: str
    channel: str
    key: str
    artifacts: tuple[Artifact, ...]
    document: signed_doc.Document
    raw: bytes  # the file exactly as signed: what the server stores and serves

    def artifact(self, platform: str) -> Artifact | None:
        return next((a for a in self.artifacts if a.platform == platform), None)


def parse_version(text: str) -> tuple[int, int, int]:
    """``MAJOR.MINOR.PATCH`` as a tuple that orders versions; ValueError otherwise."""
    found = VERSION_RE.match(text)
    if found is None:
        raise ValueError(f"“{text}” is not a version MAJOR.MINOR.PATCH (e.g. 0.2.0)")
    major, minor, patch = found.groups()
    return int(major), int(minor), int(patch)


def platform_of(file_name: str) -> str | None:
    """The platform an installer artifact is for, from the name build.py gives it."""
    for pattern, platform in _PLATFORMS:
        found = pattern.match(file_name)
        if found is not None:
            groups = list(found.groups()) or [""]
            groups[0] = _DEB_ARCH.get(groups[0], groups[0])
            return platform.format(*groups)
    return None


def delta_platform(platform: str, base: str) -> str:
    return f"{platform}{DELTA_FROM}{base}"


def delta_name(full_name: str, base: str) -> str:
    """``dxdesk-0.2.1-linux-x86_64.tar.gz`` → ``dxdesk-0.2.1-linux-x86_64.from-0.2.0.tar.gz``."""
    return full_name.removesuffix(".tar.gz") + f".from-{base}.tar.gz"


def dump(version: str, channel: str, artifacts: list[Artifact], key: Ed25519PrivateKey) -> bytes:
    body = {
        "format": FORMAT,
        "version": version,
        "channel": channel,
        "key": signing.public_key_text(key),
        "artifacts": [a.as_json() for a in artifacts],
    }
    return signed_doc.dump(KIND, body, key)


def load(data: bytes) -> Manifest:
    """Parse and check the shape and the signature against the key it names.
    Whether that key is to be trusted is :func:`verify`'s question."""
    if len(data) > MAX_MANIFEST_BYTES:
        raise ManifestError("damaged", f"the release manifest is larger than {MAX_MANIFEST_BYTES}")
    try:
        document = signed_doc.load(KIND, data)
    except signed_doc.DocumentError as exc:
        raise ManifestError("damaged", f"not a release manifest: {exc}") from exc
    body = document.body
    try:
        if body.get("format") != FORMAT:
            raise ValueError("unknown manifest format")
        version, channel, key = body["version"], body["channel"], body["key"]
        if not (isinstance(version, str) and isinstance(channel, str) and isinstance(key, str)):
            raise ValueError("version, channel and key must be text")
        parse_version(version)
        if not CHANNEL_RE.match(channel):
            raise ValueError(f"bad channel {channel!r}")
        artifacts = tuple(_artifact(item) for item in body["artifacts"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestError("damaged", f"the release manifest is damaged ({exc})") from exc
    if len({a.platform for a in artifacts}) != len(artifacts) or not artifacts:
        raise ManifestError("damaged", "the release manifest lists no or duplicate platforms")
    if not signed_doc.verify(KIND, document, key):
        raise ManifestError("untrusted", "the release manifest's signature does not verify")
    return Manifest(version, channel, key, artifacts, document, data)


def _artifact(item: Any) -> Artifact:
    if not isinstance(item, dict):
        raise ValueError("an artifact must be an object")
    platform, name, size, sha = item["platform"], item["file_name"], item["size"], item["sha256"]
    if not isinstance(name, str) or platform_of(name) != platform:
        raise ValueError(f"artifact {name!r} is not an installer for {platform!r}")
    if type(size) is not int or not 0 < size <= MAX_ARTIFACT_BYTES:
        raise ValueError(f"artifact {name}: bad size")
    if not isinstance(sha, str) or not _SHA256_RE.match(sha):
        raise ValueError(f"artifact {name}: bad sha256")
    return Artifact(platform, name, size, sha)


def verify(data: bytes, pinned_key: str) -> Manifest:
    """The manifest, when it is whole and signed by the pinned release key."""
    manifest = load(data)
    if not pinned_key:
        raise ManifestError(
            "untrusted", "this installation pins no release key: it installs no updates"
        )
    if manifest.key != pinned_key or not signed_doc.verify(KIND, manifest.document, pinned_key):
        raise ManifestError(
            "untrusted",
            f"the release {manifest.version} is not signed by this site's release key "
            f"({signing.fingerprint(pinned_key)}); it was refused",
        )
    return manifest
