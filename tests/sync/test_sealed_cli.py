"""A classified report through the ``dxdesk`` command: its words appear in no
output, no log and no server database row, yet a reviewer can read them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from dxdesk.identity import device
from dxdesk.identity.credentials import MemoryTokenStore
from dxdesk.paths import Paths
from sync import client_account
from sync.transport import Transport
from tests.support.server import DEMO_PASSWORD, RunningServer
from tests.sync.conftest import Client

MARKER = "CLI-MARKER-93bc"
WORDS = f"Mật: vị trí kho {MARKER}"
USER = "cb.binhlieu"


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
    assert client.login(server.url, USER).code == 0
    _register_device(client, server)
    assert client("sync").code == 0
    code = client("tasks", "--json").json()["tasks"][0]["code"]
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
