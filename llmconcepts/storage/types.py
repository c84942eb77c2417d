"""Column types: timezone-aware UTC datetimes over any SQL backend.

SQLite has no time-zone type, so every datetime is stored as naive UTC and the
``timezone.utc`` tzinfo is re-attached on read. ``datetime.timezone.utc`` (not
``ZoneInfo("UTC")``) is used on purpose: the fsrs package refuses any other tzinfo.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A ``DateTime`` that accepts only aware datetimes and returns UTC-aware ones.

    Raises:
        ValueError: on bind, for a naive datetime (a bug: naive times never reach storage).
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; pass a UTC-aware one")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
