"""Bad input: one line on stderr naming the fix, exit 2, nothing stored, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT, persona_env


def nothing_stored(cli) -> None:
    assert cli("queue", "--status", "all", "--json").json() == []
    assert cli("sandbox", "timeline", "me", "--json").json() == []


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if "no accounts.toml found" not in line]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (("post", ""), b"", "text is empty"),
        (("post", "   \n\t "), b"", "text is empty"),
        (("post", "a\x00b"), b"", "control character U+0000"),
        (("post", "bell\x07"), b"", "control character U+0007"),
        (("post", "-"), b"caf\xe9 latte", "stdin is not valid UTF-8"),
        (("post", "-"), b"x" * (10 * 1024 * 1024), "text is 10,485,760 bytes"),
        (("post", "--as", "them", "hi"), b"", "no persona named 'them'; configured: me, you, we"),
        (("post", "--reply-to", "not-a-post", "hi"), b"", "not a post id or post URL"),
        (("reply", "https://example.org/nope", "hi"), b"", "not a post id or post URL"),
        (("reply", "999", "hi"), b"", "no post 999 on the sandbox network"),
        (("repost", "12x"), b"", "not a post id or post URL"),
        (("post", "--bogus", "hi"), b"", "No such option"),
        (("route", "x" * 400), b"", None),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, args, stdin, expected):
    r = cli(*args, stdin=stdin)
    assert r.code == 2, (r.out, r.err)
    if expected is not None:
        assert expected in one_line(r.err)
    nothing_stored(cli)


def test_a_broken_accounts_toml_is_one_line(cli, write_config):
    write_config("[personas.me]\nnetwork = 'x'\nhandle = 'me'\npolicy = 'content-only'\n")
    r = cli("post", "hi")
    assert r.code == 2
    assert one_line(r.err) == ("persona: accounts.toml:2: personas.me.network: unknown network "
                               "'x' (configured: none); add a [networks.x] table or name a "
                               "configured one")
    write_config("[personas.me\n")
    assert "invalid TOML" in one_line(cli("route", "hi").err)


def test_real_process_invalid_utf8_no_traceback(persona_home):
    proc = subprocess.run([sys.executable, "-m", "personas", "post", "-"],
                          input=b"\xff\xfe bad", cwd=ROOT,
                          env=persona_env(persona_home), capture_output=True)
    assert proc.returncode == 2
    assert b"Traceback" not in proc.stderr and b"stdin is not valid UTF-8" in proc.stderr


def test_no_command_shows_help(cli):
    r = cli()
    assert "Usage" in r.out + r.err
