"""WHEN for --since / --until: a date, a time, a span back from now (30d), or `now`. A date
or time without a zone is on the user's clock, as `--at` reads it (`personas.when.read_time`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

from personas.errors import BadInput
from personas.when import read_time

DEFAULT_SPAN = timedelta(days=30)
# What a period may cover: every event lies well within, and the day and week buckets of
# the whole range stay countable (datetime itself ends at the year 9999).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
_DAY = timedelta(days=1)
_SPAN = re.compile(r"(\d{1,6})([hdw])")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
_HELP = ("give a date (2026-01-31), a time (2026-01-31T09:00 on your clock, or with Z or "
         "+01:00), a span back from now (12h, 30d, 8w), or now")


def parse_when(value: str, option: str, now: datetime, *, end: bool = False,
               zone: tzinfo | None = None) -> datetime:
    """One bound as an aware UTC time. A bare date as `--until` means the end of that day;
    without a zone, a date or time is on the user's clock (`zone`, by default the system's)."""
    try:
        when = _parse(value, option, now, end, zone)
    except OverflowError:  # before the year 1 or after 9999, once a day or zone is added
        when = None
    if when is None or not EARLIEST <= when <= LATEST:
        raise BadInput(f"{option}: {value.strip()[:40]!r} is outside the times a report can "
                       f"cover; give one from {EARLIEST:%Y-%m-%d} to {LATEST - _DAY:%Y-%m-%d}")
    return when


def _parse(value: str, option: str, now: datetime, end: bool, zone: tzinfo | None) -> datetime:
    text = value.strip().lower()
    if text == "now":
        return now
    if m := _SPAN.fullmatch(text):
        return now - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    when = read_time(value, zone, end=end)
    if when is None:
        raise _bad(value, option)
    return when.astimezone(UTC)


def period(since: str | None, until: str | None, now: datetime,
           zone: tzinfo | None = None) -> tuple[datetime, datetime]:
    """[since, until) from the options; by default the last 30 days."""
    end = parse_when(until, "--until", now, end=True, zone=zone) if until else now
    start = parse_when(since, "--since", now, zone=zone) if since else end - DEFAULT_SPAN
    if start >= end:
        raise BadInput(f"--since ({start:%Y-%m-%d %H:%M}) is not before --until "
                       f"({end:%Y-%m-%d %H:%M}); swap them or widen the period")
    return start, end


def _bad(value: str, option: str) -> BadInput:
    return BadInput(f"{option}: cannot read {value[:40]!r}; {_HELP}")
