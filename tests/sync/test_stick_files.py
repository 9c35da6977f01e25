"""A USB stick prepared by someone else, through the real ``dxdesk`` commands
(issue 15, item 12): the export, the relay's delivery and the imports neither
write nor read through a link, do not hang on a named pipe, and say which path
they refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.server import RunningServer
from tests.sync.conftest import Client

OFFICER, RELAY = "cb.binhlieu", "cb.hoanhmo"
SECRET = b"not for the stick\n"


@pytest.mark.slow
def test_export_deliver_and_imports_refuse_links_pipes_and_folders(
    server: RunningServer, client: Client, tmp_path: Path
) -> None:
    assert client.login(server.url, OFFICER).code == 0
    assert client("sync").code == 0
    (report_id,) = client.queue(1)
    victim = tmp_path / "victim"
    victim.write_bytes(SECRET)
    stick = tmp_path / "stick"
    stick.mkdir()

    # export-bundle: a link where the file goes is refused, dangling or not.
    dangling = stick / "new.dxbundle"
    dangling.symlink_to(tmp_path / "created-elsewhere")
    refused = client("export-bundle", str(dangling))
    assert refused.code == 2 and f"{dangling} is a symbolic link" in refused.err
    assert not (tmp_path / "created-elsewhere").exists()
    linked = stick / "old.dxbundle"
    linked.symlink_to(victim)
    refused = client("export-bundle", str(linked), "--overwrite")
    assert refused.code == 2 and f"{linked} is a symbolic link" in refused.err
    assert linked.is_symlink() and victim.read_bytes() == SECRET
    bundle = stick / "binhlieu.dxbundle"
    exported = client("export-bundle", str(bundle), "--json")
    assert exported.code == 0 and exported.json()["reports"] == 1, exported.err

    # deliver-bundle: the receipt's place is checked before anything is uploaded.
    relay = Client(tmp_path / "relay", tmp_path / "relay-keyring.json")
    assert relay.login(server.url, RELAY).code == 0
    receipt = stick / "binhlieu.dxbundle.receipt"
    receipt.symlink_to(victim)
    refused = relay("deliver-bundle", str(bundle))
    assert refused.code == 2 and f"{receipt} is a symbolic link" in refused.err
    assert victim.read_bytes() == SECRET
    assert not [r for r in server.reports() if r["id"] == report_id]
    receipt.unlink()

    # What is read from the stick: a link, a named pipe (no hang), a folder.
    link = stick / "link.dxbundle"
    link.symlink_to(bundle)
    pipe = stick / "pipe.receipt"
    os.mkfifo(pipe)
    folder = stick / "folder.dxtasks"
    folder.mkdir()
    for command, path, words in (
        ("deliver-bundle", link, "is a symbolic link"),
        ("import-receipt", pipe, "is not an ordinary file"),
        ("import-tasks", folder, "is not an ordinary file"),
    ):
        refused = (relay if command == "deliver-bundle" else client)(command, str(path), timeout=60)
        assert refused.code == 2, (command, refused.err)
        assert f"{path} {words}" in refused.err, refused.err
    assert not [r for r in server.reports() if r["id"] == report_id]
    assert not receipt.exists()
