"""Posting to X, a process that posts one item after another commits the last post's
result while the next post's request is out, waiting for X's answer, rather than before
it. These tests post through real tweepy over real HTTP to the front, and watch the
database from a connection of its own, which sees only what is committed."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
import requests

from personas import db, outbox, posting
from personas.networks import base
from personas.networks.x import Rebase
from tests.storage.committed import db_file, on_postgresql, outside, status
from tests.storage.conftest import backend  # noqa: F401  (the PostgreSQL database)


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


def test_the_next_store_commits_alone_and_the_last_result_goes_in_the_wait(logged_in):
    ctx = logged_in.ctx()
    warm = post(ctx, "warm-up")
    statements: list[str] = []
    conn = db._own_connection(db.engine())
    conn.set_trace_callback(statements.append)
    try:
        watched = post(ctx, "watched")
    finally:
        conn.set_trace_callback(None)
    # what went in the wait was the warm-up's result; the watched post's own is held
    assert status(warm.id) == ("sent", 1) and status(watched.id) == ("sending", 0)
    words = [" ".join(s.split()[:2]) for s in statements
             if s.split()[0] in ("INSERT", "UPDATE", "COMMIT")]
    # the store's own transaction, then the held result's, the request out between them
    assert words == ["INSERT INTO", "COMMIT", "UPDATE items", "INSERT INTO", "COMMIT"]
    assert statements[-2].startswith("INSERT INTO events")


def test_a_result_the_database_refuses_in_the_wait_is_overdue_for_the_next_store(logged_in):
    ctx = logged_in.ctx()
    first = post(ctx, "held through a refusal")
    # the database refuses to mark anything sent, for now
    outside_conn = sqlite3.connect(db_file())
    outside_conn.execute("CREATE TRIGGER refuse BEFORE UPDATE OF status ON items "
                         "WHEN NEW.status = 'sent' BEGIN SELECT RAISE(ABORT, 'refused'); END")
    outside_conn.commit()
    # the commit in the wait is refused: this post goes on, both results stay held
    second = posting.post(ctx, posting.route(ctx, "posted all the same", as_="me"))
    assert second.status == "sent"
    assert status(first.id) == ("sending", 0) and status(second.id) == ("sending", 0)
    # ... and overdue: the next post's store commits them first, and stops at the refusal
    # before its own request, rather than post on with results piling up unrecorded
    with pytest.raises(sqlite3.IntegrityError, match="refused"):
        posting.post(ctx, posting.route(ctx, "never sent while results cannot be recorded",
                                        as_="me"))
    on_x = [p.text for p in logged_in.front.store.timeline("Jesse")]  # the front's own record
    assert on_x == ["posted all the same", "held through a refusal"]
    assert outside("SELECT count(*) FROM items WHERE text LIKE 'never sent%'") == [(0,)]
    outside_conn.execute("DROP TRIGGER refuse")
    outside_conn.commit()
    outside_conn.close()
    outbox.flush()  # nothing was lost
    assert status(first.id) == ("sent", 1) and status(second.id) == ("sent", 1)
    assert db._later.overdue is False


def test_a_request_inside_a_transaction_leaves_the_held_result_out_of_it(logged_in):
    ctx = logged_in.ctx()
    first = post(ctx, "held while a block is open")
    with db.raw():  # carries the held result: commit it, and hold a fresh one below
        pass
    second = post(ctx, "held again")
    assert status(first.id) == ("sent", 1) and status(second.id) == ("sending", 0)
    with pytest.raises(RuntimeError, match="rolled back"):
        with db.raw(carry=False) as cursor:
            cursor.execute("UPDATE items SET text = 'changed' WHERE id = ?", (first.id,))
            db.flush_quietly()  # as a request made here would: not committed with the block
            raise RuntimeError("the block is rolled back")
    assert outside(f"SELECT text FROM items WHERE id = {first.id}") == [
        ("held while a block is open",)]
    assert status(second.id) == ("sending", 0) and db._later.overdue is True
    post(ctx, "the next store takes it")
    assert status(second.id) == ("sent", 1)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_on_postgresql_too_the_last_result_goes_in_the_next_wait(backend, logged_in):  # noqa: F811
    ctx = logged_in.ctx()
    first = post(ctx, "first of two, on PostgreSQL")
    second = post(ctx, "second of two, on PostgreSQL")
    states, events = on_postgresql()
    assert (states[first.id], states[second.id], events) == ("sent", "sending", 1)
    outbox.flush()
    assert on_postgresql()[1] == 2


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


class Loopback:
    """A threaded HTTP server on a free loopback port, answering GETs with `answer`."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                status, body = outer.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str) -> tuple[int, bytes]:
        raise NotImplementedError

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Answering(Loopback):
    """Answers only once the client's waiting work has run (or after 5 s without it), and
    says which it was."""

    def __init__(self) -> None:
        self.work_ran = threading.Event()
        self.answered_after_work: list[bool] = []
        super().__init__()

    def answer(self, path: str) -> tuple[int, bytes]:
        self.answered_after_work.append(self.work_ran.wait(5))
        return 200, b"ok"


class Proxy(Loopback):
    """An HTTP forward proxy: it passes each request on and counts them."""

    def __init__(self) -> None:
        self.forwarded: list[str] = []
        super().__init__()

    def answer(self, path: str) -> tuple[int, bytes]:
        import http.client
        from urllib.parse import urlsplit

        target = urlsplit(path)  # a proxy is sent the whole URL
        self.forwarded.append(path)
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        try:
            upstream.request("GET", target.path)
            answer = upstream.getresponse()
            return answer.status, answer.read()
        finally:
            upstream.close()


@pytest.fixture
def answering():
    made = Answering()
    yield made
    made.close()


@pytest.fixture
def proxy():
    made = Proxy()
    yield made
    made.close()


def _get_through_rebase(base_url: str, work, proxies=None) -> str:  # type: ignore[no-untyped-def]
    session = requests.Session()
    session.trust_env = False  # this machine's proxy settings are not the test's
    session.mount("https://api.twitter.com", Rebase("https://api.twitter.com", base_url, 10))
    with base.meanwhile(work):
        return session.get("https://api.twitter.com/2/users/me", proxies=proxies).text


def test_the_transport_runs_the_work_after_sending_and_before_the_answer(answering):
    assert _get_through_rebase(answering.url, answering.work_ran.set) == "ok"
    assert answering.answered_after_work == [True]  # the work ran while the server held on


def test_through_an_http_proxy_the_work_runs_in_the_wait_too(answering, proxy):
    text = _get_through_rebase(answering.url, answering.work_ran.set,
                               proxies={"http": proxy.url, "https": proxy.url})
    assert text == "ok" and proxy.forwarded == [f"{answering.url}/2/users/me"]
    assert answering.answered_after_work == [True]
