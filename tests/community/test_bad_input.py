"""Mistakes are one line, exit 2, and change nothing."""

from __future__ import annotations

import pytest

PUBLIC_ONLY = """
[networks.sandbox]
kind = "sandbox"

[personas.me]
network = "sandbox"
handle = "me"
policy = "content-only"
"""

TWO_PRIVATE = PUBLIC_ONLY + """
[personas.we]
network = "sandbox"
handle = "we"
policy = "private-community"

[personas.club]
network = "sandbox"
handle = "club"
policy = "private-community"
"""


def _one_line(result, code: int = 2) -> str:  # type: ignore[no-untyped-def]
    assert result.code == code, (result.out, result.err)
    lines = [line for line in result.err.splitlines() if "no accounts.toml found" not in line]
    assert len(lines) == 1 and lines[0].startswith("persona: "), result.err
    assert "Traceback" not in result.err
    return lines[0]


@pytest.mark.parametrize("args", [
    ("sync",), ("requests",), ("members",), ("remind",), ("add", "ana"), ("approve", "ana"),
    ("deny", "ana"),
])
def test_no_private_persona(cli, write_config, args):
    write_config(PUBLIC_ONLY)
    line = _one_line(cli("community", *args))
    assert "no private persona in accounts.toml" in line and "private-community" in line


def test_several_private_personas_ask_which(cli, write_config):
    write_config(TWO_PRIVATE)
    assert "pick one with --persona" in _one_line(cli("community", "requests"))
    assert cli("community", "requests", "--persona", "club", "--json").json() == []
    line = _one_line(cli("community", "requests", "--persona", "me"))
    assert "persona 'me' is public" in line
    line = _one_line(cli("community", "requests", "--persona", "nobody"))
    assert "no persona named 'nobody'" in line


def test_unknown_handles_and_non_requests(cli):
    line = _one_line(cli("community", "add", "nobody_here"))
    assert "no sandbox account @nobody_here" in line
    line = _one_line(cli("community", "approve", "ana"))
    assert "no join request from @ana" in line and "persona community add ana" in line
    assert "no join request from @ana" in _one_line(cli("community", "deny", "ana"))
    assert "not a valid handle" in _one_line(cli("community", "approve", "not a handle!"))
    assert "not a valid handle" in _one_line(cli("community", "add", "@@x"))
    assert "your own personas" in _one_line(cli("community", "add", "you"))
    assert "name who to approve" in _one_line(cli("community", "approve"))
    assert "name who to deny" in _one_line(cli("community", "deny"))
    assert "unknown --status 'maybe'" in _one_line(cli("community", "requests", "--status",
                                                      "maybe"))
    assert cli("community", "requests", "--json").json() == []


def test_a_member_cannot_be_denied_and_all_real_asks_first(cli):
    cli("sandbox", "simulate", "request", "we", "--handle", "ana", "--intro",
        "Hi, I'm Ana, a photographer in Lisbon")
    cli("community", "sync")
    refused = cli("community", "approve", "--all-real", stdin="n\n")
    assert refused.code == 2 and "@ana  score 1.00" in refused.err  # the list, then the ask
    assert refused.err.rstrip().endswith("persona: nothing approved; answer y, or add --yes "
                                         "to approve the list without asking")
    assert cli("community", "members", "--json").json() == []
    asked = cli("community", "approve", "--all-real", stdin="y\n")
    assert asked.code == 0, asked.err
    assert "@ana" in asked.err and "approve these 1?" in asked.err
    line = _one_line(cli("community", "deny", "ana"))
    assert "@ana is already approved" in line


def test_bad_community_config_is_one_line(cli, write_config):
    write_config(PUBLIC_ONLY.replace('policy = "content-only"', 'policy = "private-community"')
                 + '[personas.me.community]\nremind_every = "often"\n')
    line = _one_line(cli("community", "sync"))
    assert "personas.me.community.remind_every: not an interval" in line


def test_a_too_long_handle_names_the_limit(cli):
    line = _one_line(cli("community", "add", "a" * 31))
    assert "at most 30 characters" in line


def test_decisions_echo_the_handle_as_stored(cli):
    cli("sandbox", "simulate", "request", "we", "--handle", "Deals0001", "--spammy")
    cli("sandbox", "simulate", "request", "we", "--handle", "Ana")
    cli("community", "sync")
    denied = cli("community", "deny", "DEALS0001")
    assert denied.code == 0 and denied.out.startswith("@Deals0001: denied")
    assert cli("community", "deny", "deals0001", "--json").json() == [
        {"handle": "Deals0001", "result": "already"}]
    assert cli("community", "approve", "@ANA", "--json").json() == [
        {"handle": "Ana", "result": "approved"}]


def test_one_unknown_handle_stops_the_whole_decision(cli, sandbox):
    cli("sandbox", "simulate", "request", "we", "--handle", "ana")
    cli("sandbox", "simulate", "request", "we", "--handle", "ben")
    cli("community", "sync")
    line = _one_line(cli("community", "approve", "ana", "nobody", "--json"))
    assert "no join request from @nobody" in line
    assert cli("community", "members", "--json").json() == []  # ana not approved either
    assert sandbox().conversation("we", "ana") == []
    assert "not a valid handle" in _one_line(cli("community", "deny", "ben", "no way"))
    assert "no join request from @zed" in _one_line(cli("community", "deny", "ben", "zed"))
    assert [r["status"] for r in cli("community", "requests", "--json").json()] == [
        "pending", "pending"]
    cli("community", "approve", "ana")
    assert "@ana is already approved" in _one_line(cli("community", "deny", "ben", "ana"))
    cli("community", "deny", "ben")
    assert "ben's request was denied" in _one_line(cli("community", "approve", "ben"))
