"""A classified report's attachment bytes, sealed to the server's X25519 key.

The report's words are sealed as one small payload (:mod:`dxdesk.report_seal`); an
attachment may be 100 MiB, uploaded in resumable chunks and opened as a stream, so
its seal is cut into segments, each authenticated on its own (as the at-rest
format, :mod:`dxdesk.segmented`):

    sealed   = 0x01 ‖ ephemeral X25519 public key (32) ‖ segment*
    segment  = ChaCha20-Poly1305(key, nonce = prefix (8) ‖ index (4, big-endian),
                                 up to 64 KiB, aad)
    aad      = "dxdesk sealed attachment v1\\n" report id "\\n" attachment id "\\n"
               ("last" | "more")

HKDF-SHA256 over the X25519 shared secret (``info`` binds both public keys) gives
the key and the nonce prefix, fresh for every attachment. The associated data binds
the bytes to their report and attachment (they cannot be swapped into another
report) and marks the last segment (a copy cut short does not open). The sealed
bytes are what the device hashes, signs and uploads: the server checks their
sha256 like any attachment's without opening them, and the original sha256, size
and type travel inside the report's sealed payload.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dxdesk import sealing

VERSION = 1
SEGMENT = 64 * 1024
TAG = 16
PREFIX = 8
HEADER = 1 + sealing.KEY_BYTES
# The type a sealed attachment has outside the seal: how the server tells bytes a
# device sealed from a classified report's bytes sent in the clear by an older one.
SEALED_MIME = "application/vnd.dxdesk.sealed"
_INFO = b"dxdesk attachment seal v1"
_AAD = b"dxdesk sealed attachment v1\n"


def sealed_size(size: int) -> int:
    """How many bytes ``size`` bytes take sealed (at least one segment)."""
    segments = max(1, -(-size // SEGMENT))
    return HEADER + size + segments * TAG


def plain_size(sealed: int) -> int:
    """The original size of a well-formed sealed attachment of ``sealed`` bytes."""
    body = sealed - HEADER
    segments = max(1, -(-body // (SEGMENT + TAG)))
    return body - segments * TAG


def _aad(report_id: str, attachment_id: str, last: bool) -> bytes:
    tail = b"last" if last else b"more"
    return _AAD + f"{report_id}\n{attachment_id}\n".encode() + tail


def _cipher(shared: bytes, ephemeral: bytes, recipient: bytes) -> tuple[ChaCha20Poly1305, bytes]:
    okm = HKDF(
        algorithm=hashes.SHA256(),
        length=sealing.KEY_BYTES + PREFIX,
        salt=None,
        info=_INFO + ephemeral + recipient,
    ).derive(shared)
    return ChaCha20Poly1305(okm[: sealing.KEY_BYTES]), okm[sealing.KEY_BYTES :]


def _segments(chunks: Iterable[bytes], size: int) -> Iterator[tuple[bytes, bool]]:
    """Cut a stream of chunks into segments of ``size``, saying which one is last."""
    pending = bytearray()
    held: bytes | None = None
    for chunk in chunks:
        pending += chunk
        while len(pending) > size:  # keep a byte back: only the end knows what is last
            if held is not None:
                yield held, False
            held = bytes(pending[:size])
            del pending[:size]
    if pending or held is None:
        if held is not None:
            yield held, False
        yield bytes(pending), True
    else:
        yield held, True


def seal(
    public_key: X25519PublicKey | str, chunks: Iterable[bytes], report_id: str, attachment_id: str
) -> Iterator[bytes]:
    """The sealed bytes of the stream ``chunks``, piece by piece."""
    recipient = (
        sealing.public_key_from_text(public_key) if isinstance(public_key, str) else public_key
    )
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = ephemeral.public_key().public_bytes_raw()
    try:
        shared = ephemeral.exchange(recipient)
    except ValueError as exc:  # a low-order point: not a real public key
        raise sealing.SealError("the recipient's public key is not usable") from exc
    cipher, prefix = _cipher(shared, ephemeral_raw, recipient.public_bytes_raw())
    yield bytes([VERSION]) + ephemeral_raw
    for index, (data, last) in enumerate(_segments(chunks, SEGMENT)):
        nonce = prefix + index.to_bytes(4, "big")
        yield cipher.encrypt(nonce, data, _aad(report_id, attachment_id, last))


def open_sealed(
    private_key: X25519PrivateKey, chunks: Iterable[bytes], report_id: str, attachment_id: str
) -> Iterator[bytes]:
    """The original bytes, segment by segment; SealError (possibly after some were
    yielded) when the bytes were altered, cut short, sealed for another report or
    attachment, or to another key. Callers that must not hand out a partial file
    read it through once first (:func:`verify`)."""
    stream = iter(chunks)
    head = bytearray()
    for chunk in stream:
        head += chunk
        if len(head) >= HEADER:
            break
    if len(head) < HEADER + TAG:
        raise sealing.SealError("the sealed attachment is too short")
    if head[0] != VERSION:
        raise sealing.SealError(f"unknown sealed attachment format {head[0]}")
    ephemeral_raw = bytes(head[1:HEADER])
    try:
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw))
    except ValueError as exc:
        raise sealing.SealError("the sealed attachment was altered") from exc
    recipient = private_key.public_key().public_bytes_raw()
    cipher, prefix = _cipher(shared, ephemeral_raw, recipient)

    def rest() -> Iterator[bytes]:
        yield bytes(head[HEADER:])
        yield from stream

    for index, (data, last) in enumerate(_segments(rest(), SEGMENT + TAG)):
        nonce = prefix + index.to_bytes(4, "big")
        try:
            yield cipher.decrypt(nonce, data, _aad(report_id, attachment_id, last))
        except InvalidTag as exc:
            raise sealing.SealError(
                "cannot open the sealed attachment: wrong key, another report's, or altered"
            ) from exc


def verify(
    private_key: X25519PrivateKey,
    chunks: Iterable[bytes],
    report_id: str,
    attachment_id: str,
    sha256: str,
    size: int,
) -> None:
    """Open the whole stream and check it is the original the report names; SealError
    if not. Nothing of it is kept."""
    digest = hashlib.sha256()
    total = 0
    for piece in open_sealed(private_key, chunks, report_id, attachment_id):
        digest.update(piece)
        total += len(piece)
    if total != size or digest.hexdigest() != sha256:
        raise sealing.SealError("the sealed attachment is not the file its report names")
