"""What users and networks write is shown as written: a table never reads it as Rich markup
(a stray `[/bold]` crashed `persona queue`, `[link=...]` hid its address), as an emoji code,
or as a terminal control sequence. Hostile text goes through every command that prints a
table, and no module but the CLI's one table helper draws with Rich."""

from __future__ import annotations

import re
import sqlite3

import pytest

from tests.conftest import ROOT

# each short enough for the queue's 40-character text column
HOSTILE = ["[/bold] closes nothing", "an intro [/] like this",
           "[link=https://evil.example]here[/link]", "[bold red]loud[/bold red] :smile:",
           "[/link]", "\\[escaped] [b]", "[red"]


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    """Rich wraps to the terminal: wide enough that each text stays on one line."""
    monkeypatch.setenv("COLUMNS", "400")


def shows(out: str, text: str) -> None:
    assert text in out, f"{text!r} not shown as written in:\n{out}"


def test_queue_and_timeline_show_texts_as_written(cli, persona_home):
    """Stored as they are (some would not route yet: a URL with a bracket), then shown."""
    for i, _ in enumerate(HOSTILE):
        assert cli("post", f"placeholder {i}").code == 0  # the timeline
        assert cli("post", "--at", "in 2h", f"placeholder {i}").code == 0  # the queue
    for db, table in (("persona.db", "items"), ("sandbox.db", "posts")):
        with sqlite3.connect(persona_home / db) as conn:
            for i, text in enumerate(HOSTILE):
                conn.execute(f"UPDATE {table} SET text = ? WHERE text = ?",
                             (text, f"placeholder {i}"))
    queue = cli("queue")
    timeline = cli("sandbox", "timeline", "me")
    assert queue.code == 0 and timeline.code == 0, queue.err + timeline.err
    for text in HOSTILE:
        shows(queue.out, text)
        shows(timeline.out, text)
    assert "😄" not in queue.out + timeline.out


def test_members_and_requests_show_introductions_as_written(cli):
    for i, intro in enumerate(HOSTILE):
        r = cli("sandbox", "simulate", "request", "we", "--handle", f"ana{i}", "--intro", intro)
        assert r.code == 0, r.err
    assert cli("community", "sync").code == 0
    requests = cli("community", "requests")
    assert requests.code == 0, requests.err
    assert cli("community", "approve", *[f"ana{i}" for i in range(len(HOSTILE))]).code == 0
    members = cli("community", "members")
    assert members.code == 0, members.err
    for text in HOSTILE:
        shows(members.out, text)


def test_a_networks_control_sequences_are_shown_not_sent_to_the_terminal(cli, persona_home):
    """The network's words reach the table unchecked by persona: an escape sequence that
    would clear the screen or a right-to-left override shows as its code."""
    assert cli("post", "first").code == 0
    with sqlite3.connect(persona_home / "sandbox.db") as db:
        db.execute("UPDATE posts SET text = ?", ("clear\x1b[2J bell\x07 rtl\u202eevil",))
    r = cli("sandbox", "timeline", "me")
    assert r.code == 0, r.err
    assert "\x1b" not in r.out and "\x07" not in r.out and "\u202e" not in r.out
    shows(r.out, "clear\\x1b[2J bell\\x07 rtl\\u202eevil")


def test_every_other_table_printing_command_takes_hostile_names_and_numbers(cli):
    """The rest print what persona itself checked (persona names, handles, counts): they
    still go through the same helper."""
    assert cli("post", "[/bold] hi").code == 0
    for args in (["accounts"], ["star"], ["sync", "metrics"], ["report"],
                 ["report", "--format", "table"]):
        r = cli(*args)
        assert r.code == 0, (args, r.err)
        assert "unexpected error" not in r.err


def test_only_the_clis_helper_draws_with_rich():
    """A new table elsewhere would skip the escaping: every Rich table or print goes through
    personas.cli.common.table (the progress bar shows only persona's own words)."""
    allowed = {"personas/cli/common.py", "personas/cli/follow_progress.py"}
    users = []
    for path in sorted((ROOT / "personas").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if name not in allowed and re.search(r"^\s*(from|import) rich\b", path.read_text(),
                                             re.MULTILINE):
            users.append(name)
    assert users == []


def test_a_titled_table_keeps_its_title_and_its_top_border_on_lines_of_their_own(cli):
    assert cli("post", "Hello").code == 0
    lines = cli("sandbox", "timeline", "me").out.splitlines()
    assert lines[0].strip() == "@me"
    assert lines[1].startswith("┏") and lines[1].endswith("┓")
