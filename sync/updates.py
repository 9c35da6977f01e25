"""Updates over the sync channel: remember the offer, download it, verify it.

A sync round tells the device that a newer release exists for its platform
(``SyncOut.update``). The artifact then comes down in ranges sized to the link
(the chunk sizer the attachment uploads use) into ``updates/<sha256>.part`` in the
data folder: a cut costs at most the range in flight, and the next attempt resumes
where the file ends. Before a byte is fetched the manifest must verify against the
release key the site profile pinned; after the last byte, the artifact's sha256
must be the one the manifest signs. Anything else is refused and deleted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from dxdesk import __version__, disk, updater
from dxdesk.atomic_file import write_atomically
from dxdesk.errors import DxdeskError
from dxdesk.messages import Message
from dxdesk.metered import is_metered
from sync.protocol import ClientIn, UpdateOffer
from sync.protocol.release_manifest import (
    Manifest,
    ManifestError,
    delta_platform,
    parse_version,
    verify,
)
from sync.transport import Transport, TransportError
from sync.uploads import ChunkSizer

log = logging.getLogger(__name__)

OFFER_FILE = "offer.json"
FOLDER = "updates"


class UpdateRefusedError(DxdeskError):
    """A release that must not be installed (untrusted, tampered); nothing of it is
    kept. ``reason`` is the manifest's (``untrusted``, ``mismatch``, ``damaged``)."""

    def __init__(self, reason: str, text: str, version: str) -> None:
        code = "update_refused_untrusted" if reason == "untrusted" else "update_refused_tampered"
        super().__init__(text, Message(code, {"version": version}))
        self.reason = reason


@dataclass(frozen=True)
class UpdateCheck:
    """What a sync round needs to learn of updates: what this installation runs, and
    the data folder where the offer and downloads are kept (outside the encrypted
    profile: a release is public, and installing must not need the password)."""

    client: ClientIn
    data_dir: Path

    @property
    def folder(self) -> Path:
        return self.data_dir / FOLDER


def remember(data_dir: Path, offer: UpdateOffer | None) -> None:
    """Keep the newest offer (or forget it: the device is up to date)."""
    path = data_dir / FOLDER / OFFER_FILE
    if offer is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomically(path, offer.model_dump_json().encode("utf-8"))


def remembered(data_dir: Path) -> UpdateOffer | None:
    try:
        text = (data_dir / FOLDER / OFFER_FILE).read_text(encoding="utf-8")
        return UpdateOffer.model_validate(json.loads(text))
    except (OSError, ValueError, ValidationError):
        return None


def to_fetch(data_dir: Path, running: str) -> UpdateOffer | None:
    """The remembered offer, when it is newer than ``running`` and did not fail its
    start check here before: a version that was rolled back is not fetched again
    (nor retried) until a newer one is published, which is then offered instead.
    The one rule for the sync rounds' downloads and ``dxdesk update``."""
    offer = remembered(data_dir)
    if offer is None or not newer_than(offer, running):
        return None
    return None if updater.failed_before(data_dir / FOLDER, offer.version) else offer


def newer_than(offer: UpdateOffer, version: str) -> bool:
    try:
        return parse_version(offer.version) > parse_version(version)
    except ValueError:
        return False


@dataclass(frozen=True)
class Wanted:
    """The artifact to fetch: the full one, or the delta from the running version."""

    platform: str
    file_name: str
    size: int
    sha256: str
    delta_base: str | None = None


def wanted(offer: UpdateOffer, data_dir: Path) -> Wanted:
    """The delta when the release has one from this version and it was not given up
    on here (it failed to apply once); else the full artifact."""
    delta = offer.delta
    if delta is not None and not (data_dir / FOLDER / f"no-delta-{offer.version}").exists():
        platform = delta_platform(offer.platform, delta.base)
        return Wanted(platform, delta.file_name, delta.size, delta.sha256, delta.base)
    return Wanted(offer.platform, offer.file_name, offer.size, offer.sha256)


def give_up_delta(data_dir: Path, offer: UpdateOffer) -> None:
    """The delta could not be used: fetch the full artifact from now on."""
    folder = data_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    (folder / f"no-delta-{offer.version}").touch()
    if offer.delta is not None:
        (folder / offer.delta.file_name).unlink(missing_ok=True)
        (folder / f"{offer.delta.file_name}.release").unlink(missing_ok=True)


def trusted(offer: UpdateOffer, pinned_key: str, want: Wanted | None = None) -> Manifest:
    """The offer's manifest, signed by the pinned key and listing exactly this artifact."""
    want = want or Wanted(offer.platform, offer.file_name, offer.size, offer.sha256)
    try:
        manifest = verify(offer.manifest.encode("utf-8"), pinned_key)
    except ManifestError as exc:
        raise UpdateRefusedError(
            exc.reason, f"Update {offer.version} refused: {exc}", offer.version
        ) from exc
    artifact = manifest.artifact(want.platform)
    expected = (offer.version, want.file_name, want.size, want.sha256)
    if artifact is None or (manifest.version, artifact.file_name, artifact.size,
                            artifact.sha256) != expected:  # fmt: skip
        raise UpdateRefusedError(
            "mismatch", f"Update {offer.version} refused: the server's offer is not what the "
            "signed manifest lists", offer.version,
        )  # fmt: skip
    return manifest


@dataclass(frozen=True)
class Downloaded:
    path: Path  # the verified artifact
    manifest: Path  # its signed manifest, beside it
    fetched: int  # bytes fetched by this call (0 when it was already complete)


