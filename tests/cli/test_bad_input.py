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
        (("post", "-"), b"x" * (10 * 1024 * 1024 + 100), "text is more than 10 MB"),
        (("post", "--as", "them", "hi"), b"", "no persona named 'them'; configured: me, you, we"),
        (("post", "--reply-to", "not-a-post", "hi"), b"", "not a post id or post URL"),
        (("reply", "https://example.org/nope", "hi"), b"", "not a post id or post URL"),
        (("reply", "999", "hi"), b"", "no post 999 on the sandbox network"),
        (("repost", "12x"), b"", "not a post id or post URL"),
        (("post", "--bogus", "hi"), b"", "No such option"),
        (("route", "x" * 400), b"", None),
    ],
    ids=lambda value: repr(value)[:40],
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


@pytest.mark.parametrize("text", ["\u200b", "\u200e\u200f", "\u202e", "\u2800", "\u3164",
                                  "\u0301", " \u00a0\u3000 "])
def test_invisible_only_text_is_empty(cli, text):
    r = cli("post", text)
    assert r.code == 2 and "only invisible characters" in one_line(r.err)
    nothing_stored(cli)


@pytest.mark.parametrize("text", ["\ufeffhi", "\ufffe hi", "hi \uffff"])
def test_characters_x_never_accepts_are_refused(cli, text):
    r = cli("post", text)
    assert r.code == 2 and "which X never accepts" in one_line(r.err)
    nothing_stored(cli)


@pytest.mark.parametrize("ref", ["١٠٠٠٠٠٠٠٠١", "０１２"])
def test_non_ascii_digits_are_not_post_ids(cli, ref):
    r = cli("reply", ref, "hi")
    assert r.code == 2 and "not a post id or post URL" in one_line(r.err)


def test_help_with_no_command(cli):
    for args in ((), ("sandbox",)):
        r = cli(*args)
        assert r.code == 0 and r.out.startswith("Usage: persona") and r.err == ""


def test_usage_errors_are_one_line(cli):
    r = cli("post")
    assert r.code == 2
    assert one_line(r.err) == "persona: Missing argument 'TEXT'; see `persona post --help`"


def test_a_corrupt_database_is_one_line(cli, persona_home):
    (persona_home / "persona.db").write_bytes(b"this is not a database" * 100)
    r = cli("post", "hello")
    assert r.code == 1
    line = one_line(r.err)
    assert "cannot use the database" in line and "move the file aside" in line


def test_a_corrupt_sandbox_is_one_line_and_the_item_is_kept_queued(cli, persona_home):
    assert cli("post", "first").code == 0
    (persona_home / "sandbox.db").unlink()
    (persona_home / "sandbox.db").write_bytes(b"garbage" * 1000)
    for suffix in ("-wal", "-shm"):
        (persona_home / f"sandbox.db{suffix}").unlink(missing_ok=True)
    r = cli("post", "second")
    assert r.code == 1 and "cannot use the sandbox" in one_line(r.err)
    items = cli("queue", "--status", "all", "--json").json()
    assert [i["status"] for i in items] == ["sent", "queued"]  # never stuck in "sending"
    assert "cannot use the sandbox" in items[1]["last_error"]


@pytest.mark.parametrize("url", ["garbage", "postgresql://bob:p@ss:w@rd@127.0.0.1:1/db",
                                 "mysql://bob:hunter2@127.0.0.1/db"])
def test_a_bad_database_url_never_echoes_it(cli, monkeypatch, url):
    monkeypatch.setenv("PERSONA_DATABASE_URL", url)
    r = cli("post", "hello")
    assert r.code == 2
    line = one_line(r.err)
    assert "PERSONA_DATABASE_URL is not a database URL" in line
    assert "hunter2" not in line and "w@rd" not in line and "p@ss" not in line


@pytest.mark.parametrize("home", ["/dev/null", "/proc/no-such-dir"])
def test_an_unusable_home_is_one_line(cli, monkeypatch, home):
    monkeypatch.setenv("PERSONA_HOME", home)
    r = cli("post", "hello")
    assert r.code in (1, 2) and "set PERSONA_HOME to a writable directory" in one_line(r.err)


def test_init_to_an_unwritable_path(cli):
    r = cli("init", "--path", "/proc/no-such-dir/accounts.toml")
    assert r.code == 2 and "cannot write /proc/no-such-dir/accounts.toml" in one_line(r.err)


