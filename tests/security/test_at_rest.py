"""What lies on disk: an encrypted store and encrypted attachments."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest
from sqlmodel import select

from dxdesk import reports
from dxdesk.demo_data import load as load_demo
from dxdesk.errors import StorageError
from dxdesk.identity.users import UnlockedUser, UserIndex
from dxdesk.paths import Paths
from dxdesk.profile import open_profile
from dxdesk.reports import ReportContent
from dxdesk.segmented import SEGMENT, CorruptFileError, SegmentReader
from dxdesk.store.attachment_store import AttachmentStore
from dxdesk.store.models import Task
from tests.support.profiles import new_user_profile

SECRET = "Kết quả BIMAT-7Q4 của xã Hoành Mô"


def all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.mark.parametrize("size", [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT + 17])
def test_encrypted_attachment_reads_back_at_any_offset(tmp_path: Path, size: int) -> None:
    source = tmp_path / "photo.jpg"
    content = os.urandom(size)
    source.write_bytes(content)
    store = AttachmentStore(tmp_path / "store", os.urandom(32))
    blob = store.put(source)
    assert blob.sha256 == hashlib.sha256(content).hexdigest()
    assert store.size(blob.sha256) == size
    for offset, length in [(0, 10), (SEGMENT - 3, 7), (size // 2, SEGMENT + 5), (0, size + 9)]:
        assert store.read(blob.sha256, offset, length) == content[offset : offset + length]
    assert store.verify(blob.sha256)
    on_disk = store.path_for(blob.sha256)
    assert blob.sha256 not in str(on_disk)  # the name does not reveal the content hash
    if size >= 16:
        assert content[:16] not in on_disk.read_bytes()


def test_tampered_or_truncated_attachment_is_detected(tmp_path: Path) -> None:
    source = tmp_path / "doc.pdf"
    source.write_bytes(os.urandom(2 * SEGMENT + 100))
    key = os.urandom(32)
    store = AttachmentStore(tmp_path / "store", key)
    blob = store.put(source)
    path = store.path_for(blob.sha256)
    original = path.read_bytes()
    flipped = bytearray(original)
    flipped[SEGMENT + 40] ^= 1
    path.write_bytes(bytes(flipped))
    assert not store.verify(blob.sha256)
    with pytest.raises(CorruptFileError):
        store.read(blob.sha256, SEGMENT, 10)
    # Cut exactly at a segment boundary: the missing "last" mark gives it away.
    path.write_bytes(original[: 12 + 2 * (SEGMENT + 16)])
    with pytest.raises(CorruptFileError):
        list(SegmentReader(path, AttachmentStore(tmp_path, key)._content_key or b"").chunks())
    assert not store.verify(blob.sha256)


def test_profile_folder_holds_no_plaintext_of_a_report_or_attachment(tmp_path: Path) -> None:
    home = tmp_path / "home"
    photo = tmp_path / "bien-ban.txt"
    photo.write_text("Biên bản nghiệm thu PLAINPHOTO-99 " * 200, encoding="utf-8")
    profile = new_user_profile(home)
    try:
        with profile.db.session() as session:
            load_demo(session, dt.date(2026, 11, 27), None)
            task = session.exec(select(Task)).first()
            assert task is not None
            draft = reports.create_draft(session, task, ReportContent(40, results=SECRET))
            reports.attach(session, profile.attachments, draft.id, photo, profile.limits)
            reports.finalize(session, profile.attachments, draft.id)
            task_title = task.title
    finally:
        profile.close()
    data = all_bytes(home)
    for needle in (SECRET, "PLAINPHOTO-99", task_title, "BIMAT-7Q4"):
        assert needle.encode("utf-8") not in data, needle
    assert b"SQLite format 3" not in data


def test_store_opens_only_with_its_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    new_user_profile(home).close()
    paths = Paths.under(home)
    user = UserIndex(paths).last()
    assert user is not None
    folder = user.folder(paths)
    before = folder.database.read_bytes()
    wrong = UnlockedUser(user, folder, os.urandom(32))
    with pytest.raises(StorageError) as caught:
        open_profile(paths, user=wrong)
    assert "cannot be decrypted" in str(caught.value)
    assert folder.database.read_bytes() == before
