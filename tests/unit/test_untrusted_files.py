"""The atomic writer and the reader of user-chosen paths, on a prepared folder
(issue 15, item 12): real links, a named pipe, a folder, a device."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from dxdesk.atomic_file import write_atomically
from dxdesk.errors import UnsafeFileError
from dxdesk.untrusted_files import read_untrusted

SECRET = b"the server's key\n"


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere" / "server-key"
    path.parent.mkdir()
    path.write_bytes(SECRET)
    return path


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    folder = tmp_path / "stick"
    folder.mkdir()
    return folder


def test_a_link_under_the_old_temporary_name_is_never_written_through(
    stick: Path, victim: Path
) -> None:
    target = stick / "bundle.receipt"
    planted = stick / f".{target.name}.{os.getpid()}.tmp"
    planted.symlink_to(victim)
    write_atomically(target, b"receipt")
    assert victim.read_bytes() == SECRET
    assert target.read_bytes() == b"receipt" and not target.is_symlink()
    assert planted.is_symlink()  # left as found
    assert sorted(p.name for p in stick.iterdir()) == sorted([target.name, planted.name])


def test_a_link_or_a_folder_as_the_target_is_refused_and_left_alone(
    stick: Path, victim: Path
) -> None:
    link = stick / "tasks.dxtasks"
    link.symlink_to(victim)
    with pytest.raises(UnsafeFileError) as refused:
        write_atomically(link, b"package")
    assert refused.value.exit_code == 2
    assert refused.value.render("en").startswith(f"{link} is a symbolic link")
    assert refused.value.render("vi").startswith(f"{link} là một liên kết")
    assert link.is_symlink() and victim.read_bytes() == SECRET
    dangling = stick / "new.dxbundle"
    dangling.symlink_to(stick / "nowhere")
    with pytest.raises(UnsafeFileError):
        write_atomically(dangling, b"bundle")
    assert not (stick / "nowhere").exists()
    folder = stick / "folder.receipt"
    folder.mkdir()
    with pytest.raises(UnsafeFileError, match="is not an ordinary file"):
        write_atomically(folder, b"receipt")
    assert not list(stick.glob(".*.tmp"))


def test_the_reader_refuses_links_pipes_folders_devices_and_oversized_files(
    stick: Path, victim: Path
) -> None:
    link = stick / "a.dxbundle"
    link.symlink_to(victim)
    pipe = stick / "b.dxbundle"
    os.mkfifo(pipe)
    folder = stick / "c.dxbundle"
    folder.mkdir()
    big = stick / "d.dxbundle"
    big.write_bytes(b"x" * 2049)
    cases = [(link, "is a symbolic link"), (pipe, "is not an ordinary file"),
             (folder, "is not an ordinary file"), (Path("/dev/zero"), "is not an ordinary file"),
             (big, "over the 0 MB")]  # fmt: skip
    said: list[str] = []

    def read_all() -> None:  # on a thread: a reader blocked on the pipe would hang the test
        for path, _words in cases:
            try:
                read_untrusted(path, 2048)
                said.append("read")
            except UnsafeFileError as exc:
                said.append(exc.render("en"))

    reader = threading.Thread(target=read_all, daemon=True)
    reader.start()
    reader.join(timeout=30)
    assert len(said) == len(cases)
    for (path, words), text in zip(cases, said, strict=True):
        assert text.startswith(f"{path} ") and words in text, text
    assert read_untrusted(victim, 2048) == SECRET
