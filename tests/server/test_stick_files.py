"""A USB stick prepared by someone else, through the real ``dxdesk-server`` commands.

Links named like the writer's temporary files, a link or a folder where the receipt
goes, a link, named pipe or folder where the bundle should be: nothing outside the
stick is written, nothing is read through a link, no command hangs, and each
refusal names the path (issue 15, item 12).
"""

from __future__ import annotations

import os
from pathlib import Path

from sync.server.db import Database
from tests.server.conftest import ServerProcess, World, report_body, run_cli
from tests.server.test_bundles import make_bundle, stored

VICTIM_TEXT = b"-----SERVER KEY (stand-in)-----\n"
LINKS = 4000  # the pids the next command could get (handed out in order)


def _next_pids(count: int) -> list[int]:
    """Pids the kernel hands out next (sequentially, wrapping at pid_max)."""
    last = int(Path("/proc/sys/kernel/ns_last_pid").read_text())
    top = int(Path("/proc/sys/kernel/pid_max").read_text())
    return [300 + (p - 300) % (top - 300) if p >= top else p for p in range(last + 1, last + count)]


def _plant_temp_links(target: Path, victim: Path) -> None:
    """What the attack put on the stick: a link, under every name the old writer
    could pick for its temporary file (``.NAME.PID.tmp``), to a file worth breaking."""
    for pid in _next_pids(LINKS):
        (target.parent / f".{target.name}.{pid}.tmp").symlink_to(victim)


def _common(server: ServerProcess) -> tuple[str, ...]:
    return ("--db", server.db_url, "--home", str(server.folder))


def _stick_with_bundle(world: World, tmp_path: Path, progress: int) -> tuple[Path, str]:
    stick = tmp_path / "stick"
    stick.mkdir()
    body = report_body(world.tasks_a[0], progress=progress)
    bundle = stick / "xa-a.dxbundle"
    bundle.write_bytes(make_bundle(world.officer_a, world.usernames["oa"], [body]))
    return bundle, str(body["id"])


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "server-key"
    victim.write_bytes(VICTIM_TEXT)
    return victim


def test_links_planted_under_the_temporary_names_are_never_opened(
    world: World, server_db: Database, tmp_path: Path
) -> None:
    server: ServerProcess = world.server
    victim = _victim(tmp_path)
    bundle, report_id = _stick_with_bundle(world, tmp_path, 35)
    receipt = bundle.with_name(bundle.name + ".receipt")
    _plant_temp_links(receipt, victim)
    done = run_cli("import-bundle", str(bundle), *_common(server))
    assert done.returncode == 0, done.stderr
    assert victim.read_bytes() == VICTIM_TEXT
    assert receipt.is_file() and not receipt.is_symlink()
    assert receipt.read_bytes().startswith(b"DXDESK-RECEIPT")
    assert stored(server_db, [report_id]) == 1
    assert len(list(bundle.parent.glob(".*.tmp"))) == LINKS - 1  # left as found

    package = bundle.with_name("tasks.dxtasks")
    _plant_temp_links(package, victim)
    exported = run_cli("export-tasks", "--unit", world.unit_a, str(package), *_common(server))
    assert exported.returncode == 0, exported.stderr
    assert victim.read_bytes() == VICTIM_TEXT
    assert package.is_file() and not package.is_symlink()


def test_a_link_or_folder_where_the_receipt_goes_is_refused_before_importing(
    world: World, server_db: Database, tmp_path: Path
) -> None:
    server: ServerProcess = world.server
    victim = _victim(tmp_path)
    bundle, report_id = _stick_with_bundle(world, tmp_path, 36)
    receipt = bundle.with_name(bundle.name + ".receipt")
    receipt.symlink_to(victim)
    linked = run_cli("import-bundle", str(bundle), *_common(server))
    assert linked.returncode == 1
    assert f"{receipt} is a symbolic link" in linked.stderr
    assert stored(server_db, [report_id]) == 0
    assert receipt.is_symlink() and victim.read_bytes() == VICTIM_TEXT
    receipt.unlink()
    receipt.mkdir()
    folder = run_cli("import-bundle", str(bundle), *_common(server))
    assert folder.returncode == 1 and f"{receipt} is not an ordinary file" in folder.stderr
    assert stored(server_db, [report_id]) == 0


def test_import_bundle_reads_no_link_pipe_or_folder(world: World, tmp_path: Path) -> None:
    server: ServerProcess = world.server
    stick = tmp_path / "stick"
    stick.mkdir()
    key = server.folder / "server-key"
    link = stick / "key.dxbundle"
    link.symlink_to(key)
    pipe = stick / "pipe.dxbundle"
    os.mkfifo(pipe)
    folder = stick / "folder.dxbundle"
    folder.mkdir()
    for path, words in ((link, "is a symbolic link"), (pipe, "is not an ordinary file"),
                        (folder, "is not an ordinary file")):  # fmt: skip
        refused = run_cli("import-bundle", str(path), *_common(server))  # a pipe: no hang
        assert refused.returncode == 1, refused.stdout
        assert f"{path} {words}" in refused.stderr
    assert not list(stick.glob("*.receipt"))


def test_export_tasks_does_not_replace_a_link(world: World, tmp_path: Path) -> None:
    server: ServerProcess = world.server
    victim = _victim(tmp_path)
    target = tmp_path / "tasks.dxtasks"
    target.symlink_to(victim)
    linked = run_cli("export-tasks", "--unit", world.unit_a, str(target), *_common(server))
    assert linked.returncode == 1 and f"{target} is a symbolic link" in linked.stderr
    assert target.is_symlink() and victim.read_bytes() == VICTIM_TEXT
