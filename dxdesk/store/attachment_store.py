"""Content-addressed copies of attachments inside the profile.

An officer attaches a photo from a USB stick and pulls the stick out; the report
must still have its photo. So attaching copies the file here; the copy is known by
the sha256 of its content, which is also how the server addresses it.

In a user's profile the copies are encrypted with a key derived from the user's
data key (:mod:`dxdesk.segmented`), and named by a keyed hash of the sha256, so
the folder tells a thief neither the content nor which known documents it holds.
Without a key (the legacy, pre-encryption layout) copies are plain files named by
their sha256.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dxdesk import own_copy
from dxdesk.disk import writing
from dxdesk.segmented import CorruptFileError, SegmentReader, SegmentWriter, fsync_file

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    new: bool = True  # False: the store already held this content


def subkey(data_key: bytes, purpose: bytes) -> bytes:
    """A key for one purpose only, so no two uses ever share a key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(data_key)


class AttachmentStore:
    def __init__(self, root: Path, data_key: bytes | None = None) -> None:
        self.root = root
        self._content_key = subkey(data_key, b"dxdesk attachments v1") if data_key else None
        self._name_key = subkey(data_key, b"dxdesk attachment names v1") if data_key else None
        # Not for files: the key of a sealed report's own copy (dxdesk.own_copy), kept
        # here since this is the profile's keyed store every finalize is handed.
        self.own_copy_key = subkey(data_key, own_copy.PURPOSE) if data_key else None

    @property
    def encrypted(self) -> bool:
        return self._content_key is not None

    def path_for(self, sha256: str) -> Path:
        name = sha256
        if self._name_key is not None:
            name = hmac.new(self._name_key, sha256.encode("ascii"), hashlib.sha256).hexdigest()
        return self.root / name[:2] / name

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def put(self, source: Path) -> StoredBlob:
        """Copy ``source`` in, hashing as we go; durable once this returns. A source
        that cannot be read raises OSError; a copy that cannot be written (disk full,
        read-only folder) raises :class:`DiskError`. Either way nothing is left."""
        with source.open("rb") as src:
            return self.put_chunks(iter(lambda: src.read(CHUNK), b""))

    def put_chunks(self, chunks: Iterable[bytes]) -> StoredBlob:
        """Store the content made of ``chunks`` (a sealed copy of an attachment, say),
        as :meth:`put` does a file."""
        with writing(self.root):
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            digest = hashlib.sha256()
            size = 0
            fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
            tmp = Path(tmp_name)
            try:
                with os.fdopen(fd, "wb") as dst:
                    writer = SegmentWriter(dst, self._content_key) if self._content_key else None
                    for chunk in chunks:
                        digest.update(chunk)
                        if writer is not None:
                            writer.write(chunk)
                        else:
                            dst.write(chunk)
                        size += len(chunk)
                    if writer is not None:
                        writer.close()
                    fsync_file(dst)
                target = self.path_for(digest.hexdigest())
                new = not target.exists()
                target.parent.mkdir(exist_ok=True, mode=0o700)
                os.replace(tmp, target)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        return StoredBlob(digest.hexdigest(), size, new)

    def remove(self, sha256: str) -> None:
        """Forget a copy no report refers to (the caller checks that)."""
        self.path_for(sha256).unlink(missing_ok=True)

    def size(self, sha256: str) -> int:
        path = self.path_for(sha256)
        if self._content_key is None:
            return path.stat().st_size
        return SegmentReader(path, self._content_key).size

    def read(self, sha256: str, offset: int, length: int) -> bytes:
        """``length`` bytes of the content from ``offset`` (fewer at the end)."""
        path = self.path_for(sha256)
        if self._content_key is None:
            with path.open("rb") as handle:
                handle.seek(offset)
                return handle.read(length)
        return SegmentReader(path, self._content_key).read(offset, length)

    def chunks(self, sha256: str) -> Iterator[bytes]:
        path = self.path_for(sha256)
        if self._content_key is not None:
            yield from SegmentReader(path, self._content_key).chunks()
            return
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    def verify(self, sha256: str) -> bool:
        """True when the stored copy is present and still has the right content."""
        digest = hashlib.sha256()
        try:
            for chunk in self.chunks(sha256):
                digest.update(chunk)
        except (OSError, CorruptFileError):
            return False
        return digest.hexdigest() == sha256
