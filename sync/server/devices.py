"""Device keys: registered by a password login, checked on every report.

A report counts only when its signature verifies with a key registered for the
user who sends it *and* the device the report names. A token alone cannot
register a key, so a stolen token cannot make reports that verify.

A login registers a key only with a proof that the device holds its private half
(a signature over a server challenge, checked by the login route), and a key
belongs to one user: the first to register it. A device id is not an authority:
every user of a shared PC registers their own key under its one id.

One current key per user and device: dxdesk logs in again with the key its profile
already has, and a different key (a recreated profile, a deliberate rotation)
retires the current one. Reports arriving are checked against the current key and
keys retired less than ``RETIRED_KEY_GRACE`` ago (reports signed before the
rotation and still on their way, e.g. on a USB stick); a stored report is checked
again (console, CLI) against every key the device ever had, so a key expiring never
makes the reports it signed look forged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from dxdesk import signing
from dxdesk.clock import utcnow
from sync.protocol import ReportIn
from sync.server import audit, signature_check
from sync.server.errors import ApiError
from sync.server.tables import Device, User, table_of

Keys = dict[str, list[str]]  # device id → public keys registered for one user
# How long a retired key still verifies reports arriving: long enough for a USB
# stick signed before the rotation to travel from a commune without a network.
RETIRED_KEY_GRACE = dt.timedelta(days=90)


class KeyTakenError(ApiError):
    def __init__(self) -> None:
        super().__init__(
            409,
            "device_key_taken",
            "This signing key is registered to another account; sign in again so that "
            "dxdesk makes a key of your own.",
            field="device_public_key",
        )


def register(session: Session, user: User, device_id: str, public_key: str) -> None:
    """Register ``public_key`` (whose possession the caller has checked) for ``user``
    on ``device_id`` as its current key, retiring the one before; raise
    :class:`KeyTakenError` if another user registered it."""
    now = utcnow()
    foreign = session.scalar(
        select(Device.id).where(Device.public_key == public_key, Device.user_id != user.id).limit(1)
    )
    if foreign is not None:
        raise KeyTakenError()
    known = session.scalars(
        select(Device).where(Device.user_id == user.id, Device.device_id == device_id)
    ).all()
    retired = [row for row in known if row.retired_at is None and row.public_key != public_key]
    for row in retired:
        row.retired_at = now
    same = [row for row in known if row.public_key == public_key]
    if same:  # the usual login: the key this device has signed with all along
        same[0].last_seen = now
        same[0].retired_at = None
    else:
        session.add(
            Device(
                device_id=device_id,
                user_id=user.id,
                public_key=public_key,
                registered_at=now,
                last_seen=now,
            )
        )
    session.flush()
    if same and not retired:
        return
    audit.record(
        session,
        user.username,
        "device.register",
        device_id,
        key=signing.fingerprint(public_key),
        earlier_keys=len(known) - len(same),
        retired=[signing.fingerprint(row.public_key) for row in retired],
    )


# Built once: both run on every sync round. The current key comes first, so a
# report is normally checked once.
_KEYS = (
    select(Device.device_id, Device.public_key)
    .where(
        Device.user_id == bindparam("user"),
        Device.device_id.in_(bindparam("devices", expanding=True)),
        or_(
            Device.retired_at.is_(None),
            Device.retired_at > bindparam("since", type_=table_of(Device).c.retired_at.type),
        ),
    )
    .order_by(Device.retired_at.is_not(None), Device.retired_at.desc())
)
_EVER = select(Device.public_key).where(
    Device.user_id == bindparam("user"), Device.device_id == bindparam("device")
)
_TOUCH = (
    update(table_of(Device))
    .where(
        table_of(Device).c.user_id == bindparam("user"),
        table_of(Device).c.device_id.in_(bindparam("devices", expanding=True)),
    )
    .values(last_seen=bindparam("now", type_=table_of(Device).c.last_seen.type))
)


def keys_for(
    session: Session, user_id: int, device_ids: Iterable[str], now: dt.datetime | None = None
) -> Keys:
    """The keys reports arriving now may be signed with: each device's current key,
    and those retired within the grace period."""
    wanted = sorted(set(device_ids))
    keys: Keys = {}
    if not wanted:
        return keys
    since = (now or utcnow()) - RETIRED_KEY_GRACE
    rows = session.connection().execute(_KEYS, {"user": user_id, "devices": wanted, "since": since})
    for device_id, public_key in rows:
        keys.setdefault(device_id, []).append(public_key)
    return keys


def keys_ever(session: Session, user_id: int, device_id: str) -> list[str]:
    """Every key ``user_id`` registered on ``device_id``, retired or not: what a
    stored report is checked against again (it was checked on arrival)."""
    rows = session.connection().execute(_EVER, {"user": user_id, "device": device_id})
    return [str(key) for (key,) in rows]


def touch(session: Session, user_id: int, device_ids: Iterable[str]) -> None:
    wanted = sorted(set(device_ids))
    if wanted:
        session.connection().execute(_TOUCH, {"user": user_id, "devices": wanted, "now": utcnow()})


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    field: str


def check(report: ReportIn, content_sha256: str, keys: Keys) -> Problem | None:
    """Why ``report`` (whose body hashes to ``content_sha256``) cannot be trusted,
    or None. The hash is recomputed from the body, so any change to any field,
    to the sealed payload or to an attachment's hash breaks the signature."""
    if report.signature is None or report.device_id is None:
        return Problem(
            "bad_signature",
            "The report is not signed; update dxdesk and sign in again.",
            "signature",
        )
    registered = keys.get(report.device_id)
    if not registered:
        return Problem(
            "unknown_device",
            "This device is not registered for your account; sign in again on it.",
            "device_id",
        )
    if not signature_check.verifies(registered, content_sha256, report.signature):
        return Problem(
            "bad_signature",
            "The signature does not match the report: it was changed after it was "
            "signed, or signed on another device or for another user.",
            "signature",
        )
    return None
