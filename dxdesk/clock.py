"""Time, with the server's clock preferred over the device's.

Commune PCs often have a dead CMOS battery and boot into 2009. Deadlines are judged
by the server's date: the sync engine records the offset between the server's
``Date`` header and the local clock, and this module applies it.
"""

from __future__ import annotations

import datetime as dt

# Vietnam has one time zone and no daylight saving time.
VIETNAM_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def server_now(offset_seconds: float | None) -> dt.datetime:
    """The server's idea of now, when a sync has told us the offset."""
    return utcnow() + dt.timedelta(seconds=offset_seconds or 0.0)


def reference_date(offset_seconds: float | None) -> dt.date:
    """Today's date in Vietnam by the server's clock (the local clock until we know)."""
    return server_now(offset_seconds).astimezone(VIETNAM_TZ).date()
