"""An encrypted file format that can be read at any offset.

Attachments are uploaded in chunks from wherever the last attempt stopped, so a
copy at rest must be readable from the middle without decrypting everything
before it. The plaintext is cut into 64 KiB segments, each sealed with AES-256-GCM
under a nonce made of a per-file random prefix and the segment number; the last
segment is marked in its associated data, so a file cut short at a segment boundary
is detected too.

    file    = MAGIC (4) | prefix (8) | segment*
    segment = AES-GCM(key, nonce = prefix | index (4, big-endian),
                      data = up to 64 KiB, aad = b"last" or b"")
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"DXE1"
PREFIX_BYTES = 8
HEADER_BYTES = len(MAGIC) + PREFIX_BYTES
SEGMENT = 64 * 1024
TAG = 16
SEALED_SEGMENT = SEGMENT + TAG


class CorruptFileError(Exception):
    """The file was altered, cut short, or sealed with another key."""


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + index.to_bytes(4, "big")


def _aad(last: bool) -> bytes:
    return b"last" if last else b""


class SegmentWriter:
    """Encrypts what is written to ``out``; call :meth:`close` to seal the end."""

    def __init__(self, out: BinaryIO, key: bytes) -> None:
        self.out = out
        self.aead = AESGCM(key)
        self.prefix = secrets.token_bytes(PREFIX_BYTES)
        self.index = 0
        self.pending = bytearray()
        out.write(MAGIC + self.prefix)

    def write(self, data: bytes) -> None:
        self.pending += data
        # Keep at least one byte back: only close() knows which segment is last.
        while len(self.pending) > SEGMENT:
            self._seal(bytes(self.pending[:SEGMENT]), last=False)
            del self.pending[:SEGMENT]

    def close(self) -> None:
        self._seal(bytes(self.pending), last=True)
        self.pending.clear()

    def _seal(self, data: bytes, *, last: bool) -> None:
        self.out.write(self.aead.encrypt(_nonce(self.prefix, self.index), data, _aad(last)))
        self.index += 1


def plain_size(sealed_size: int) -> int:
    body = sealed_size - HEADER_BYTES
    if body < TAG:
        raise CorruptFileError("file too short")
    segments = -(-body // SEALED_SEGMENT)
    return body - segments * TAG


class SegmentReader:
    """Random access to the plaintext of a sealed file."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self.aead = AESGCM(key)
        self.sealed_size = path.stat().st_size
        self.size = plain_size(self.sealed_size)
        self.segments = -(-(self.sealed_size - HEADER_BYTES) // SEALED_SEGMENT)
        with path.open("rb") as handle:
            header = handle.read(HEADER_BYTES)
        if header[: len(MAGIC)] != MAGIC:
            raise CorruptFileError(f"{path.name} is not an encrypted dxdesk file")
        self.prefix = header[len(MAGIC) :]

    def _segment(self, handle: BinaryIO, index: int) -> bytes:
        handle.seek(HEADER_BYTES + index * SEALED_SEGMENT)
        sealed = handle.read(SEALED_SEGMENT)
        last = index == self.segments - 1
        try:
            return self.aead.decrypt(_nonce(self.prefix, index), sealed, _aad(last))
        except InvalidTag as exc:
            raise CorruptFileError(f"{self.path.name}: segment {index} fails its check") from exc

    def read(self, offset: int, length: int) -> bytes:
        end = min(self.size, offset + length)
        if offset >= end:
            return b""
        out = bytearray()
        with self.path.open("rb") as handle:
            for index in range(offset // SEGMENT, (end - 1) // SEGMENT + 1):
                data = self._segment(handle, index)
                start = index * SEGMENT
                out += data[max(0, offset - start) : end - start]
        return bytes(out)

    def chunks(self) -> Iterator[bytes]:
        with self.path.open("rb") as handle:
            for index in range(self.segments):
                yield self._segment(handle, index)


def fsync_file(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())
