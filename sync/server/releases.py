"""Releases: signed manifests and installer bytes that devices update from.

The server holds no release key: ``publish`` stores a manifest the admin signed on
their own machine, after checking that it is whole and that the files given are the
ones it lists. Devices check the signature again, against the key their site profile
pins, so a server that was broken into cannot make them install anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dxdesk.clock import utcnow
from sync.protocol import MAX_CHUNK_BYTES, DeltaOffer, UpdateOffer
from sync.protocol.release_manifest import (
    Manifest,
    ManifestError,
    delta_platform,
    load,
    parse_version,
)
from sync.server import audit
from sync.server.tables import Release, ReleaseArtifact, ReleaseChunk

CHUNK = MAX_CHUNK_BYTES  # storage grain; a download asks for any range within one artifact


class PublishError(Exception):
    """The release cannot be published; the message says why."""


@dataclass(frozen=True)
class Published:
    version: str
    channel: str
    platforms: tuple[str, ...]
    key: str


def _sha256_of(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def check(manifest_bytes: bytes, files: Iterable[Path], version: str, channel: str) -> Manifest:
    """The manifest, when it is whole, names this version and channel, and lists
    exactly the files given (by name, size and sha256)."""
    try:
        manifest = load(manifest_bytes)
    except ManifestError as exc:
        raise PublishError(str(exc)) from exc
    if (manifest.version, manifest.channel) != (version, channel):
        raise PublishError(
            f"the manifest is for {manifest.version} on '{manifest.channel}', "
            f"not {version} on '{channel}'"
        )
    given = {path.name: path for path in files}
    listed = {a.file_name: a for a in manifest.artifacts}
    if set(given) != set(listed):
        missing, extra = sorted(set(listed) - set(given)), sorted(set(given) - set(listed))
        raise PublishError(
            "the files given are not the ones the manifest lists"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; not in the manifest: {', '.join(extra)}" if extra else "")
        )
    for name, path in given.items():
        sha, size = _sha256_of(path)
        if (sha, size) != (listed[name].sha256, listed[name].size):
            raise PublishError(f"{name} is not the file the manifest was signed for")
    return manifest


def publish(session: Session, manifest: Manifest, files: Iterable[Path]) -> Published:
    """Store a checked manifest and its artifacts (audited ``release.publish``)."""
    exists = session.scalar(
        select(Release.id).where(
            Release.channel == manifest.channel, Release.version == manifest.version
        )
    )
    if exists is not None:
        raise PublishError(f"{manifest.version} is already published on '{manifest.channel}'")
    row = Release(
        version=manifest.version,
        channel=manifest.channel,
        manifest=manifest.raw,
        published_at=utcnow(),
    )
    session.add(row)
    session.flush()
    by_name = {path.name: path for path in files}
    for artifact in manifest.artifacts:
        session.add(
            ReleaseArtifact(
                release_id=row.id,
                platform=artifact.platform,
                file_name=artifact.file_name,
                size=artifact.size,
                sha256=artifact.sha256,
            )
        )
        stored = session.scalar(
            select(ReleaseChunk.offset).where(ReleaseChunk.sha256 == artifact.sha256).limit(1)
        )
        if stored is None:  # content already held by an earlier release is kept once
            _store_bytes(session, artifact.sha256, by_name[artifact.file_name])
    platforms = tuple(a.platform for a in manifest.artifacts)
    audit.record(session, "admin", "release.publish", manifest.version,
                 channel=manifest.channel, platforms=list(platforms),
                 key=manifest.key)  # fmt: skip
    return Published(manifest.version, manifest.channel, platforms, manifest.key)


def _store_bytes(session: Session, sha256: str, path: Path) -> None:
    with path.open("rb") as handle:
        offset = 0
        while block := handle.read(CHUNK):
            session.add(ReleaseChunk(sha256=sha256, offset=offset, data=block))
            session.flush()  # one chunk in memory at a time
            offset += len(block)


def listing(session: Session) -> list[dict[str, object]]:
    rows = session.execute(
        select(Release, ReleaseArtifact)
        .join(ReleaseArtifact, ReleaseArtifact.release_id == Release.id)
        .order_by(Release.published_at.desc(), ReleaseArtifact.platform)
    ).all()
    return [
        {
            "version": r.version,
            "channel": r.channel,
            "platform": a.platform,
            "file_name": a.file_name,
            "size": a.size,
            "sha256": a.sha256,
            "published_at": r.published_at.isoformat(),
        }
        for r, a in rows
    ]


def offer(session: Session, version: str, platform: str, channel: str) -> UpdateOffer | None:
    """The newest release on ``channel`` with an artifact for ``platform`` that is
    newer than ``version``; None when the device is up to date."""
    try:
        current = parse_version(version)
    except ValueError:
        return None  # a development build names no comparable version
    rows = session.execute(
        select(Release, ReleaseArtifact)
        .join(ReleaseArtifact, ReleaseArtifact.release_id == Release.id)
        .where(Release.channel == channel, ReleaseArtifact.platform == platform)
    ).all()
    newer = [(parse_version(r.version), r, a) for r, a in rows]
    newer = [item for item in newer if item[0] > current]
    if not newer:
        return None
    _, release, artifact = max(newer, key=lambda item: item[0])
    delta = session.scalar(
        select(ReleaseArtifact).where(
            ReleaseArtifact.release_id == release.id,
            ReleaseArtifact.platform == delta_platform(platform, version),
        )
    )
    return UpdateOffer(
        delta=DeltaOffer(
            base=version, file_name=delta.file_name, size=delta.size, sha256=delta.sha256
        )
        if delta is not None
        else None,
        version=release.version,
        platform=artifact.platform,
        file_name=artifact.file_name,
        size=artifact.size,
        sha256=artifact.sha256,
        manifest=release.manifest.decode("utf-8"),
    )


def read_range(session: Session, sha256: str, offset: int, length: int) -> bytes | None:
    """Up to ``length`` bytes of a published artifact from ``offset``; None when no
    published artifact has this hash."""
    size = session.scalar(
        select(ReleaseArtifact.size).where(ReleaseArtifact.sha256 == sha256).limit(1)
    )
    if size is None:
        return None
    end = min(size, offset + length)
    first = offset - offset % CHUNK
    chunks = session.execute(
        select(ReleaseChunk.offset, ReleaseChunk.data)
        .where(
            ReleaseChunk.sha256 == sha256,
            ReleaseChunk.offset >= first,
            ReleaseChunk.offset < end,
        )
        .order_by(ReleaseChunk.offset)
    ).all()
    data = b"".join(chunk.data for chunk in chunks)
    return data[offset - first : end - first]
