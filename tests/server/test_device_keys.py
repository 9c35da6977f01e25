"""One current key per user and device; a retired key expires for reports arriving,
never for the reports it signed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from dxdesk import signing
from dxdesk.clock import utcnow
from sync.server import devices, reviews
from sync.server.db import Database
from sync.server.tables import Device, Report, User
from tests.server.conftest import World, login, report_body
from tests.support.device import TestDevice


def _keys(db: Database, username: str, device_id: str) -> list[tuple[str, bool]]:
    """(key, still current) of one user's device, oldest first."""
    with db.read() as session:
        rows = session.execute(
            select(Device.public_key, Device.retired_at)
            .join(User, User.id == Device.user_id)
            .where(User.username == username, Device.device_id == device_id)
            .order_by(Device.registered_at, Device.id)
        ).all()
    return [(key, retired is None) for key, retired in rows]


def test_logging_in_again_with_the_same_key_leaves_one_row(
    world: World, server_db: Database
) -> None:
    device = TestDevice()
    username = world.usernames["oa"]
    for _ in range(3):
        login(world.server.base, username, device=device).close()
    assert _keys(server_db, username, device.device_id) == [(device.public_key, True)]


def test_a_rotated_out_key_still_verifies_what_it_signed(world: World, server_db: Database) -> None:
    device = TestDevice()
    username = world.usernames["oa"]
    before = login(world.server.base, username, device=device)
    stored = report_body(world.tasks_a[0])
    assert before.sync(reports=[stored])["acks"][0]["status"] == "accepted"
    on_a_stick = device.sign(report_body(world.tasks_a[0]))  # signed, not yet delivered
    before.close()

    old_key = device.public_key
    device.key = signing.generate()  # a deliberate rotation: the profile's new key
    after = login(world.server.base, username, device=device)
    assert _keys(server_db, username, device.device_id) == [
        (old_key, False),
        (device.public_key, True),
    ]
    # Signed before the rotation, arriving after it: within the grace period.
    assert after.sync(reports=[on_a_stick])["acks"][0]["status"] == "accepted"
    after.close()

    with server_db.read() as session:
        user_id = session.scalars(select(User.id).where(User.username == username)).one()
        current_first = devices.keys_for(session, user_id, [device.device_id])
        assert current_first == {device.device_id: [device.public_key, old_key]}
        expired = utcnow() + devices.RETIRED_KEY_GRACE + dt.timedelta(days=1)
        arriving_later = devices.keys_for(session, user_id, [device.device_id], now=expired)
        assert arriving_later == {device.device_id: [device.public_key]}
        # The reports the old key signed still check out, whenever they are read.
        report = session.get(Report, stored["id"])
        assert report is not None
        assert reviews.signature_status(session, report, None) == "valid"
