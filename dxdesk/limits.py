"""What one report may hold on the wire: the single source of these limits.

The protocol's models (``sync.protocol``) are built from these numbers, and the
device refuses at finalize what they cannot carry; settings can only lower them.
They live in the core because the core cannot import ``sync``. A report that
finalized beyond them could never be sent, and would hold up the queue.
"""

from __future__ import annotations

import datetime as dt

MIB = 1024 * 1024

MAX_TEXT_CHARS = 20_000  # each of results, difficulties, proposals
MAX_ATTACHMENTS = 20
MAX_BLOB_BYTES = 100 * MIB  # one attachment (the client's default limit is 20 MB)
MAX_INDICATORS = 100
MAX_AUTHOR_CHARS = 200
MAX_FILE_NAME_CHARS = 255


# The times a report may carry, in UTC; the wire protocol refuses others: outside
# them a device's clock is broken, not merely wrong.
EARLIEST_REPORT_TIME = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST_REPORT_TIME = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def possible_report_time(value: dt.datetime) -> bool:
    try:
        return EARLIEST_REPORT_TIME <= value.astimezone(dt.UTC) < LATEST_REPORT_TIME
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00: past year 9999 in UTC
        return False
