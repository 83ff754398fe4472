"""Numbers at the command line: ids, counts, seconds and times past what a database, a
timedelta or a sleep can hold. Every one is refused with one line and exit 2, nothing stored;
and every integer, number and post reference the CLI takes is declared bounded, so a command
added later cannot forget it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.cli.test_bad_input import one_line
from tests.conftest import ROOT, persona_env

sys.path.insert(0, str(ROOT / "tools"))

BIG = str(2**64)  # past SQLite's INTEGER and PostgreSQL's bigint
EDGE = str(2**63)  # the first integer neither holds
URL = f"https://sandbox.invalid/me/status/{BIG}"
FAR = "in 99999999999d"


def numbers(big: str) -> list[tuple[str, ...]]:
    return [
        ("reply", big, "hi"), ("reply", URL, "hi"), ("repost", big), ("repost", URL),
        ("star", big), ("star", f"{URL}?s=20"), ("star", "1000000001", big),
        ("star", "--remove", big),
        ("post", "--reply-to", big, "hi"), ("route", "--reply-to", big, "hi"),
        ("queue", "edit", big, "--text", "x"), ("queue", "cancel", big), ("queue", "retry", big),
        ("queue", "cancel", "0"),
        ("sandbox", "simulate", "like", big), ("sandbox", "simulate", "like", URL),
        ("sandbox", "simulate", "like", "1000000001", "--count", big),
        ("sandbox", "simulate", "reply", big, "--handle", "ana", "--text", "hi"),
        ("sandbox", "timeline", "me", "--limit", big),
        ("sandbox", "simulate", "follow", "you", "--count", big),
        ("sandbox", "simulate", "follow", "you", "--spammy", big),
        ("sandbox", "simulate", "follow", "you", "--seed", big),
        ("follow", "sync", "you", "--limit", big), ("sync", "metrics", "--days", big),
        ("worker", "--once", "--interval", big),
    ]


# a server until stopped when it takes the number: run apart, with a deadline
SERVE = [("sandbox", "serve", "--port", BIG), ("sandbox", "serve", "--limit", f"create_post={BIG}"),
         ("sandbox", "serve", "--fault", f"status=503,times={BIG}"),
         ("sandbox", "serve", "--fault", "delay=nan"), ("sandbox", "serve", "--fault", "delay=inf"),
         ("sandbox", "serve", "--fault", "status=99"), ("sandbox", "serve", "--limit", "follow=0")]

TIMES = [
    ("worker", "--once", "--interval", "nan"), ("worker", "--once", "--interval", "inf"),
    ("post", "--at", FAR, "hi"), ("post", "--at", "in 9000000d", "hi"),
    ("post", "--at", "9999-12-31T23:59-05:00", "hi"), ("post", "--at", "in 20000w", "hi"),
    ("post", "--at", "in " + "9" * 5000 + "s", "hi"),
    ("post", "--at", "0001-01-01T00:00+05:00", "hi"),
    ("queue", "edit", "1", "--at", FAR),
    ("report", "--until", "9999-12-31"), ("report", "--since", "0001-01-01T00:00+05:00"),
    ("report", "--until", "9999-12-31T23:00-05:00", "--format", "json"),
    ("report", "events", "--until", "9999-12-31"), ("report", "events", "--since", "999999w"),
]


def stored(cli) -> tuple[object, object]:
    return (cli("queue", "--status", "all", "--json").json(),
            cli("sandbox", "timeline", "me", "--json").json())


@pytest.fixture
def seeded(cli):
    """A post to refer to and a queued item to edit, so only the number is wrong."""
    assert cli("post", "seed post").code == 0
    assert cli("post", "--at", "in 2h", "later").code == 0
    return stored(cli)


@pytest.mark.parametrize("args", [*numbers(BIG), *numbers(EDGE), *TIMES],
                         ids=lambda args: " ".join(args)[:60])
def test_numbers_past_what_is_stored_are_one_line_and_exit_2(cli, seeded, args):
    r = cli(*args)
    assert r.code == 2, (r.code, r.out, r.err)
    line = one_line(r.err)
    assert "unexpected error" not in line and "Overflow" not in line
    assert stored(cli) == seeded


@pytest.mark.parametrize("args", SERVE, ids=" ".join)
def test_the_sandbox_server_refuses_numbers_it_cannot_use(persona_home, args):
    proc = subprocess.run([sys.executable, "-m", "personas", *args, "--port", "0"][
        : None if "--port" not in args else -2], cwd=ROOT, env=persona_env(persona_home),
        capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert "unexpected error" not in one_line(proc.stderr)


def test_the_largest_id_is_still_an_id(cli, seeded):
    largest = str(2**63 - 1)
    r = cli("reply", largest, "hi")
    assert r.code == 2 and "no post 9223372036854775807 on the sandbox network" in one_line(r.err)
    r = cli("queue", "cancel", largest)
    assert r.code == 2 and "no outbox item 9223372036854775807" in one_line(r.err)
    r = cli("post", f"see https://sandbox.invalid/me/status/{BIG}")  # a text is not an id
    assert r.code == 2 and "no post 18446744073709551616" in one_line(r.err)


def test_every_integer_number_and_post_reference_of_the_cli_is_bounded():
    """The class, not the cases: any integer or number option or argument, in any command
    now or later, declares its range within what the database holds, a number also refuses
    nan and inf, and any argument naming a post has its id checked."""
    import click
    import gen_cli_docs

    from personas.cli.common import MAX_ID, finite, post_ref

    unbounded, unchecked = [], []
    for path, cmd, _ctx in gen_cli_docs.commands():
        for param in cmd.params:
            where = f"{path} {param.opts[0] if param.opts else param.name}"
            kind = param.type
            if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
                high = getattr(kind, "max", None)
                low = getattr(kind, "min", None)
                if high is None or low is None or high > MAX_ID or low < -MAX_ID - 1:
                    unbounded.append(where)
                if isinstance(kind, click.types.FloatParamType) and param.callback is not finite:
                    unbounded.append(f"{where} (nan)")
            names = f"{param.name} {param.metavar or ''}".upper()
            if ("POST" in names or "ID|URL" in names or "REPLY" in names) \
                    and isinstance(kind, click.types.StringParamType) \
                    and getattr(param.callback, "__wrapped__", param.callback) is not post_ref:
                unchecked.append(where)
    assert unbounded == [], f"integers or numbers without a bound: {unbounded}"
    assert unchecked == [], f"post references whose id is not checked: {unchecked}"
