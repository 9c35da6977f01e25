"""Column types that keep the store's invariants no matter which code path writes."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, DateTime, Dialect, Enum, Text
from sqlalchemy.types import TypeDecorator

from dxdesk.text import nfc


class NFCText(TypeDecorator[str]):
    """Text normalised to NFC on the way in, so equal words are equal strings."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return nfc(value) if value is not None else None


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC in Python; naive UTC in SQLite, which has no time zones."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC)


def enum_column(enum: type[StrEnum], **kwargs: Any) -> Column[Any]:
    """Store a StrEnum by its value ('draft'), not SQLAlchemy's default, its name."""
    return Column(
        Enum(
            enum,
            values_callable=lambda members: [member.value for member in members],
            native_enum=False,
            validate_strings=True,
            length=16,
        ),
        **kwargs,
    )
