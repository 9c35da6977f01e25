"""A classified report through the ``dxdesk`` command: its words appear in no
output, no log and no server database row, yet a reviewer can read them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.engine import make_url

from dxdesk import attachment_seal, reports
from dxdesk.identity import device
from dxdesk.identity.credentials import MemoryTokenStore
from dxdesk.paths import Paths
from sync import client_account
from sync.server.db import open_database
from sync.server.tables import Attachment, BlobUpload
from sync.transport import Transport
from tests.support.server import DEMO_PASSWORD, REVIEWER, RunningServer
from tests.sync.conftest import Client

MARKER = "CLI-MARKER-93bc"
WORDS = f"Mật: vị trí kho {MARKER}"
USER = "cb.binhlieu"


def _first_task_after_login(client: Client, server: RunningServer) -> str:
    """Logged in, the device's key registered, synced: the code of the first task."""
    assert client.login(server.url, USER).code == 0
    _register_device(client, server)
    assert client("sync").code == 0
    return str(client("tasks", "--json").json()["tasks"][0]["code"])


def _register_device(client: Client, server: RunningServer) -> None:
    # What a login does; done in-process so this test does not depend on how the
    # sign-in command wires the device identity.
    profile = client.open()
    transport = Transport(server.url)
    try:
        with profile.db.session() as session:
            client_account.login(
                session, transport, MemoryTokenStore(), USER, DEMO_PASSWORD,
                device_id=device.device_id(Paths.under(client.home)),
            )  # fmt: skip
    finally:
        transport.close()
        profile.close()


def _server_bytes(server: RunningServer) -> bytes:
    path = Path(str(make_url(server.db_url).database))
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


@pytest.mark.slow
def test_a_classified_report_keeps_its_words_to_itself(
    server: RunningServer, client: Client, tmp_path: Path
) -> None:
    code = _first_task_after_login(client, server)
    photo = tmp_path / f"{MARKER}.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(2000))
    made = client(
        "-v", "report", code, "--progress", "30", "--summary", WORDS,
        "--difficulties", f"khó {MARKER}", "--classification", "secret",
        "--attach", str(photo), "--json",
    )  # fmt: skip
    assert made.code == 0, made.err
    report_id = made.json()["id"]
    assert MARKER not in made.out + made.err
    for listing in (client("outbox", "--json"), client("outbox"), client("outbox", "--all")):
        assert listing.code == 0 and MARKER not in listing.out + listing.err
    assert "(classified)" in client("outbox").out

    sent = client("-v", "sync", "--json")
    assert sent.code == 0, sent.err
    assert sent.json()["accepted"] == 1 and MARKER not in sent.out + sent.err
    after = client("outbox", "--all", "--json")
    assert [i["state"] for i in after.json()["items"] if i["id"] == report_id] == ["accepted"]
    assert MARKER not in after.out

    log = (client.home / "logs" / "dxdesk.log").read_text(encoding="utf-8")
    assert "dxdesk" in log  # the commands did log
    assert MARKER not in log
    assert MARKER.encode() not in _server_bytes(server)
    shown = json.loads(server.admin("reports", "--show", report_id, "--json").stdout)
    assert shown["results"] == WORDS and shown["signature_status"] == "valid"
    assert [a["file_name"] for a in shown["attachments"]] == [photo.name]


def test_a_classified_report_needs_the_server_key_first(
    server: RunningServer, client: Client
) -> None:
    client.settings(server_url=server.url)
    assert client("demo", "--local").code == 0
    made = client(
        "report", "NV-2026-001", "--progress", "10", "--summary", WORDS,
        "--classification", "secret",
    )  # fmt: skip
    assert made.code == 2
    assert "Log in once while online" in made.err and MARKER not in made.err
    items = client("outbox", "--json").json()["items"]
    assert [i["state"] for i in items] == ["draft"]  # kept, not queued, not sealed


ATTACHED = b"ATTACHED-MARKER-c41e"


