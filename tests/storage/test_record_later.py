"""A post's result is committed with the process's next transaction: the next post's
store, anything that reads the database, `outbox.flush()`, or exit. These tests watch the
database from outside the process (a plain sqlite3 connection, another process) to see
when the result is there, and what a crash or a fork while it is held does."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from personas import db, outbox, posting
from personas.context import Context
from tests.conftest import ROOT
from tests.storage.committed import db_file, on_postgresql, outside, status


def post(ctx: Context, text: str) -> posting.Posted:
    result = posting.post(ctx, posting.route(ctx, text))
    assert result.status == "sent", result
    return result


def test_the_result_waits_for_the_next_post_whose_store_commits_it():
    ctx = Context(None)
    first = post(ctx, "first of two")
    assert status(first.id) == ("sending", 0)  # held: not committed yet
    second = post(ctx, "second of two")
    assert status(first.id) == ("sent", 1)  # went with the second one's store
    assert status(second.id) == ("sending", 0)
    outbox.flush()
    assert status(second.id) == ("sent", 1)
    [(url, remote)] = outside(f"SELECT url, remote_id FROM items WHERE id = {second.id}")
    assert (url, remote) == (second.url, second.remote_id)


def test_anything_that_reads_the_database_sees_the_result():
    ctx = Context(None)
    result = post(ctx, "read back at once")
    assert outbox.get(result.id).status == "sent"  # a session: the result went first
    assert status(result.id) == ("sent", 1)
    result = post(ctx, "read back by the queue")
    assert [r.id for r in outbox.pending()] == []
    assert status(result.id) == ("sent", 1)


def test_a_post_costs_one_commit_once_a_process_is_posting():
    ctx = Context(None)
    post(ctx, "warm-up")
    commits: list[str] = []
    conn = db._own_connection(db.engine())
    conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    try:
        for i in range(10):
            post(ctx, f"one commit each {i}")
    finally:
        conn.set_trace_callback(None)
    assert len(commits) == 10, commits  # store + the previous post's result, together
    outbox.flush()
    assert outside("SELECT count(*) FROM items WHERE status = 'sent'") == [(11,)]
    assert outside("SELECT count(*) FROM events WHERE action = 'posted'") == [(11,)]


def test_held_writes_are_held_again_when_their_transaction_rolls_back():
    ctx = Context(None)
    result = post(ctx, "rolled back, then committed")
    with pytest.raises(RuntimeError), db.raw() as cursor:
        cursor.execute("SELECT 1")
        raise RuntimeError("the block fails after the held writes ran in it")
    assert status(result.id) == ("sending", 0)
    outbox.flush()
    assert status(result.id) == ("sent", 1)
    outbox.flush()  # nothing held: nothing written twice
    assert status(result.id) == ("sent", 1)


def test_a_held_result_does_not_write_over_an_item_reconciled_meanwhile():
    # The process sat idle past the claim's lease, and a worker elsewhere found the post on
    # the network and recorded it; then the held result is committed.
    ctx = Context(None)
    result = post(ctx, "reconciled while its result was held")
    conn = sqlite3.connect(db_file())
    conn.execute("UPDATE items SET status = 'sent' WHERE id = ?", (result.id,))
    conn.execute("INSERT INTO events (at, persona, action, item_id, detail) VALUES "
                 "('2026-12-02 10:00:00.000000', 'me', 'posted', ?, '{\"reconciled\": true}')",
                 (result.id,))
    conn.commit()
    conn.close()
    outbox.flush()
    assert status(result.id) == ("sent", 1)
    [(detail,)] = outside(f"SELECT detail FROM events WHERE item_id = {result.id}")
    assert detail == '{"reconciled": true}'


def test_persona_post_commits_its_result_before_it_prints_it(cli):
    done = cli("post", "--json", "printed once it is recorded")
    assert done.code == 0, done.err
    assert status(done.json()["id"]) == ("sent", 1)  # type: ignore[index]


def test_a_result_the_database_refuses_is_said_once_and_left_to_the_worker(cli, monkeypatch):
    def locked() -> None:
        raise sqlite3.OperationalError("database is locked")

    with monkeypatch.context() as patch:
        patch.setattr(db, "flush", locked)
        done = cli("post", "posted, then not recorded")
    assert done.code == 1
    [line] = [x for x in done.err.splitlines() if "no accounts.toml" not in x]
    assert line.startswith("persona: posted at https://sandbox.invalid/"), line
    assert "database is locked" in line and "`persona worker`" in line, line
    item_id = int(line.split("item ")[1].split()[0])
    assert db._later.writes == []  # not tried again at exit
    assert status(item_id) == ("sending", 0)
    worker = cli("worker", "--once", "--json")
    assert worker.code == 0 and json.loads(worker.out)["reconciled"] == 1, worker.err
    assert status(item_id) == ("sent", 1)


SCRIPT = """
import os, sys
from personas import posting
from personas.context import Context
ctx = Context(None)
result = posting.post(ctx, posting.route(ctx, sys.argv[1]))
print(result.id, flush=True)
if sys.argv[2] == "crash":
    os._exit(0)  # no exit handlers: as if killed
"""


def _run(text: str, how: str) -> int:
    done = subprocess.run([sys.executable, "-c", SCRIPT, text, how], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def test_a_process_that_exits_commits_its_last_result():
    item_id = _run("the last post of a process", "exit")
    assert status(item_id) == ("sent", 1)


def test_a_result_lost_in_a_crash_is_reconciled_not_posted_again(cli):
    text = "posted, then the process died"
    item_id = _run(text, "crash")
    assert status(item_id) == ("sending", 0)
    done = cli("worker", "--once", "--json")
    assert done.code == 0, done.err
    assert json.loads(done.out)["reconciled"] == 1
    assert status(item_id) == ("sent", 1)
    [(detail,)] = outside(f"SELECT detail FROM events WHERE item_id = {item_id}")
    assert json.loads(detail) == {"reconciled": True}  # type: ignore[arg-type]
    timeline = cli("sandbox", "timeline", "me", "--json")
    assert sum(p["text"] == text for p in timeline.json()) == 1  # type: ignore[union-attr]


def test_a_forked_child_leaves_its_parents_held_writes_to_the_parent():
    ctx = Context(None)
    result = post(ctx, "held across a fork")
    pid = os.fork()
    if pid == 0:  # the child: what its exit would commit
        code = 1
        try:
            db._flush_at_exit()
            code = 0
        finally:
            os._exit(code)
    _, code = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(code) == 0
    assert status(result.id) == ("sending", 0)  # the child committed nothing of ours
    outbox.flush()
    assert status(result.id) == ("sent", 1)  # once, by the parent


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_on_postgresql_the_result_goes_with_the_next_store_too(backend):
    ctx = Context(None)
    first = post(ctx, "first of two, on PostgreSQL")
    second = post(ctx, "second of two, on PostgreSQL")
    states, events = on_postgresql()
    assert (states[first.id], states[second.id], events) == ("sent", "sending", 1)
    outbox.flush()
    assert on_postgresql()[1] == 2
