"""[personas.NAME.community]: defaults for every private persona, and one-line errors that
name file, line, key and the fix."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from personas import config
from personas.errors import ConfigError

BASE = """
[networks.sandbox]
kind = "sandbox"

[personas.me]
network = "sandbox"
handle = "me"
policy = "content-only"

[personas.we]
network = "sandbox"
handle = "we"
policy = "private-community"
"""


def error(text: str) -> str:
    with pytest.raises(ConfigError) as e:
        config.parse(text, Path("accounts.toml"))
    return e.value.message


def test_every_private_persona_has_defaults_and_the_builtin_setup_works():
    cfg = config.parse(BASE, None)
    assert set(cfg.community) == {"we"}
    we = cfg.community["we"]
    assert we.join_phrases == ("join",) and we.remind_every == timedelta(days=7)
    assert we.max_reminders == 2
    assert we.min_realness == 0.5 and we.weight_map()["introduced"] == 0.25
    assert set(config.load().community) == {"we"}  # the built-in me / you / we


def test_a_full_table_is_read():
    cfg = config.parse(BASE + """
[personas.we.community]
join_phrases = ["Let me IN", "join"]
welcome = "Hi @{handle} ({name}), welcome to @{persona}; tell us about you"
welcome_introduced = "Hi {name}"
reminder = "Still there, {name}?"
remind_every = "3d"
max_reminders = 0
min_realness = 0.7
weights = { age = 1, introduced = 3 }
""", Path("accounts.toml"))
    we = cfg.community["we"]
    assert we.join_phrases == ("let me in", "join")
    assert we.remind_every == timedelta(days=3) and we.min_realness == 0.7
    assert we.max_reminders == 0
    assert we.weight_map() == {"age": 1.0, "introduced": 3.0}
    assert we.reminder == "Still there, {name}?"


@pytest.mark.parametrize(("table", "expected"), [
    ("colour = 1", "accounts.toml:16: personas.we.community.colour: unknown key; remove it"),
    ('remind_every = "soon"', "personas.we.community.remind_every: not an interval: 'soon'; "
                              'say how often, like "3d"'),
    ("remind_every = 3", "personas.we.community.remind_every: not an interval: 3"),
    ('welcome = "Hi {nickname}"', "personas.we.community.welcome: unknown placeholder "
                                  "{nickname}; use {handle}, {name}, {persona}"),
    ('reminder = "Hi {name"', "personas.we.community.reminder: not a valid template"),
    ('welcome = "Hi {handle.__class__}"', "personas.we.community.welcome: placeholder "
                                          "{handle.__class__} is not allowed"),
    ('welcome = "Hi {name[0]}"', "personas.we.community.welcome: placeholder {name[0]} is not "
                                 "allowed"),
    ('welcome = "Hi {name:>99999999}"', "personas.we.community.welcome: placeholder "
                                        "{name:>99999999} is not allowed"),
    ('reminder = "Hi {name!r}"', "personas.we.community.reminder: placeholder {name!r} is "
                                 "not allowed"),
    ('welcome = "Hi {0}"', "personas.we.community.welcome: unknown placeholder {0}"),
    pytest.param(f'welcome = "{"x" * 9990} {{name}}"', "personas.we.community.welcome: too "
                 "long", id="too-long"),
    ("welcome = 5", "personas.we.community.welcome: expected a message template, got an "
                    "integer"),
    ("join_phrases = []", "personas.we.community.join_phrases: needs at least one"),
    ('join_phrases = "join"', "personas.we.community.join_phrases: expected a list of strings"),
    ("min_realness = 2", "personas.we.community.min_realness: out of range: 2"),
    ("max_reminders = -1", "personas.we.community.max_reminders: out of range: -1; give a "
                           "whole number from 0 (no reminders) to 10"),
    ("max_reminders = 11", "personas.we.community.max_reminders: out of range: 11; give a "
                           "whole number from 0"),
    ("max_reminders = 99999999999999999999", "personas.we.community.max_reminders: "),
    ('max_reminders = "2"', "personas.we.community.max_reminders: expected a whole number, "
                            "got a string; set it to a whole number"),
    ("max_reminders = 2.5", "personas.we.community.max_reminders: expected a whole number"),
    ("max_reminders = true", "personas.we.community.max_reminders: expected a whole number"),
    ("max_reminders = nan", "personas.we.community.max_reminders: nan is not a number persona "
                            "can use; give a finite number"),
    ("weights = { charm = 1 }", "personas.we.community.weights.charm: unknown key"),
    ("weights = { age = -1 }",
     "personas.we.community.weights.age: expected a number from 0 to 1000"),
    ("weights = { age = 0 }", "personas.we.community.weights: every weight is 0"),
])
def test_bad_community_keys_are_one_line_with_the_fix(table, expected):
    message = error(BASE + "\n[personas.we.community]\n" + table + "\n")
    assert expected in message
    assert "\n" not in message and message.startswith("accounts.toml:")


def test_a_public_persona_cannot_have_a_community():
    message = error(BASE + '\n[personas.me.community]\njoin_phrases = ["join"]\n')
    assert message.startswith("accounts.toml:")
    assert "personas.me.community: a public persona has no community to join" in message
    assert 'visibility = "private"' in message


def test_the_community_job_is_a_known_job():
    cfg = config.parse(BASE + '\n[personas.we.jobs]\ncommunity = "30m"\n', None)
    assert cfg.jobs["we"]["community"] == timedelta(minutes=30)


def test_the_lookback_of_a_first_sync():
    assert config.parse(BASE, None).community["we"].lookback == timedelta(days=7)
    cfg = config.parse(BASE + '\n[personas.we.community]\nlookback = "30d"\n', None)
    assert cfg.community["we"].lookback == timedelta(days=30)
    assert "personas.we.community.lookback: not an interval: 'ever'" in error(
        BASE + '\n[personas.we.community]\nlookback = "ever"\n')


def test_a_template_up_to_the_limit_is_taken():
    text = "x" * 9800 + " {name} {handle} {persona}"
    cfg = config.parse(BASE + f'\n[personas.we.community]\nwelcome = "{text}"\n', None)
    assert cfg.community["we"].welcome == text
