"""--since / --until: dates, times, spans; bad input is one line and exit 2."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from personas import when
from personas.errors import BadInput
from personas.reports.period import parse_when, period

NOW = datetime(2026, 3, 15, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("30d", datetime(2026, 2, 13, 12, 30, tzinfo=UTC)),
    ("12h", datetime(2026, 3, 15, 0, 30, tzinfo=UTC)),
    ("2w", datetime(2026, 3, 1, 12, 30, tzinfo=UTC)),
    ("0d", NOW),
    ("now", NOW),
    ("NOW", NOW),
    ("2026-01-31", datetime(2026, 1, 31, tzinfo=UTC)),
    ("2026-01-31T09:00", datetime(2026, 1, 31, 9, tzinfo=UTC)),
    ("2026-01-31T09:00Z", datetime(2026, 1, 31, 9, tzinfo=UTC)),
    ("2026-01-31T10:00+01:00", datetime(2026, 1, 31, 9, tzinfo=UTC)),
    (" 2026-01-31 ", datetime(2026, 1, 31, tzinfo=UTC)),
])
def test_when(text, expected):
    assert parse_when(text, "--since", NOW, zone=UTC) == expected


def test_a_date_as_until_includes_that_day():
    assert parse_when("2026-01-31", "--until", NOW, end=True, zone=UTC) == \
        datetime(2026, 2, 1, tzinfo=UTC)


def test_default_period_is_the_last_30_days():
    assert period(None, None, NOW) == (datetime(2026, 2, 13, 12, 30, tzinfo=UTC), NOW)
    assert period(None, "2026-01-31", NOW, zone=UTC)[0] == datetime(2026, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize("text", ["yesterday", "30", "30x", "-3d", "3 d", "2026-02-30",
                                  "2026-13-01", "31/01/2026", "", "1e3d", "9999999d"])
def test_bad_when(text):
    with pytest.raises(BadInput) as e:
        parse_when(text, "--since", NOW)
    assert e.value.message.startswith("--since: cannot read")
    assert "30d" in e.value.message and "\n" not in e.value.message


@pytest.mark.parametrize(("text", "end"), [
    ("999999w", False), ("99999d", False), ("1969-12-31", False), ("0001-01-01", False),
    ("0001-01-01T00:00+05:00", False), ("9999-12-31", True), ("9999-12-31T23:00-05:00", True),
    ("2200-01-01", True), ("9999-12-31T23:59:59.999999", False),
])
def test_times_past_what_a_report_covers_are_refused_not_overflowed(text, end):
    with pytest.raises(BadInput) as e:
        parse_when(text, "--until" if end else "--since", NOW, end=end, zone=UTC)
    assert "is outside the times a report can cover; give one from 1970-01-01 to 2199-12-31" \
        in e.value.message
    assert parse_when("2199-12-31", "--until", NOW, end=True, zone=UTC) == \
        datetime(2200, 1, 1, tzinfo=UTC)


@pytest.fixture
def system_zone(monkeypatch):
    """Set the system's time zone ($TZ), as the user's machine would have it."""

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


# Written without a zone, a time is on the user's clock: Denver is UTC-7 in winter, UTC-6 in
# summer. With a zone, it is that moment.
ON_THE_USERS_CLOCK = [
    ("2026-12-01T09:00", datetime(2026, 12, 1, 16, tzinfo=UTC)),
    ("2026-12-01 09:00", datetime(2026, 12, 1, 16, tzinfo=UTC)),
    ("2026-12-01", datetime(2026, 12, 1, 7, tzinfo=UTC)),
    ("2027-07-01T09:00", datetime(2027, 7, 1, 15, tzinfo=UTC)),
    ("2026-12-01T09:00Z", datetime(2026, 12, 1, 9, tzinfo=UTC)),
    ("2026-12-01T09:00z", datetime(2026, 12, 1, 9, tzinfo=UTC)),
    ("2026-12-01T10:00+01:00", datetime(2026, 12, 1, 9, tzinfo=UTC)),
]


@pytest.mark.parametrize(("text", "expected"), ON_THE_USERS_CLOCK)
def test_a_report_reads_a_time_as_at_does_on_the_users_clock(system_zone, text, expected):
    """One rule for --at and --since / --until: the same words are the same moment."""
    system_zone("America/Denver")
    before = datetime(2026, 11, 25, 20, tzinfo=UTC)
    assert parse_when(text, "--since", before) == expected
    assert when.parse_when(text, before) == expected
    denver = ZoneInfo("America/Denver")
    assert parse_when(text, "--since", before, zone=denver) == expected
    assert when.parse_when(text, before, denver) == expected


def test_a_report_of_one_day_is_that_day_on_the_users_clock(system_zone, cli):
    system_zone("America/Denver")
    r = cli("report", "--since", "2026-01-31", "--until", "2026-01-31", "--format", "json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert (report["since"], report["until"]) == ("2026-01-31T07:00:00+00:00",
                                                  "2026-02-01T07:00:00+00:00")


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/Denver", "UTC"])
@pytest.mark.parametrize(("text", "end"), [
    ("0001-01-01", False), ("0001-01-01T00:00", False), ("9999-12-31", True),
    ("9999-12-31T23:59:59.999999", False), ("1969-12-31", False),
])
def test_the_first_and_last_days_on_any_clock_are_refused_not_crashed(system_zone, zone, text,
                                                                        end):
    system_zone(zone)
    with pytest.raises(BadInput, match="is outside the times a report can cover"):
        parse_when(text, "--until" if end else "--since", NOW, end=end)


def test_since_after_until_is_refused():
    with pytest.raises(BadInput, match="is not before --until"):
        period("2026-03-01", "2026-02-01", NOW)


@pytest.mark.parametrize("args", [
    ["report", "--since", "last tuesday"],
    ["report", "--until", "2026-02-30"],
    ["report", "--since", "2026-03-01", "--until", "2026-02-01"],
    ["report", "--format", "pdf"],
    ["report", "events", "--format", "md"],
    ["report", "events", "--since", "soon"],
    ["report", "-f", "csv", "-o", "/nonexistent/dir/report.csv"],
])
def test_bad_input_is_one_line_and_exit_2(cli, args):
    r = cli(*args)
    lines = [x for x in r.err.splitlines() if "no accounts.toml" not in x]
    assert r.code == 2, r.err
    assert len(lines) == 1 and lines[0].startswith("persona: "), r.err
    assert "Traceback" not in r.err and r.out == ""