def _files_under(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def _download(server: RunningServer, report_id: str) -> list[tuple[str, str, bytes]]:
    """The reviewer opens the report and downloads each file: (name, type, bytes)."""
    login = requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"username": REVIEWER[0], "password": REVIEWER[1]}, timeout=30,
    )  # fmt: skip
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    opened = requests.get(f"{server.url}/api/v1/reports/{report_id}", headers=headers, timeout=30)
    assert opened.status_code == 200, opened.text
    files = []
    for attachment in opened.json()["attachments"]:
        got = requests.get(
            f"{server.url}/api/v1/reports/{report_id}/attachments/{attachment['id']}",
            headers=headers, timeout=30,
        )  # fmt: skip
        assert got.status_code == 200, got.text
        files.append((attachment["file_name"], got.headers["Content-Type"], got.content))
    return files


@pytest.mark.slow
def test_a_classified_attachment_never_leaves_sealed_and_its_author_can_correct_it(
    server: RunningServer, client: Client, tmp_path: Path
) -> None:
    code = _first_task_after_login(client, server)
    photo = tmp_path / "so-do-kho.jpg"
    data = b"\xff\xd8\xff\xe0" + os.urandom(90_000) + ATTACHED + os.urandom(500)
    photo.write_bytes(data)
    made = client(
        "report", code, "--progress", "35", "--summary", WORDS, "--classification", "secret",
        "--attach", str(photo), "--json",
    )  # fmt: skip
    assert made.code == 0, made.err
    report_id = made.json()["id"]
    photo.unlink()  # the stick is pulled out: the profile has its own copies
    assert ATTACHED not in _files_under(client.home)

    sent = client("sync", "--json")
    assert sent.code == 0, sent.err
    assert (sent.json()["accepted"], sent.json()["attachments_uploaded"]) == (1, 1)
    # The server's database (its uploaded chunks included) and its folder hold no byte
    # of it in the clear; and the device sealed what it uploaded: the chunks are
    # stored as they arrived (the server sealed none), so they are the PUT bodies.
    assert ATTACHED not in _server_bytes(server) + _files_under(server.folder)
    server_db = open_database(server.db_url)
    try:
        with server_db.read() as session:
            mime, sha = session.execute(
                select(Attachment.mime_type, Attachment.sha256).where(
                    Attachment.report_id == report_id
                )
            ).one()
            assert mime == attachment_seal.SEALED_MIME
            uploads = session.scalars(select(BlobUpload).where(BlobUpload.sha256 == sha)).all()
            assert [(u.complete, u.sealed) for u in uploads] == [(True, False)]
    finally:
        server_db.dispose()
    assert _download(server, report_id) == [(photo.name, "image/jpeg", data)]
    assert ATTACHED not in _server_bytes(server)

    # The author reopens it to correct it: words and file filled in, from this profile.
    profile = client.open()
    try:
        with profile.db.session() as session:
            draft = reports.start_correction(session, report_id, store=profile.attachments)
            assert (draft.results, draft.corrects_id) == (WORDS, report_id)
            (attachment,) = reports.attachments_of(session, draft.id)
            assert attachment.file_name == photo.name and attachment.size == len(data)
            assert b"".join(profile.attachments.chunks(attachment.sha256)) == data
            final = reports.finalize(session, profile.attachments, draft.id)
            correction_id = final.id
    finally:
        profile.close()
    assert ATTACHED not in _files_under(client.home)

    # On a USB stick: sealed in the bundle, imported by the server, opened as attached.
    stick = tmp_path / "stick"
    stick.mkdir()
    bundle = stick / "mat.dxbundle"
    exported = client("export-bundle", str(bundle), "--json")
    assert exported.code == 0, exported.err
    assert (exported.json()["reports"], exported.json()["attachments"]) == (1, 1)
    assert ATTACHED not in bundle.read_bytes()
    imported = server.admin("import-bundle", str(bundle), "--home", str(server.folder), "--json")
    assert json.loads(imported.stdout)["accepted"] == 1
    assert _download(server, correction_id) == [(photo.name, "image/jpeg", data)]
    assert ATTACHED not in _server_bytes(server) + _files_under(server.folder)
