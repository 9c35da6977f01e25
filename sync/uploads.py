"""Resumable attachment uploads, in chunks sized to the link.

Before sending, ask the server how much of the blob it already holds and continue
from there, so a cut costs at most the chunk that was in flight. Chunks grow on a
good link and shrink on a bad one: the aim is a chunk every few seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sync import protocol
from sync.protocol import BlobStatus
from sync.transport import Transport, TransportError

MIN_CHUNK = 16 * 1024
MAX_CHUNK = protocol.MAX_CHUNK_BYTES
FIRST_CHUNK = 64 * 1024
TARGET_CHUNK_S = 4.0


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


Progress = Callable[[str, int, int], None]  # sha256, bytes the server holds, total


def upload_blob(
    transport: Transport,
    sha256: str,
    path: Path,
    sizer: ChunkSizer,
    progress: Progress | None = None,
) -> int:
    """Upload what the server lacks; returns bytes sent. Raises TransportError."""
    total = path.stat().st_size
    status = transport.call("GET", f"/blobs/{sha256}", BlobStatus)
    offset = total if status.complete else status.received
    sent = 0
    with path.open("rb") as handle:
        while offset < total:
            handle.seek(offset)
            chunk = handle.read(sizer.size)
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
            if progress is not None:
                progress(sha256, offset, total)
    return sent
