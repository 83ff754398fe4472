"""Random input at the command line: texts from every Unicode category, invalid UTF-8 on
stdin, huge inputs, random flags, and random or corrupted accounts.toml files. Whatever
comes in: exit 0, 1 or 2, one line and never a traceback, and nothing stored on exit 2."""

import json
import re
import sqlite3

from hypothesis import HealthCheck, example, given, settings
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


def check(cli, home, args: list[str], stdin: bytes = b""):  # type: ignore[no-untyped-def]
    TRIED["inputs"] += 1
    before = counts(home)
    r = cli(*args, stdin=stdin)
    assert r.code in (0, 1, 2), (args, r.code, r.err[-500:])
    assert "Traceback" not in r.err + r.out, (args, r.err[-2000:])
    assert "unexpected error" not in r.err, (args, r.err[-500:])
    if r.code == 2:
        assert counts(home) == before, (args, r.err)
    return r


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


# Values no key can use, names that would be read as paths, and nesting past any real key:
# each run puts some of them at keys of a working file, and runs commands that read them.
HOSTILE_VALUES = ["nan", "inf", "-inf", "-1", "-0.5", "1e308", str(2**63), str(2**64),
                  str(-2**63 - 1), '"999999999d"', '"99999999999999999999s"', '"1d 9999999w"',
                  '"' + "9" * 5000 + 's"', '"\\u0000"', '"a\\u0000b"', '"\\u001b[2J"',
                  '"../../x"', '""', "true", "[]", "{}", '["\\u0000"]', "[nan]", "{ a = nan }"]
KEYS = [("networks.sandbox", "latency"), ("networks.sandbox", "rate_limits"),
        ("networks.sandbox.rate_limits", "create_post"), ("personas.me", "order"),
        ("personas.me", "max_length"), ("personas.me", "slots"), ("personas.me", "handle"),
        ("personas.we.community", "remind_every"), ("personas.we.community", "lookback"),
        ("personas.we.community", "min_realness"), ("personas.we.community", "welcome"),
        ("personas.we.community.weights", "bio"), ("personas.we.community.weights", "age"),
        ("personas.we.import", "min_likes"), ("personas.we.import", "days"),
        ("personas.you.jobs", "metrics"), ("personas.you.follow", "min_realness"),
        ("personas.you.follow", "blocklist")]
NAMES = ["../../x", "../../../escaped", "/tmp/abs", "a\x00b", "..", ".", "a/b", "a\\b",
         "x" * 300, "\u202ex", "\x1b[2J", " ", "CON", "sandbox.db", "X", "é"]


def nested(depth: int, kind: str) -> str:
    return ("[" * depth + "]" * depth) if kind == "array" else ("{a=" * depth + "1" + "}" * depth)


@st.composite
def hostile_config(draw) -> str:
    text = example_text(sandbox=True)
    tables: dict[str, list[str]] = {}
    for table, key in draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=3)):
        value = draw(st.one_of(
            st.sampled_from(HOSTILE_VALUES),
            st.builds(nested, st.integers(1, 1200), st.sampled_from(["array", "inline"]))))
        tables.setdefault(table, []).append(f"{key} = {value}")
    if draw(st.booleans()):
        name = draw(st.one_of(st.sampled_from(NAMES), st.text(max_size=12)))
        quoted = json.dumps(name)  # a TOML basic string, \uXXXX escapes and all
        text = text.replace("[networks.sandbox]", f"[networks.{quoted}]").replace(
            'network = "sandbox"', f"network = {quoted}")
    if draw(st.integers(0, 3)) == 0:
        text += "\n[" + ".".join(["deep"] * draw(st.integers(2, 3000))) + "]\nx = 1\n"
    for table, lines in tables.items():
        body = "\n".join(lines)
        header = f"[{table}]"
        # a key of an existing table goes into it; a table of its own is added
        text = text.replace(header, f"{header}\n{body}", 1) if header in text else \
            f"{text}\n{header}\n{body}\n"
    return text


def strict_json(out: str) -> None:
    """Whatever a command prints as JSON is JSON: no NaN or Infinity."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in JSON output")

    if out.strip().startswith(("{", "[")):
        json.loads(out, parse_constant=refuse)


def outside(tmp_path, home) -> set[str]:
    """Every path under the test's directory but the data directory's."""
    return {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")
            if p != home and home not in p.parents}


def test_hostile_values_names_and_nesting_in_accounts_toml(cli, persona_home, tmp_path, capsys):
    """Each of these once crashed, hung or wrote where it must not: nesting deep enough to
    exhaust the recursion limit, intervals that overflow, latency nan / inf / negative,
    weights nan (printed as NaN, which is not JSON), a network name that became a path
    outside the data directory, and a NUL in a name. Each must be refused (exit 2, one line)
    or work; no file may appear outside the data directory, and no directory in it."""
    start = TRIED["inputs"]
    cli("sandbox", "simulate", "request", "we", "--handle", "ana", "--intro", "Hi, Ana here")
    assert cli("community", "sync").code == 0  # a request with a score to print
    assert cli("post", "seed post").code == 0
    before = outside(tmp_path, persona_home)
    commands = [["route", "hello"], ["post", "hello"], ["accounts", "--json"],
                ["community", "requests", "--json"], ["sandbox", "timeline", "me", "--json"]]
    db_file = re.compile(r"^(persona|sandbox(-[a-z0-9_-]{1,32})?)\.db(-wal|-shm|-journal)?$")

    @FUZZ
    @given(hostile_config())
    @example('x = ' + nested(600, "array") + "\n")
    @example(example_text(sandbox=True) + "[" + ".".join(["a"] * 2000) + "]\n")
    @example(example_text(sandbox=True).replace('kind = "sandbox"',
                                                'kind = "sandbox"\nlatency = nan'))
    @example(example_text(sandbox=True).replace('kind = "sandbox"',
                                                'kind = "sandbox"\nlatency = -1'))
    @example(example_text(sandbox=True)
             + '\n[personas.we.community]\nremind_every = "999999999d"\n')
    @example(example_text(sandbox=True) + '\n[personas.we.community.weights]\nbio = nan\n')
    @example(example_text(sandbox=True).replace("[networks.sandbox]", '[networks."../../x"]')
             .replace('network = "sandbox"', 'network = "../../x"'))
    @example(example_text(sandbox=True).replace("[networks.sandbox]", '[networks."a\\u0000b"]')
             .replace('network = "sandbox"', 'network = "a\\u0000b"'))
    def run(toml):
        (persona_home.parent / "accounts.toml").write_text(toml, encoding="utf-8")
        for command in commands:
            strict_json(check(cli, persona_home, command).out)
        assert outside(tmp_path, persona_home) <= before | {"accounts.toml"}
        strays = [p.name for p in persona_home.iterdir() if not db_file.match(p.name)]
        assert strays == [], strays

    run()
    with capsys.disabled():
        print(f"\nfuzz: {TRIED['inputs'] - start} runs over hostile accounts.toml files")