Progress = Callable[[int, int], None]  # bytes held, total


def download(
    transport: Transport,
    offer: UpdateOffer,
    data_dir: Path,
    pinned_key: str,
    *,
    sizer: ChunkSizer | None = None,
    progress: Progress | None = None,
) -> Downloaded:
    """Fetch what is missing of the offered artifact and verify it. A cut raises
    TransportError and leaves the part file for the next call to resume."""
    folder = data_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    want = wanted(offer, data_dir)
    try:
        trusted(offer, pinned_key, want)
    except UpdateRefusedError:
        (folder / f"{want.sha256}.part").unlink(missing_ok=True)
        raise
    try:
        return _fetch(transport, offer, want, folder, sizer or ChunkSizer(), progress)
    except OSError as exc:  # what is held stays: the next try continues from it
        named = disk.disk_error(exc, folder)
        if named is None or named.message is None or named.message.code != "disk_full":
            raise
        message = Message("update_no_space", {"path": str(folder)})
        raise updater.UpdateError(f"update {offer.version}: {exc}", message) from exc
    except UpdateRefusedError:
        if want.delta_base is None:
            raise
        give_up_delta(data_dir, offer)  # a bad delta: the full artifact is the fallback
        return download(transport, offer, data_dir, pinned_key, sizer=sizer, progress=progress)


def _fetch(
    transport: Transport,
    offer: UpdateOffer,
    want: Wanted,
    folder: Path,
    sizer: ChunkSizer,
    progress: Progress | None,
) -> Downloaded:
    final = folder / want.file_name
    manifest = folder / f"{want.file_name}.release"
    if final.is_file() and manifest.is_file():
        return Downloaded(final, manifest, 0)
    part = folder / f"{want.sha256}.part"
    held = part.stat().st_size if part.exists() else 0
    if held > want.size:  # not ours to continue
        part.unlink()
        held = 0
    fetched = 0
    with part.open("ab") as out:
        while held < want.size:
            length = min(sizer.size, want.size - held)
            started = time.monotonic()
            data = transport.fetch_bytes(
                f"/releases/artifacts/{want.sha256}", {"offset": held, "length": length}
            )
            if not data or len(data) > length:
                part.unlink(missing_ok=True)
                raise UpdateRefusedError("mismatch", f"Update {offer.version} refused: the "
                                         "server sent a range of the wrong length",
                                         offer.version)  # fmt: skip
            out.write(data)
            out.flush()
            os.fsync(out.fileno())  # what is counted as held survives a power cut
            sizer.observe(len(data), time.monotonic() - started)
            held += len(data)
            fetched += len(data)
            if progress is not None:
                progress(held, want.size)
    if _sha256(part) != want.sha256:
        part.unlink()
        raise UpdateRefusedError(
            "mismatch",
            f"Update {offer.version} refused: the downloaded file is not the one the release "
            "key signed (damaged or tampered with); it was deleted",
            offer.version,
        )
    manifest.write_text(offer.manifest, encoding="utf-8")
    os.replace(part, final)
    return Downloaded(final, manifest, fetched)


def verify_downloaded(
    path: Path, manifest_path: Path, pinned_key: str, platform: str, offered: str
) -> str:
    """Check a downloaded artifact once more just before installing it (the data
    folder may have been written to since); its version. Refused files are deleted."""
    try:
        manifest = verify(manifest_path.read_bytes(), pinned_key)
        artifact = manifest.artifact(platform)
        if artifact is None or artifact.file_name != path.name:
            raise ManifestError("mismatch", "the manifest lists no such artifact")
        if path.stat().st_size != artifact.size or _sha256(path) != artifact.sha256:
            raise ManifestError("mismatch", "the file is not the one the release key signed "
                                "(damaged or tampered with)")  # fmt: skip
    except (ManifestError, OSError) as exc:
        path.unlink(missing_ok=True)
        manifest_path.unlink(missing_ok=True)
        reason = exc.reason if isinstance(exc, ManifestError) else "damaged"
        raise UpdateRefusedError(reason, f"Update refused and deleted: {exc}", offered) from exc
    return manifest.version


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def client_for(version: str, channel: str) -> ClientIn | None:
    """What a sync round tells the server of this installation; None for a
    development checkout (no release platform: nothing to offer)."""
    platform = updater.installed_platform()
    if platform is None:
        return None
    return ClientIn(version=version, platform=platform, channel=channel)


def fetch_if_allowed(
    transport: Transport,
    data_dir: Path,
    pinned_key: str,
    *,
    on_metered: bool,
    metered: Callable[[], bool | None] = is_metered,
    running: str = __version__,
) -> Downloaded | None:
    """After a round: download the remembered offer, unless there is none, this
    installation pins no release key, or the link is metered and the officer did not
    agree. A cut leaves the part file for the next round; a refused release is
    deleted and forgotten (its refusal logged) so it is not fetched again."""
    offer = to_fetch(data_dir, running)
    if offer is None or not pinned_key:
        return None
    if not on_metered and metered() is True:
        log.info("update %s waits for a link that is not metered", offer.version)
        return None
    try:
        return download(transport, offer, data_dir, pinned_key)
    except TransportError as exc:
        log.info("update %s: download stopped (%s); it resumes next time", offer.version, exc)
    except updater.UpdateError as exc:  # a full disk: what is held stays for later
        log.warning("update %s: download stopped (%s)", offer.version, exc)
    except UpdateRefusedError as exc:
        log.warning("%s", exc)
        remember(data_dir, None)
    return None