def test_persona_names_that_contain_secret_words_are_fine(cli, write_config):
    write_config('[networks.tokenring]\nkind = "sandbox"\n[personas.secretary]\n'
                 'network = "tokenring"\nhandle = "sec"\npolicy = "content-only"\n')
    assert cli("route", "hello").code == 0


@pytest.mark.parametrize("args", [
    ("sandbox", "simulate", "dm", "we", "--handle", "bad handle!", "--text", "hi"),
    ("sandbox", "simulate", "dm", "we", "--handle", "we", "--text", "hi"),
    ("sandbox", "simulate", "dm", "we", "--handle", "ana", "--text", "a\x00b"),
    ("sandbox", "simulate", "mention", "we", "--handle", "ana", "--text", " "),
    ("sandbox", "simulate", "like", "1", "--count", "99999999999999999999"),
    ("sandbox", "simulate", "follow", "you", "--count", "10000000"),
])
def test_simulate_refuses_bad_input(cli, args):
    r = cli(*args)
    assert r.code == 2, r.err
    one_line(r.err)


def test_simulated_reply_to_an_invisible_post_is_bad_input(cli):
    private = cli("post", "--as", "we", "members only", "--json").json()["remote_id"]
    r = cli("sandbox", "simulate", "reply", private, "--handle", "stranger", "--text", "hi")
    assert r.code == 2 and "can see" in one_line(r.err)


KEYS = '{"consumer_key": ..., "consumer_secret": ...}'


@pytest.mark.parametrize(("args", "stdin", "expected"), [
    (("app", "set", "x"), b"", "expected the consumer key on stdin and got the end of input; "
     f"type it at the prompt, or pass --stdin with a JSON object {KEYS}"),
    (("app", "set", "x"), b"ck-123\n", "expected the consumer secret on stdin and got the end "
     "of input"),
    (("app", "set", "x"), b"\n", "the consumer key is empty; give the one on your X app's "
     '"Keys and tokens" page'),
    (("app", "set", "x"), b"ck-123\n  \n", "the consumer secret is empty"),
    (("app", "set", "x", "--stdin"), b"", f"stdin is empty: --stdin expects a JSON object {KEYS}"),
    (("app", "set", "x", "--stdin"), b" \n", "stdin is empty: --stdin expects a JSON object"),
    (("login", "me", "--stdin"), b"", 'stdin is empty: --stdin expects a JSON object '
     '{"access_token": ..., "access_token_secret": ...}'),
    # pasted wrong: a key or token with a space or a control character is never X's
    (("app", "set", "x", "--stdin"), b'{"consumer_key": "SEC RET", "consumer_secret": "S"}',
     "the consumer key has a space, a control character or a letter X's keys never have"),
    (("app", "set", "x", "--stdin"), b'{"consumer_key": "K", "consumer_secret": "S\\u0000"}',
     "the consumer secret has a space, a control character"),
    (("app", "set", "x"), b"ck-123\nsecret with space\n", "the consumer secret has a space"),
    (("login", "me", "--stdin"), b'{"access_token": "a\\tb", "access_token_secret": "s"}',
     "the access token has a space, a control character"),
], ids=lambda value: repr(value)[:30])
def test_app_keys_and_tokens_from_input_that_ends_say_what_was_expected(cli, write_config,
                                                                        args, stdin, expected):
    """Input that ends before the keys is a mistake to name (exit 2), not an interruption
    (130): that is for Ctrl-C."""
    from personas.config import example_text

    write_config(example_text())
    r = cli(*args, stdin=stdin)
    assert r.code == 2, (r.code, r.err)
    assert expected in one_line(r.err)


def test_app_set_from_an_empty_stdin_in_a_real_process(persona_home, write_config):
    from personas.config import example_text

    config = write_config(example_text())
    for extra in ([], ["--stdin"]):
        proc = subprocess.run([sys.executable, "-m", "personas", "--config", str(config),
                               "app", "set", "x", *extra], stdin=subprocess.DEVNULL, cwd=ROOT,
                              env=persona_env(persona_home), capture_output=True, text=True)
        assert proc.returncode == 2, proc.stderr
        assert "expect" in one_line(proc.stderr) and "interrupted" not in proc.stderr
