"""Posting to X, a process that posts one item after another commits the last post's
result with the next post's store, in one transaction, before the next request goes out.
These tests post through real tweepy over real HTTP to the front, and watch the database
from a connection of its own, which sees only what is committed."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from personas import db, outbox, posting
from tests.storage.committed import db_file, on_postgresql, outside, status
from tests.storage.conftest import backend  # noqa: F401  (the PostgreSQL database)


def post(ctx, text: str) -> posting.Posted:  # type: ignore[no-untyped-def]
    result = posting.post(ctx, posting.route(ctx, text, as_="me"))
    assert result.status == "sent", result
    return result


def test_the_last_result_is_committed_before_the_next_request_goes_out(logged_in):
    ctx = logged_in.ctx()
    first = post(ctx, "the first of two")
    assert status(first.id) == ("sending", 0)  # held
    # X takes 1.5 s over the next post: the first's result is committed before that
    logged_in.front.inject(path="/2/tweets", answer_after=1.5)
    second: list[tuple[posting.Posted, float]] = []
    thread = threading.Thread(
        target=lambda: second.append((post(ctx, "the second of two"), time.monotonic())))
    thread.start()
    seen_at = None
    while seen_at is None and thread.is_alive():
        if status(first.id) == ("sent", 1):
            seen_at = time.monotonic()
        time.sleep(0.01)
    thread.join(30)
    [(result, answered_at)] = second
    assert seen_at is not None and seen_at < answered_at  # committed before the answer came
    assert status(result.id) == ("sending", 0)  # and now the second's is held
    outbox.flush()
    assert status(result.id) == ("sent", 1)


def test_the_next_store_commits_the_last_result_with_it_in_one_transaction(logged_in):
    ctx = logged_in.ctx()
    warm = post(ctx, "warm-up")
    statements: list[str] = []
    conn = db._own_connection(db.engine())
    conn.set_trace_callback(statements.append)
    try:
        watched = post(ctx, "watched")
    finally:
        conn.set_trace_callback(None)
    # the warm-up's result went with the watched post's store; the watched one's is held
    assert status(warm.id) == ("sent", 1) and status(watched.id) == ("sending", 0)
    words = [" ".join(s.split()[:2]) for s in statements
             if s.split()[0] in ("INSERT", "UPDATE", "COMMIT")]
    assert words == ["UPDATE items", "INSERT INTO", "INSERT INTO", "COMMIT"]
    assert [s.split()[2] for s in statements if s.startswith("INSERT INTO")] == [
        "events", "items"]


def test_a_result_the_database_refuses_stops_the_next_post_before_its_request(logged_in):
    ctx = logged_in.ctx()
    first = post(ctx, "held through a refusal")
    # the database refuses to mark anything sent, for now
    outside_conn = sqlite3.connect(db_file())
    outside_conn.execute("CREATE TRIGGER refuse BEFORE UPDATE OF status ON items "
                         "WHEN NEW.status = 'sent' BEGIN SELECT RAISE(ABORT, 'refused'); END")
    outside_conn.commit()
    # the next post's store commits the held result first, and stops at the refusal before
    # its own request, rather than post on with results piling up unrecorded
    with pytest.raises(sqlite3.IntegrityError, match="refused"):
        posting.post(ctx, posting.route(ctx, "never sent while results cannot be recorded",
                                        as_="me"))
    on_x = [p.text for p in logged_in.front.store.timeline("Jesse")]  # the front's own record
    assert on_x == ["held through a refusal"]
    assert outside("SELECT count(*) FROM items WHERE text LIKE 'never sent%'") == [(0,)]
    assert status(first.id) == ("sending", 0)
    outside_conn.execute("DROP TRIGGER refuse")
    outside_conn.commit()
    outside_conn.close()
    outbox.flush()  # nothing was lost
    assert status(first.id) == ("sent", 1)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_on_postgresql_too_the_last_result_goes_with_the_next_store(backend, logged_in):  # noqa: F811
    ctx = logged_in.ctx()
    first = post(ctx, "first of two, on PostgreSQL")
    second = post(ctx, "second of two, on PostgreSQL")
    states, events = on_postgresql()
    assert (states[first.id], states[second.id], events) == ("sent", "sending", 1)
    outbox.flush()
    assert on_postgresql()[1] == 2
