"""WHEN for --since / --until: a date, a time, a span back from now (30d), or `now`."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from personas.errors import BadInput

DEFAULT_SPAN = timedelta(days=30)
# What a period may cover: every event lies well within, and the day and week buckets of
# the whole range stay countable (datetime itself ends at the year 9999).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
_DAY = timedelta(days=1)
_SPAN = re.compile(r"(\d{1,6})([hdw])")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
_HELP = ("give a date (2026-01-31), a UTC time (2026-01-31T09:00, or with Z or +01:00), "
         "a span back from now (12h, 30d, 8w), or now")


def parse_when(value: str, option: str, now: datetime, *, end: bool = False) -> datetime:
    """One bound as an aware UTC time. A bare date as `--until` means the end of that day."""
    try:
        when = _parse(value, option, now, end)
    except OverflowError:  # before the year 1 or after 9999, once a day or zone is added
        when = None
    if when is None or not EARLIEST <= when <= LATEST:
        raise BadInput(f"{option}: {value.strip()[:40]!r} is outside the times a report can "
                       f"cover; give one from {EARLIEST:%Y-%m-%d} to {LATEST - _DAY:%Y-%m-%d}")
    return when


def _parse(value: str, option: str, now: datetime, end: bool) -> datetime:
    text = value.strip().lower()
    if text == "now":
        return now
    if m := _SPAN.fullmatch(text):
        return now - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise _bad(value, option) from None
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start + timedelta(days=1) if end else start
    try:
        when = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        raise _bad(value, option) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def period(since: str | None, until: str | None, now: datetime) -> tuple[datetime, datetime]:
    """[since, until) from the options; by default the last 30 days."""
    end = parse_when(until, "--until", now, end=True) if until else now
    start = parse_when(since, "--since", now) if since else end - DEFAULT_SPAN
    if start >= end:
        raise BadInput(f"--since ({start:%Y-%m-%d %H:%M}) is not before --until "
                       f"({end:%Y-%m-%d %H:%M}); swap them or widen the period")
    return start, end


def _bad(value: str, option: str) -> BadInput:
    return BadInput(f"{option}: cannot read {value[:40]!r}; {_HELP}")
