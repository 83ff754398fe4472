"""What every table shares: aware UTC times, stored as UTC on every database.

Apart from `personas.models` so that each feature's tables module imports this, not the
outbox's tables, and no tables module imports another."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A UTC timestamp: stored without a zone (SQLite has none), read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC time")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utc_field(**kwargs: object) -> object:
    """A column of `UTCDateTime`: `at: datetime = utc_field(default_factory=utcnow)`."""
    return Field(sa_type=UTCDateTime, **kwargs)  # type: ignore[arg-type]
