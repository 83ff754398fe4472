"""Random input at the command line: texts from every Unicode category, invalid UTF-8 on
stdin, huge inputs, random flags, and random or corrupted accounts.toml files. Whatever
comes in: exit 0, 1 or 2, one line and never a traceback, and nothing stored on exit 2."""

import sqlite3

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from personas.config import example_text

TRIED = {"inputs": 0}
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
                max_examples=250)

texts = st.one_of(
    st.text(max_size=300),  # every category, surrogates included
    st.text(st.characters(codec="utf-8"), min_size=250, max_size=400),
    st.sampled_from(["", " ", "-", "\x00", "x" * 100_000, "https://", "@we", "https://x.com/a/status/1"]),
)
flags = st.lists(st.sampled_from([
    "--json", "--dry-run", "--as", "me", "you", "we", "nobody", "--reply-to", "1000000001",
    "--at", "in 2h", "yesterday", "next", "--bogus", "-", "--", "--status", "all", "--help",
]), max_size=4)
commands = st.sampled_from([["post"], ["route"], ["reply", "1000000001"], ["repost"],
                            ["queue"], ["queue", "edit", "1"], ["accounts"],
                            ["sandbox", "timeline", "me"], ["sandbox", "simulate", "dm", "we"]])


def counts(home) -> tuple[int, int]:
    def count(db: str, table: str) -> int:
        try:
            with sqlite3.connect(home / db) as conn:
                return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        except sqlite3.Error:
            return 0

    return count("persona.db", "items"), count("sandbox.db", "posts")


def check(cli, home, args: list[str], stdin: bytes = b"") -> None:
    TRIED["inputs"] += 1
    before = counts(home)
    r = cli(*args, stdin=stdin)
    assert r.code in (0, 1, 2), (args, r.code, r.err[-500:])
    assert "Traceback" not in r.err + r.out, (args, r.err[-2000:])
    assert "unexpected error" not in r.err, (args, r.err[-500:])
    if r.code == 2:
        assert counts(home) == before, (args, r.err)


def test_random_commands_texts_and_flags(cli, persona_home, capsys):
    assert cli("post", "seed post").code == 0

    @FUZZ
    @given(commands, texts, flags)
    def run(command, text, extra):
        check(cli, persona_home, [*command, text, *extra])

    run()
    with capsys.disabled():
        print(f"\nfuzz: {TRIED['inputs']} command lines tried")


def test_random_bytes_on_stdin(cli, persona_home, capsys):
    start = TRIED["inputs"]

    @FUZZ
    @given(st.binary(max_size=2000), st.sampled_from([["post", "-"], ["route", "-"]]))
    def run(data, command):
        check(cli, persona_home, command, stdin=data)

    run()
    with capsys.disabled():
        print(f"\nfuzz: {TRIED['inputs'] - start} stdin inputs tried")


def test_random_and_corrupted_accounts_toml(cli, persona_home, capsys):
    start = TRIED["inputs"]
    original = example_text(sandbox=True).encode()

    @st.composite
    def corrupted(draw) -> bytes:
        data = bytearray(original)
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(data) - 1))
            action = draw(st.sampled_from(["flip", "cut", "insert"]))
            if action == "flip":
                data[at] = draw(st.integers(0, 255))
            elif action == "cut":
                del data[at:at + draw(st.integers(1, 40))]
            else:
                data[at:at] = draw(st.sampled_from(
                    [b"=", b"[", b"]", b'"', b"\n", b"token = 'x'\n", b"policy = 1\n",
                     b"[personas.zz]\n", b"\xff", b"order = 'a'\n"]))
            if not data:
                break
        return bytes(data)

    @FUZZ
    @given(st.one_of(corrupted(), st.binary(max_size=300)),
           st.sampled_from([["route", "hello"], ["post", "hello"], ["accounts", "--json"]]))
    def run(toml, command):
        (persona_home.parent / "accounts.toml").write_bytes(toml)
        check(cli, persona_home, command)

    run()
    with capsys.disabled():
        print(f"\nfuzz: {TRIED['inputs'] - start} accounts.toml files tried")
