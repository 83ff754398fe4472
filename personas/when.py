"""Times as the user writes them: ISO 8601 dates and times and phrases like "in 2h" or
"tomorrow 9:00", on the user's clock, and back again for display.

One rule for every time persona reads (`--at`, and a report's `--since` and `--until`,
`personas.reports.period`): a date or time written without a zone is on the user's clock
(the system's time zone, or $TZ); `read_time` applies it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta, tzinfo

from personas.errors import BadInput

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600,
          "hr": 3600, "hour": 3600, "d": 86400, "day": 86400, "w": 604800, "week": 604800}
_SPAN = re.compile(r"(\d+)\s*([a-z]+?)s?\b")
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EXAMPLES = '"2026-12-01T09:00", "in 2h", "tomorrow 9:00", "friday 17:30" or "next"'
# How far ahead a time may be: further is a typo, and datetime ends at the year 9999.
MAX_AHEAD = timedelta(days=3653)


def local_zone() -> tzinfo:
    """The user's time zone, as the system (or $TZ) says."""
    return datetime.now().astimezone().tzinfo or UTC


def parse_when(text: str, now: datetime | None = None, zone: tzinfo | None = None) -> datetime:
    """An aware datetime for `text`, read in the user's zone; past times are refused."""
    written = read_time(text, zone)
    zone = zone or local_zone()
    now = (now or datetime.now(UTC)).astimezone(zone)
    phrase = " ".join(text.strip().lower().split())
    when = written or _relative(phrase, now) or _day_and_clock(phrase, now)
    if when is None:
        raise BadInput(f"cannot read the time {text!r}; write it like {EXAMPLES}")
    if when <= now:
        raise BadInput(f"{show(when, zone)} is in the past; give a time after "
                       f"{show(now, zone)}")
    if when - now > MAX_AHEAD:
        raise BadInput(f"{text.strip()[:40]!r} is more than 10 years ahead; give a time before "
                       f"{show(now + MAX_AHEAD, zone)}")
    return when.astimezone(UTC)


def read_time(text: str, zone: tzinfo | None = None, *, end: bool = False) -> datetime | None:
    """An ISO 8601 date or time ("2026-12-01", "2026-12-01T09:00", with Z or +01:00) as an
    aware time; None when the text is neither. Without a zone it is on the user's clock
    (`zone`, by default the system's): a bare date is the midnight that starts it there, or
    with `end`, the midnight that ends it."""
    text = text.strip()
    try:
        value = datetime.fromisoformat(text[:-1] + "Z" if text.endswith("z") else text)
    except ValueError:
        return None
    if end and _DATE.fullmatch(text):
        value = datetime.combine(value.date() + timedelta(days=1), time(), tzinfo=value.tzinfo)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone) if zone else _on_the_system_clock(value)
    return value


def _on_the_system_clock(value: datetime) -> datetime:
    """A naive time on the system's clock, with the offset it has on that day (summer time
    or not); at the first and last days datetime knows, with today's offset."""
    try:
        return value.astimezone()
    except (ValueError, OverflowError, OSError):
        return value.replace(tzinfo=local_zone())


def _relative(phrase: str, now: datetime) -> datetime | None:
    if not phrase.startswith("in "):
        return None
    rest = phrase[3:].replace(" and ", " ").replace(",", " ")
    total, pos = 0, 0
    for m in _SPAN.finditer(rest):
        if rest[pos:m.start()].strip() or m.group(2) not in _UNITS:
            return None
        digits = m.group(1).lstrip("0") or "0"
        # a span past MAX_AHEAD counts as just past it (the caller refuses it): summed in
        # full, it would overflow timedelta, or int() itself past 4,300 digits
        total += int(digits) * _UNITS[m.group(2)] if len(digits) <= 12 else _TOO_FAR
        pos = m.end()
    if total == 0 or rest[pos:].strip():
        return None
    return now + timedelta(seconds=min(total, _TOO_FAR))


_TOO_FAR = int(MAX_AHEAD.total_seconds()) + 86400


def _day_and_clock(phrase: str, now: datetime) -> datetime | None:
    day, _, clock = phrase.partition(" ")
    if not clock:
        day, clock = "today", phrase
    at = _clock(clock)
    if at is None:
        return None
    if day == "today":
        date = now.date()
    elif day == "tomorrow":
        date = now.date() + timedelta(days=1)
    elif day in _DAYS:
        ahead = (_DAYS.index(day) - now.weekday()) % 7 or 7
        date = now.date() + timedelta(days=ahead)
    else:
        return None
    return datetime.combine(date, at, tzinfo=now.tzinfo)


def _clock(text: str) -> time | None:
    m = _CLOCK.match(text.strip())
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3) == "pm" and hour < 12:
        hour += 12
    elif m.group(3) == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_interval(text: str) -> timedelta:
    """How often: "30m", "6h", "1d 12h"."""
    spans = _relative("in " + text.strip().lower(), datetime(2000, 1, 1, tzinfo=UTC))
    if spans is None:
        raise ValueError(f"not an interval: {text!r}")
    return spans - datetime(2000, 1, 1, tzinfo=UTC)


def parse_slot(text: str) -> time:
    """A daily posting slot, "HH:MM"."""
    at = _clock(text)
    if at is None:
        raise ValueError(f"not a time of day: {text!r}")
    return at


def next_slot(slots: tuple[time, ...], taken: set[datetime], now: datetime | None = None,
              zone: tzinfo | None = None, days: int = 60) -> datetime:
    """The first daily slot after `now` that no scheduled item holds yet."""
    zone = zone or local_zone()
    now = (now or datetime.now(UTC)).astimezone(zone)
    taken_utc = {t.astimezone(UTC).replace(second=0, microsecond=0) for t in taken}
    for offset in range(days):
        date = now.date() + timedelta(days=offset)
        for slot in sorted(slots):
            candidate = datetime.combine(date, slot, tzinfo=zone)
            if candidate > now and candidate.astimezone(UTC) not in taken_utc:
                return candidate.astimezone(UTC)
    raise BadInput(f"every posting slot of the next {days} days is taken; add slots or "
                   "give a time with --at")


def show(when: datetime, zone: tzinfo | None = None) -> str:
    """A time as the user reads it: their zone, weekday, date and clock."""
    try:
        local = when.astimezone(zone or local_zone())
    except OverflowError:  # the first or last day datetime knows, seen from another zone
        return when.isoformat(" ", "minutes")
    return local.strftime("%a %d %b %Y %H:%M %Z").strip()


def until(when: datetime, now: datetime | None = None) -> str:
    """How long from now, roughly: "in 2h 5m"."""
    seconds = int((when - (now or datetime.now(UTC))).total_seconds())
    if seconds <= 0:
        return "now"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = max(1, rest // 60) if not (days or hours) else rest // 60
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "",
             f"{minutes}m" if minutes else ""]
    return "in " + " ".join(p for p in parts if p)
