"""accounts.toml: where it is found, what it may say, and how mistakes are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from personas import config
from personas.errors import ConfigError

GOOD = """
[networks.sandbox]
kind = "sandbox"

[personas.me]
network = "sandbox"
handle = "me"
policy = "content-only"
own_domains = ["example.com"]

[personas.you]
network = "sandbox"
handle = "you"
policy = "auto-follow"
"""


def error(text: str, path: Path | None = None) -> str:
    with pytest.raises(ConfigError) as e:
        config.parse(text, path or Path("accounts.toml"))
    return e.value.message


def test_the_builtin_setup_is_me_you_we_on_the_sandbox():
    cfg = config.load()
    assert cfg.builtin and cfg.names() == ["me", "you", "we"]
    assert {p.network_kind for p in cfg.personas} == {"sandbox"}
    assert [p.policy for p in cfg.personas] == ["content-only", "auto-follow", "private-community"]


def test_the_example_file_is_valid_and_annotated():
    cfg = config.parse(config.example_text(), Path("accounts.toml.example"))
    assert cfg.names() == ["me", "you", "we"]
    assert cfg.persona("we").private and cfg.persona("we").traits.import_from == ("me", "you")
    top_level = Path(__file__).parent.parent / "accounts.toml.example"
    assert top_level.read_text() == config.example_text()


def test_search_order(tmp_path, monkeypatch, persona_home):
    (persona_home / "accounts.toml").write_text(GOOD)
    assert config.find_config() == persona_home / "accounts.toml"
    (tmp_path / "accounts.toml").write_text(GOOD)
    assert config.find_config() == Path("accounts.toml")
    env = tmp_path / "env.toml"
    env.write_text(GOOD)
    monkeypatch.setenv("PERSONA_CONFIG", str(env))
    assert config.find_config() == env
    explicit = tmp_path / "explicit.toml"
    explicit.write_text(GOOD)
    assert config.find_config(explicit) == explicit


def test_missing_explicit_or_env_config_is_an_error(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="no such file; check --config"):
        config.find_config(tmp_path / "nope.toml")
    monkeypatch.setenv("PERSONA_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="PERSONA_CONFIG"):
        config.find_config()


def test_order_key_reorders_personas():
    cfg = config.parse(GOOD.replace('policy = "auto-follow"', 'policy = "auto-follow"\norder = -1'),
                       None)
    assert cfg.names() == ["you", "me"]


def test_trait_overrides_apply_over_the_preset():
    text = GOOD + 'replies = true\naccepts = ["link", "reply"]\nmax_length = 200\n'
    you = config.parse(text, None).persona("you")
    assert you.traits.replies and you.max_length == 200
    assert {k.value for k in you.traits.accepts} == {"link", "reply"}
    assert you.traits.auto_follow == "followers"  # the rest of the preset stays


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD + "colour = 'red'\n",
         "accounts.toml:15: personas.you.colour: unknown key; remove it"),
        (GOOD.replace('"auto-follow"', '"auto-folow"'),
         "accounts.toml:14: personas.you.policy: unknown value 'auto-folow'; use one of: "
         "content-only, auto-follow, private-community"),
        (GOOD.replace('network = "sandbox"\nhandle = "you"', 'network = "x"\nhandle = "you"'),
         "accounts.toml:12: personas.you.network: unknown network 'x' (configured: sandbox); "
         "add a [networks.x] table"),
        (GOOD.replace('handle = "you"', 'handle = "ME"'),
         "accounts.toml:13: personas.you.handle: @ME on sandbox is also persona 'me'"),
        (GOOD + "replies = 'yes'\n",
         "accounts.toml:15: personas.you.replies: expected true or false, got a string"),
        (GOOD + "max_length = 0\n", "personas.you.max_length: must be positive"),
        (GOOD + "max_length = 100000\n",
         "personas.you.max_length: 100000 is more than the network allows; set at most 280"),
        (GOOD + 'accepts = []\n', "personas.you.accepts: takes no kind of item"),
        (GOOD.replace('kind = "sandbox"',
                      'kind = "sandbox"\nrate_limits = { create_post = "ten" }'),
         "networks.sandbox.rate_limits.create_post: expected a positive integer"),
        (GOOD + 'accepts = ["tweets"]\n', "personas.you.accepts: unknown kind 'tweets'"),
        (GOOD + 'own_domains = "example.com"\n',
         "personas.you.own_domains: expected a list of strings, got a string"),
        (GOOD + 'own_domains = ["https://example.com/"]\n', "not a domain name"),
        (GOOD.replace('kind = "sandbox"', 'kind = "myspace"'),
         "accounts.toml:3: networks.sandbox.kind: unknown value 'myspace'; use one of: sandbox, x"),
        (GOOD.replace('handle = "you"', 'handle = "not a handle"'), "not a valid handle"),
        ("[personas]\n", "accounts.toml:1: personas: no personas"),
        ("[personas.me]\nhandle = 'me'\npolicy = 'content-only'\n", "personas.me: has no network"),
        (GOOD + "import_from = ['nobody']\n", "personas.you.import_from: unknown persona 'nobody'"),
        ("wat = 1\n" + GOOD, "accounts.toml:1: wat: unknown key"),
        ('[networks.x]\nkind = "x"\napi_base = "ftp://nope"\n' + GOOD,
         "networks.x.api_base: not an http(s) URL"),
    ],
)
def test_invalid_configs_name_file_line_key_and_fix(text, expected):
    assert expected in error(text)


def test_syntax_errors_give_the_parsers_line():
    message = error(GOOD + "oops = \n")
    assert message.startswith("accounts.toml: invalid TOML:") and "line 15" in message


@pytest.mark.parametrize("key", ["access_token", "api_key", "consumer_secret", "password",
                                 "bearer"])
def test_secret_looking_keys_are_refused_without_echoing_the_value(key):
    message = error(GOOD + f'{key} = "s3cr3t-value"\n')
    assert f"personas.you.{key}: looks like a secret" in message
    assert "persona login you" in message and "s3cr3t-value" not in message
    assert message.startswith("accounts.toml:15:")


def test_a_secret_anywhere_is_refused_first():
    message = error('[networks.x]\nkind = "x"\n[networks.x.oauth]\ntoken = "abc"\n' + GOOD)
    assert "networks.x.oauth.token: looks like a secret" in message and "abc" not in message


def test_a_public_persona_may_not_import_from_a_private_one():
    text = GOOD + ('\n[personas.we]\nnetwork = "sandbox"\nhandle = "we"\n'
                   'policy = "private-community"\n')
    text = text.replace('policy = "auto-follow"', 'policy = "auto-follow"\nimport_from = ["we"]')
    assert "private content never goes to a public persona" in error(text)


def test_unreadable_and_non_utf8_files(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"\xff\xfe[personas]")
    with pytest.raises(ConfigError, match="not UTF-8"):
        config.load(bad)


PRIVATE = (GOOD + '\n[personas.we]\nnetwork = "sandbox"\nhandle = "we"\n'
           'policy = "private-community"\n')


def _network(name: str) -> str:
    return GOOD.replace("[networks.sandbox]", f"[networks.{name}]").replace(
        'network = "sandbox"', f"network = {name}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x = " + "[" * 600 + "]" * 600 + "\n",
         "accounts.toml:1: x: arrays or inline tables nested hundreds deep; no key of "
         "accounts.toml is: flatten them"),
        (GOOD + "[personas.you.follow]\nblocklist = " + "{a=" * 600 + "1" + "}" * 600 + "\n",
         "accounts.toml:16: blocklist: arrays or inline tables nested hundreds deep"),
        (GOOD + "[" + ".".join(["a"] * 5000) + "]\n",
         "accounts.toml:15: a.a.a.a.a.a.a.a.a: nested more than 8 deep; no key of accounts.toml "
         "is that deep: flatten it"),
        (PRIVATE + '[personas.we.community]\nremind_every = "999999999d"\n',
         "accounts.toml:21: personas.we.community.remind_every: '999999999d' is longer than a "
         'year; say how often, like "3d", "1w" or "12h", at most 366d'),
        (PRIVATE + '[personas.we.community]\nlookback = "' + "9" * 5000 + 's"\n',
         "personas.we.community.lookback: '" + "9" * 40 + "' is longer than a year"),
        (GOOD + '[personas.you.jobs]\nmetrics = "1d 99999999999w"\n',
         "accounts.toml:16: personas.you.jobs.metrics: '1d 99999999999w' is longer than a year"),
        (GOOD.replace('kind = "sandbox"', 'kind = "sandbox"\nlatency = -1'),
         "accounts.toml:4: networks.sandbox.latency: out of range: -1; give a number of seconds "
         "from 0 to 60"),
        (GOOD.replace('kind = "sandbox"', 'kind = "sandbox"\nlatency = nan'),
         "accounts.toml:4: networks.sandbox.latency: nan is not a number persona can use; give a "
         "finite number"),
        (GOOD.replace('kind = "sandbox"', 'kind = "sandbox"\nlatency = inf'),
         "networks.sandbox.latency: inf is not a number persona can use"),
        (GOOD.replace('kind = "sandbox"', 'kind = "sandbox"\nlatency = -inf'),
         "networks.sandbox.latency: -inf is not a number persona can use"),
        (GOOD.replace('kind = "sandbox"', 'kind = "sandbox"\nlatency = 1e308'),
         "networks.sandbox.latency: out of range: 1e+308"),
        ('[networks.x]\nkind = "x"\ntimeout = 0\n' + GOOD,
         "networks.x.timeout: out of range: 0; give a number of seconds above 0, up to 600"),
        (PRIVATE + "[personas.we.community.weights]\nbio = nan\n",
         "accounts.toml:21: personas.we.community.weights.bio: nan is not a number persona can "
         "use; give a finite number"),
        (PRIVATE + "[personas.we.community.weights]\nbio = 1e308\nage = 1e308\n",
         "personas.we.community.weights.bio: expected a number from 0 to 1000, got 1e+308"),
        (PRIVATE + "[personas.we.community]\nmin_realness = nan\n",
         "personas.we.community.min_realness: nan is not a number persona can use"),
        (GOOD.replace('kind = "sandbox"', 'kind = "sandbox"\nrate_limits = { create_post = '
                      f"{2**63} }}"),
         "networks.sandbox.rate_limits.create_post: expected a positive integer, got "
         "9223372036854775808; give calls per 15 minutes, up to 1000000"),
        (_network('"../../x"'),
         'accounts.toml:2: networks."../../x": bad network name; use 1-32 lower-case letters, '
         "digits, - or _, starting with a letter or digit"),
        (_network('"/tmp/abs"'), 'networks."/tmp/abs": bad network name'),
        (_network('".."'), 'networks."..": bad network name'),
        (_network('"a\\u0000b"'),
         'networks."a\\u0000b": a key that is empty or holds a control character; rename it'),
        (_network('"X"'), 'networks.X: bad network name'),
        (_network('"' + "n" * 300 + '"'), "bad network name"),
        (GOOD.replace('handle = "you"', 'handle = "you"\nslots = ["09:00", "a\\u0000"]'),
         "accounts.toml:14: personas.you.slots[1]: holds the control character U+0000 at "
         "position 1; remove it (newlines and tabs are fine)"),
        (PRIVATE + '[personas.we.community]\nwelcome = "Hi {name}\\u001b[2J"\n',
         "personas.we.community.welcome: holds the control character U+001B at position 9"),
        ('[personas."a\\u0000"]\nnetwork = "sandbox"\nhandle = "a"\npolicy = "content-only"\n',
         'personas."a\\u0000": a key that is empty or holds a control character'),
    ],
    ids=lambda value: repr(value)[-50:] if isinstance(value, str) else None,
)
def test_values_names_and_nesting_no_key_can_hold_are_refused(text, expected):
    """Each once crashed (RecursionError, OverflowError, ValueError on a NUL), slept for ever
    or not at all (latency), printed NaN as JSON (weights), or wrote a database outside the
    data directory (a network named like a path)."""
    message = error(text)
    assert expected in message, message
    assert "\n" not in message and "\x00" not in message



def test_the_job_names_accounts_toml_takes_are_the_jobs_the_worker_runs():
    """accounts.toml is checked against config.JOB_NAMES, so that reading a configuration
    does not import the features it configures: the names are the keys of jobs.JOBS."""
    from personas.config import JOB_NAMES
    from personas.jobs import JOBS

    assert set(JOBS) == set(JOB_NAMES)
    cfg = config.parse(GOOD + '[personas.you.jobs]\nmetrics = "6h"\nfollow = "1h"\n',
                       Path("accounts.toml"))
    assert set(cfg.jobs["you"]) == {"metrics", "follow"}
    assert "unknown key" in error(GOOD + '[personas.you.jobs]\nmetricz = "6h"\n')
