"""dxdesk's own login, report lifecycle and sync engine against the real server:
keys are registered at login, reports signed and classified ones sealed on the
device, and nothing queued is ever lost to a missing or forgotten registration."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from dxdesk import local_state, reports, sealing
from dxdesk.canonical import content_hash
from dxdesk.identity import device, trusted_server_key
from dxdesk.identity.credentials import MemoryTokenStore, account_name
from dxdesk.paths import Paths
from dxdesk.profile import Profile
from dxdesk.reports import ReportContent
from dxdesk.store.models import Classification, Report, ReportState
from sync import client_account
from sync.engine import SyncEngine
from sync.server.db import Database
from sync.server.tables import Device
from sync.server.tables import Report as ServerReport
from sync.transport import Transport
from tests.conftest import make_task
from tests.server.conftest import PASSWORD, World, login
from tests.support.device import TestDevice

MARKER = "CLIENT-MARKER-5e1d"
WORDS = f"Mật: số liệu điểm {MARKER}"


@pytest.fixture
def transport(world: World) -> Iterator[Transport]:
    opened = Transport(world.server.base)
    yield opened
    opened.close()


def _login(session: Session, transport: Transport, world: World, paths: Paths) -> None:
    client_account.login(
        session,
        transport,
        MemoryTokenStore(),
        world.usernames["oa"],
        PASSWORD,
        device_id=device.device_id(paths),
    )


def _sync(profile: Profile, transport: Transport) -> Any:
    return SyncEngine(profile.db, profile.attachments, transport, max_attempts=1).run()


def _state(session: Session, report_id: str) -> ReportState:
    session.expire_all()
    return reports.get_report(session, report_id).state


def test_a_classified_report_goes_sealed_from_device_to_reviewer(
    world: World,
    server_db: Database,
    session: Session,
    profile: Profile,
    paths: Paths,
    transport: Transport,
    pdf_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _login(session, transport, world, paths)
    assert trusted_server_key.known(session) == world.officer_a.server_public_key
    task = make_task(session, code=f"{world.prefix}-S", id=world.tasks_a[0])
    content = ReportContent(progress=50, results=WORDS, classification=Classification.SECRET)
    draft = reports.create_draft(session, task, content, author="Cán bộ A")
    reports.attach(session, profile.attachments, draft.id, pdf_file, profile.limits)
    final = reports.finalize(session, profile.attachments, draft.id)
    assert final.sealed is not None and final.results == ""

    summary = _sync(profile, transport)
    assert (summary.failure, summary.accepted, summary.attachments_uploaded) == (None, 1, 1)
    assert _state(session, final.id) is ReportState.ACCEPTED
    opened = world.reviewer.get(f"/reports/{final.id}").json()
    assert opened["results"] == WORDS
    assert [a["file_name"] for a in opened["attachments"]] == [pdf_file.name]
    assert opened["signed_by"] == world.usernames["oa"]
    assert opened["device_id"] == device.device_id(paths)
    url = make_url(world.server.db_url)
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        assert MARKER.encode() not in raw and final.id.encode() in raw
    with server_db.read() as db_session:
        stored = db_session.get(ServerReport, final.id)
        assert stored is not None and stored.sealed_by == "device"
        assert MARKER not in str(stored.body)
    assert MARKER not in caplog.text
    assert device.private_key_text(device.signing_key(session)) not in caplog.text


def test_a_login_answered_with_another_key_is_refused_when_pinned(
    world: World, session: Session, transport: Transport
) -> None:
    tokens = MemoryTokenStore()
    pinned = sealing.public_key_text(sealing.generate())
    with pytest.raises(trusted_server_key.ServerKeyMismatchError):
        client_account.login(
            session, transport, tokens, world.usernames["oa"], PASSWORD, pinned_server_key=pinned
        )
    session.rollback()
    assert client_account.current(session) is None and trusted_server_key.known(session) is None
    assert tokens.get(account_name(transport.base_url, world.usernames["oa"])) is None
    real = world.officer_a.server_public_key
    client_account.login(session, transport, tokens, world.usernames["oa"], PASSWORD,
                  pinned_server_key=real)  # fmt: skip
    assert trusted_server_key.known(session) == real


def _queued_before_signing(session: Session, task_id: str, classification: str) -> str:
    """A report finalized by a dxdesk from before signed reports (schema 0002)."""
    report = Report(task_id=task_id, progress=20, results=f"Cũ {MARKER}", author="Cán bộ A",
                    classification=Classification(classification))  # fmt: skip
    body = reports.canonical_body(report, [])
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    session.execute(
        text(
            "INSERT INTO report (id, task_id, state, progress, status_claim, results,"
            " difficulties, proposals, indicator_values, classification, author, created_at,"
            " updated_at, finalized_at, content_sha256, state_changed_at, send_attempts)"
            " VALUES (:id, :task, 'queued', 20, 'in_progress', :results, '', '', '{}',"
            " :classification, 'Cán bộ A', :created, :now, :now, :sha, :now, 0)"
        ),
        {"id": report.id, "task": task_id, "results": report.results, "now": now,
         "created": report.created_at.replace(tzinfo=None), "classification": classification,
         "sha": content_hash(body)},
    )  # fmt: skip
    session.commit()
    return report.id


def test_reports_queued_before_signing_are_signed_when_sent(
    world: World,
    server_db: Database,
    session: Session,
    profile: Profile,
    paths: Paths,
    transport: Transport,
) -> None:
    task = make_task(session, code=f"{world.prefix}-L", id=world.tasks_a[0])
    normal = _queued_before_signing(session, task.id, "normal")
    classified = _queued_before_signing(session, task.id, "secret")
    _login(session, transport, world, paths)
    summary = _sync(profile, transport)
    assert (summary.failure, summary.accepted) == (None, 2)
    session.expire_all()
    assert all(reports.get_report(session, i).signature for i in (normal, classified))
    with server_db.read() as db_session:
        rows = {r.id: r for r in db_session.scalars(
            select(ServerReport).where(ServerReport.id.in_([normal, classified])))}  # fmt: skip
    assert rows[normal].sealed is None and rows[classified].sealed_by == "server"
    assert MARKER not in str(rows[classified].body)
    assert world.reviewer.get(f"/reports/{classified}").json()["results"] == f"Cũ {MARKER}"


def test_without_a_registered_key_reports_wait_for_a_login(
    world: World,
    server_db: Database,
    session: Session,
    profile: Profile,
    paths: Paths,
    transport: Transport,
) -> None:
    _login(session, transport, world, paths)
    task = make_task(session, code=f"{world.prefix}-U", id=world.tasks_a[0])
    draft = reports.create_draft(session, task, ReportContent(progress=10, results="Đã làm"))
    report_id = reports.finalize(session, profile.attachments, draft.id).id

    # 1. This profile's registration is unknown (a profile from before signing).
    device.forget_registration(session)
    session.commit()
    summary = _sync(profile, transport)
    assert summary.failure == "auth" and "Log in again" in (summary.message or "")
    assert _state(session, report_id) is ReportState.QUEUED

    # 2. The server forgot the device (say, restored from an old backup).
    _login(session, transport, world, paths)
    with server_db.write() as db_session:
        db_session.execute(delete(Device).where(Device.device_id == device.device_id(paths)))
    summary = _sync(profile, transport)
    assert summary.failure == "auth" and summary.rejected == 0
    assert _state(session, report_id) is ReportState.QUEUED
    assert device.registered_device(session) is None

    # A login registers the key again, and the report goes.
    _login(session, transport, world, paths)
    assert _sync(profile, transport).accepted == 1
    assert _state(session, report_id) is ReportState.ACCEPTED
    assert local_state.get(session, device.REGISTERED)


def test_a_profile_whose_key_another_user_registered_makes_its_own(
    world: World, server_db: Database, session: Session, paths: Paths, transport: Transport
) -> None:
    """The server gives a key to one user: a profile whose key someone else registered
    first (a profile that changed hands) gets a new key at its login, not a refusal."""
    old = device.signing_key(session)
    session.commit()
    first = TestDevice(device.device_id(paths), old)
    login(world.server.base, world.usernames["ob"], device=first).close()

    _login(session, transport, world, paths)
    session.expire_all()
    new = device.public_key(device.signing_key(session))
    assert new != first.public_key
    assert device.registered_device(session) == device.device_id(paths)
    with server_db.read() as db_session:
        rows = db_session.execute(
            select(Device.user_id, Device.public_key).where(
                Device.device_id == device.device_id(paths)
            )
        ).all()
    assert sorted(key for _user, key in rows) == sorted([first.public_key, new])
    assert len({user for user, _key in rows}) == 2
