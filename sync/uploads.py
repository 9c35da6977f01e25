"""Resumable attachment uploads, in chunks sized to the link.

The device remembers how much of each blob the server confirmed. A first upload
starts at once; a resumed one first asks the server where it stands (a cut may
have lost a reply), so a cut costs at most the chunk that was in flight. Chunks
grow on a good link and shrink on a bad one, aiming at one chunk every ~10 s:
few round trips, and little to resend after a cut.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from dxdesk.store.attachment_store import AttachmentStore
from sync import protocol
from sync.protocol import BlobStatus
from sync.transport import Transport, TransportError

MIN_CHUNK = 16 * 1024
MAX_CHUNK = protocol.MAX_CHUNK_BYTES
FIRST_CHUNK = 64 * 1024
TARGET_CHUNK_S = 10.0
# Stored as the confirmed offset while a first chunk is in flight: "ask first".
UNKNOWN = -1


@dataclass
class ChunkSizer:
    size: int = FIRST_CHUNK

    def observe(self, sent: int, seconds: float) -> None:
        if seconds <= 0:
            self.size = min(MAX_CHUNK, self.size * 2)
            return
        ideal = int(sent / seconds * TARGET_CHUNK_S)
        # Move at most 4× either way: one lucky or unlucky chunk is not the link.
        ideal = max(self.size // 4, min(self.size * 4, ideal))
        self.size = max(MIN_CHUNK, min(MAX_CHUNK, ideal))


@dataclass(frozen=True)
class OffsetMemory:
    """Where the engine keeps the server-confirmed offset of each blob."""

    load: Callable[[str], int]
    save: Callable[[str, int], None]


Progress = Callable[[str, int, int], None]  # sha256, bytes the server holds, total


def upload_blob(
    transport: Transport,
    sha256: str,
    store: AttachmentStore,
    sizer: ChunkSizer,
    memory: OffsetMemory,
    progress: Progress | None = None,
) -> int:
    """Upload what the server lacks; returns bytes sent. Raises TransportError."""
    total = store.size(sha256)
    confirmed = memory.load(sha256)
    if confirmed == 0:
        memory.save(sha256, UNKNOWN)
        offset = 0
    else:
        status = transport.call("GET", f"/blobs/{sha256}", BlobStatus)
        offset = total if status.complete else status.received
    sent = 0
    while offset < total:
        # Read (and decrypt) only the chunk about to go: attachments may be large.
        chunk = store.read(sha256, offset, sizer.size)
        started = time.monotonic()
        try:
            status = transport.call(
                "PUT",
                f"/blobs/{sha256}",
                BlobStatus,
                raw=chunk,
                params={"offset": offset, "size": total},
            )
        except TransportError as exc:
            if exc.code == "offset_mismatch" and exc.received is not None:
                offset = exc.received  # the server knows better: continue from there
                continue
            raise
        sizer.observe(len(chunk), time.monotonic() - started)
        sent += len(chunk)
        offset = total if status.complete else status.received
        memory.save(sha256, offset)
        if progress is not None:
            progress(sha256, offset, total)
    return sent
