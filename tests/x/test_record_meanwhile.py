"""Posting to X, a process that posts one item after another commits the last post's
result while the next post's request is out, waiting for X's answer, rather than before
it. These tests post through real tweepy over real HTTP to the front, and watch the
database from a connection of its own, which sees only what is committed."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import requests

from personas import db, outbox, posting
from personas.networks import base
from personas.networks.x import Rebase


def outside(query: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(Path(os.environ["PERSONA_HOME"]) / "persona.db")
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def status(item_id: int) -> tuple[str, int]:
    [(state,)] = outside(f"SELECT status FROM items WHERE id = {item_id}")
    [(n,)] = outside(f"SELECT count(*) FROM events WHERE item_id = {item_id}")
    return state, n  # type: ignore[return-value]


def post(ctx, text: str) -> posting.Posted:  # type: ignore[no-untyped-def]
    result = posting.post(ctx, posting.route(ctx, text, as_="me"))
    assert result.status == "sent", result
    return result


def test_the_last_result_is_committed_while_the_next_request_is_out(logged_in):
    ctx = logged_in.ctx()
    first = post(ctx, "the first of two")
    assert status(first.id) == ("sending", 0)  # held
    # X takes 1.5 s over the next post: the first's result is committed meanwhile
    logged_in.front.inject(path="/2/tweets", answer_after=1.5)
    second: list[posting.Posted] = []
    thread = threading.Thread(target=lambda: second.append(post(ctx, "the second of two")))
    thread.start()
    seen: list[tuple[tuple[str, int], bool]] = []
    deadline = time.monotonic() + 1.3
    while time.monotonic() < deadline and not seen:
        if status(first.id) == ("sent", 1):
            seen.append((status(first.id), thread.is_alive()))
        time.sleep(0.01)
    thread.join(10)
    assert seen == [(("sent", 1), True)]  # committed before the answer came
    assert status(second[0].id) == ("sending", 0)  # and now the second's is held
    outbox.flush()
    assert status(second[0].id) == ("sent", 1)


def test_the_next_store_commits_alone_and_the_last_result_goes_in_the_wait(logged_in):
    ctx = logged_in.ctx()
    post(ctx, "warm-up")
    statements: list[str] = []
    conn = db._own_connection(db.engine())
    conn.set_trace_callback(statements.append)
    try:
        post(ctx, "watched")
    finally:
        conn.set_trace_callback(None)
    words = [" ".join(s.split()[:2]) for s in statements
             if s.split()[0] in ("INSERT", "UPDATE", "COMMIT")]
    # the store's own transaction, then the held result's, the request out between them
    assert words == ["INSERT INTO", "COMMIT", "UPDATE items", "INSERT INTO", "COMMIT"]
    assert statements[-2].startswith("INSERT INTO events")


def test_a_result_the_database_refuses_in_the_wait_stays_held(logged_in):
    ctx = logged_in.ctx()
    first = post(ctx, "held through a refusal")
    # the database refuses to mark anything sent, for now
    outside_conn = sqlite3.connect(Path(os.environ["PERSONA_HOME"]) / "persona.db")
    outside_conn.execute("CREATE TRIGGER refuse BEFORE UPDATE OF status ON items "
                         "WHEN NEW.status = 'sent' BEGIN SELECT RAISE(ABORT, 'refused'); END")
    outside_conn.commit()
    # the commit in the wait is refused: the post goes on, the result stays held
    second = posting.post(ctx, posting.route(ctx, "posted all the same", as_="me"))
    assert second.status == "sent"
    assert status(first.id) == ("sending", 0) and status(second.id) == ("sending", 0)
    outside_conn.execute("DROP TRIGGER refuse")
    outside_conn.commit()
    outside_conn.close()
    outbox.flush()  # nothing was lost
    assert status(first.id) == ("sent", 1) and status(second.id) == ("sent", 1)


# --- the mechanism: base.meanwhile and the transport that calls base.waiting() -------------


def test_meanwhile_work_runs_once_in_the_wait_or_else_at_the_end():
    ran: list[str] = []
    with base.meanwhile(lambda: ran.append("work")):
        base.waiting()
        base.waiting()  # a second request in the block (a retry): once is enough
        assert ran == ["work"]
    assert ran == ["work"]
    with base.meanwhile(lambda: ran.append("no request went out")):
        pass
    assert ran == ["work", "no request went out"]
    base.waiting()  # outside a block: nothing to do
    assert len(ran) == 2


def test_meanwhile_work_is_the_threads_own():
    ran: list[str] = []
    with base.meanwhile(lambda: ran.append("mine")):
        other = threading.Thread(target=base.waiting)
        other.start()
        other.join()
        assert ran == []  # another thread's request does not run it
    assert ran == ["mine"]


@pytest.fixture
def slow_server():
    """A loopback HTTP server that answers after 0.3 s."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            time.sleep(0.3)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_transport_runs_the_work_after_sending_and_before_the_answer(slow_server):
    session = requests.Session()
    session.mount("https://api.twitter.com", Rebase("https://api.twitter.com", slow_server, 5))
    started = time.monotonic()
    ran: list[float] = []
    with base.meanwhile(lambda: ran.append(time.monotonic() - started)):
        answer = session.get("https://api.twitter.com/2/users/me")
        answered = time.monotonic() - started
    assert answer.text == "ok" and answered >= 0.3
    assert len(ran) == 1 and ran[0] < 0.2  # at once, not after the answer


def test_a_proxy_s_connections_wait_the_same_way():
    adapter = Rebase("https://api.twitter.com", "http://127.0.0.1:9", 5)
    for manager in (adapter.poolmanager, adapter.proxy_manager_for("http://127.0.0.1:8")):
        pool = manager.connection_from_url("https://api.twitter.com/2/users/me")
        assert issubclass(pool.ConnectionCls, base_waits())


def base_waits():  # type: ignore[no-untyped-def]
    from personas.networks.x import _Waits

    return _Waits
