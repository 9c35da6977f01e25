"""A device as tests need one: an id and a signing key, to log in with and to sign
(and seal) report bodies built by hand exactly as dxdesk's engine does."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from dxdesk import attachment_seal, report_seal, signing
from dxdesk.canonical import content_hash


@dataclass
class TestDevice:
    __test__ = False  # not a pytest test class

    device_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    key: Ed25519PrivateKey = field(default_factory=signing.generate)

    @property
    def public_key(self) -> str:
        return signing.public_key_text(self.key)

    def login_fields(self, server: str, username: str) -> dict[str, str]:
        """The login's device fields, with a proof over a fresh challenge of ``server``
        (its base URL, without ``/api/v1``), as dxdesk's login sends them."""
        answer = requests.post(f"{server}/api/v1/auth/challenge", timeout=30)
        assert answer.status_code == 200, answer.text
        nonce = answer.json()["nonce"]
        return {
            "device_id": self.device_id,
            "device_public_key": self.public_key,
            "challenge": nonce,
            "device_proof": signing.sign_device_proof(self.key, nonce, self.device_id, username),
        }

    def sign(self, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` with its (existing) hash signed, as the engine sends it."""
        signature = signing.sign_report(self.key, body["content_sha256"])
        return {**body, "signature": signature, "device_id": self.device_id}


def rehash(body: dict[str, Any]) -> dict[str, Any]:
    """Recompute content_sha256 after a change (and drop a now stale signature)."""
    clean = {k: v for k, v in body.items() if k not in ("content_sha256", "signature")}
    clean.pop("device_id", None)
    return {**clean, "content_sha256": content_hash(clean)}


def seal(body: dict[str, Any], server_public_key: str) -> dict[str, Any]:
    """A classified report as a device sends it: words and file names sealed."""
    clean = {k: v for k, v in body.items() if k not in ("content_sha256", "signature")}
    clean.pop("device_id", None)
    content = report_seal.content(
        clean["results"],
        clean["difficulties"],
        clean["proposals"],
        clean["indicator_values"],
        [(a["id"], a["file_name"]) for a in clean["attachments"]],
    )
    clean.update(
        classification="secret",
        results="",
        difficulties="",
        proposals="",
        indicator_values={},
        attachments=[
            {**a, "file_name": report_seal.SEALED_FILE_NAME} for a in clean["attachments"]
        ],
        sealed=report_seal.seal_content(content, clean["id"], server_public_key),
    )
    return rehash(clean)


def seal_with_files(
    body: dict[str, Any], server_public_key: str, files: dict[str, bytes]
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """A classified report as dxdesk 0.2 sends it: words, file names and the bytes of
    the attachments in ``files`` (by id) sealed. Returns the body and, by attachment
    id, the sealed bytes to upload."""
    clean = {k: v for k, v in body.items() if k not in ("content_sha256", "signature")}
    clean.pop("device_id", None)
    sealed_bytes = {
        attachment_id: b"".join(
            attachment_seal.seal(server_public_key, [data], clean["id"], attachment_id)
        )
        for attachment_id, data in files.items()
    }
    originals = {
        a["id"]: report_seal.Original(a["sha256"], a["size"], a["mime_type"])
        for a in clean["attachments"]
        if a["id"] in files
    }
    content = report_seal.content(
        clean["results"], clean["difficulties"], clean["proposals"], clean["indicator_values"],
        [(a["id"], a["file_name"]) for a in clean["attachments"]], originals,
    )  # fmt: skip

    def outside(a: dict[str, Any]) -> dict[str, Any]:
        if a["id"] not in files:
            return {**a, "file_name": report_seal.SEALED_FILE_NAME}
        data = sealed_bytes[a["id"]]
        return {**a, "file_name": report_seal.SEALED_FILE_NAME, "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "mime_type": attachment_seal.SEALED_MIME}  # fmt: skip

    clean.update(
        classification="secret", results="", difficulties="", proposals="", indicator_values={},
        attachments=[outside(a) for a in clean["attachments"]],
        sealed=report_seal.seal_content(content, clean["id"], server_public_key),
    )  # fmt: skip
    return rehash(clean), sealed_bytes
