"""Reading times for --at, in the user's zone, and posting slots."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from personas.errors import BadInput
from personas.when import next_slot, parse_when, show, until

DENVER = ZoneInfo("America/Denver")
NOW = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # Wed 13:00 in Denver


@pytest.mark.parametrize(("text", "local"), [
    ("in 2h", "Wed 25 Nov 2026 15:00 MST"),
    ("in 1d 3h", "Thu 26 Nov 2026 16:00 MST"),
    ("in 90 minutes", "Wed 25 Nov 2026 14:30 MST"),
    ("In 2 Hours", "Wed 25 Nov 2026 15:00 MST"),
    ("tomorrow 9:00", "Thu 26 Nov 2026 09:00 MST"),
    ("tomorrow 9am", "Thu 26 Nov 2026 09:00 MST"),
    ("friday 5pm", "Fri 27 Nov 2026 17:00 MST"),
    ("wednesday 9:00", "Wed 02 Dec 2026 09:00 MST"),
    ("23:30", "Wed 25 Nov 2026 23:30 MST"),
    ("2026-12-01T09:00", "Tue 01 Dec 2026 09:00 MST"),
    ("2026-12-01 09:00", "Tue 01 Dec 2026 09:00 MST"),
    ("2026-12-01T09:00Z", "Tue 01 Dec 2026 02:00 MST"),
    ("2026-12-01T09:00+01:00", "Tue 01 Dec 2026 01:00 MST"),
])
def test_times_are_read_in_the_users_zone(text, local):
    when = parse_when(text, NOW, DENVER)
    assert when.tzinfo is not None and show(when, DENVER) == local


@pytest.mark.parametrize("text", ["yesterday 9:00", "in 0h", "in 2 bananas", "25:00",
                                  "tomorrow", "soon", "", "in", "9:61"])
def test_unreadable_times_name_the_forms_that_work(text):
    with pytest.raises(BadInput, match='write it like "2026-12-01T09:00", "in 2h"'):
        parse_when(text, NOW, DENVER)


@pytest.mark.parametrize("text", ["12:00", "2020-01-01", "2026-11-25T19:59:59Z"])
def test_past_times_are_refused_and_shown_back(text):
    with pytest.raises(BadInput, match="is in the past; give a time after Wed 25 Nov 2026 "
                                       "13:00 MST"):
        parse_when(text, NOW, DENVER)


def test_next_slot_skips_taken_and_past_slots():
    slots = (time(9, 0), time(17, 30))
    first = next_slot(slots, set(), NOW, DENVER)
    assert show(first, DENVER) == "Wed 25 Nov 2026 17:30 MST"
    second = next_slot(slots, {first}, NOW, DENVER)
    assert show(second, DENVER) == "Thu 26 Nov 2026 09:00 MST"
    with pytest.raises(BadInput, match="every posting slot of the next 1 days is taken"):
        next_slot((time(9, 0),), set(), NOW, DENVER, days=1)


def test_until():
    assert until(datetime(2026, 11, 26, 22, 5, tzinfo=UTC), NOW) == "in 1d 2h 5m"
    assert until(NOW, NOW) == "now"


@pytest.mark.parametrize("text", [
    "in 99999999999d", "in 9000000d", "in 20000w", "in 3654d", "in 1" + "0" * 40 + "s",
    "in " + "9" * 5000 + "s",  # past int()'s 4,300 digits
    "in " + "1d " * 4000 + "1h", "9999-12-31T23:59-05:00", "9999-12-31", "2040-01-01T00:00Z",
], ids=lambda text: text[:30])
def test_times_more_than_ten_years_ahead_are_refused_not_overflowed(text):
    with pytest.raises(BadInput) as e:
        parse_when(text, NOW, DENVER)
    assert "is more than 10 years ahead; give a time before Tue 25 Nov 2036 13:00 MST" \
        in e.value.message
    assert "\n" not in e.value.message


def test_ten_years_ahead_is_the_last_time_taken():
    assert show(parse_when("in 3653d", NOW, DENVER), DENVER) == "Tue 25 Nov 2036 13:00 MST"
    assert show(parse_when("in 0000000000000000000000000000002h", NOW, DENVER),
                DENVER) == "Wed 25 Nov 2026 15:00 MST"


def test_the_first_day_datetime_knows_is_shown_as_past():
    with pytest.raises(BadInput, match="0001-01-01 00:00[+]05:00 is in the past"):
        parse_when("0001-01-01T00:00+05:00", NOW, DENVER)
