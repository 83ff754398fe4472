"""The outbox on SQLite and on the real PostgreSQL server: stored before sending, claimed
once, recorded after, failures kept."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from personas import db, outbox
from personas.config import NetworkConfig, load
from personas.errors import Duplicate, RateLimited
from personas.models import Event, OutboxItem, Status
from personas.networks.sandbox import SandboxNetwork
from router import decide
from router.items import classify


def routed(text: str):
    cfg = load()
    item = classify(text, network_kind="sandbox")
    decision = decide(item, cfg.personas)
    return item, decision, cfg.persona(decision.persona)


def rows() -> list[OutboxItem]:
    with db.session() as s:
        return list(s.exec(select(OutboxItem).order_by(OutboxItem.id)))


def events() -> list[Event]:
    with db.session() as s:
        return list(s.exec(select(Event).order_by(Event.id)))


def test_enqueue_claim_send_record(backend):
    item, decision, persona = routed("Hello from the outbox")
    row = outbox.enqueue(item, decision, persona)
    assert [r.status for r in rows()] == [Status.QUEUED] and len(row.key) == 32
    claimed = outbox.claim(row.id, "w1")
    assert claimed.status == Status.SENDING and claimed.attempts == 1
    assert outbox.claim(row.id, "w2") is None
    sent = outbox.send(claimed, SandboxNetwork(NetworkConfig("sandbox", "sandbox")), persona)
    assert sent.status == Status.SENT and sent.remote_id and sent.url.endswith(sent.remote_id)
    [event] = events()
    assert (event.persona, event.action, event.kind, event.item_id, event.remote_id) == (
        "me", "posted", "original", row.id, sent.remote_id)


def test_only_one_of_many_concurrent_claims_wins(backend):
    item, decision, persona = routed("claimed once")
    row = outbox.enqueue(item, decision, persona)
    winners: list[str] = []
    barrier = threading.Barrier(8)

    def worker(name: str) -> None:
        barrier.wait()
        if outbox.claim(row.id, name) is not None:
            winners.append(name)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_a_retry_with_the_same_key_posts_once(backend):
    item, decision, persona = routed("idempotent")
    network = SandboxNetwork(NetworkConfig("sandbox", "sandbox"))
    row = outbox.enqueue(item, decision, persona)
    first = network.publish(persona, kind="original", text=row.text, target=None,
                            idempotency_key=row.key)  # as if the worker died before recording
    sent = outbox.send(outbox.claim(row.id, "w"), network, persona)
    assert sent.remote_id == first.remote_id
    assert [p.text for p in network.timeline(persona)] == ["idempotent"]


def test_a_rate_limited_send_stays_queued_with_the_reset_time(backend):
    limits = {"rate_limits": {"create_post": 1}}
    network = SandboxNetwork(NetworkConfig("sandbox", "sandbox", limits))
    for text in ("first", "second"):
        item, decision, persona = routed(text)
        row = outbox.enqueue(item, decision, persona)
        claimed = outbox.claim(row.id, "w")
        if text == "first":
            outbox.send(claimed, network, persona)
    with pytest.raises(RateLimited):
        outbox.send(claimed, network, persona)
    second = rows()[1]
    assert second.status == Status.QUEUED and "rate limited" in second.last_error
    assert second.next_attempt_at is not None and second.remote_id is None
    assert [e.item_id for e in events()] == [rows()[0].id]


def test_the_budget_read_with_the_store_holds_an_item_until_its_reset_time_only(backend):
    import time
    from datetime import UTC, datetime

    from personas.ratelimit import Budget

    network = SandboxNetwork(NetworkConfig("sandbox", "sandbox"))
    item, decision, persona = routed("held, then sent")
    reset = time.time() + 60
    Budget(persona.name, {}).learn("create_post", 100, 0, reset)  # the window is used up
    held, ready_at = outbox.store_claimed(item, decision, persona)
    assert abs(ready_at - reset) < 1e-5  # as stored: to the microsecond
    with pytest.raises(RateLimited):
        outbox.send(held, network, persona, ready_at=ready_at)
    assert rows()[0].status == Status.QUEUED
    late = rows()[0].next_attempt_at - datetime.fromtimestamp(reset, UTC)
    assert abs(late.total_seconds()) < 1e-5  # the reset time itself, not later
    item, decision, persona = routed("stored while held, sent after the reset")
    Budget(persona.name, {}).learn("create_post", 100, 0, time.time() + 1)
    stored, ready_at = outbox.store_claimed(item, decision, persona)
    assert ready_at > 0  # held when stored
    time.sleep(max(ready_at - time.time(), 0) + 0.05)  # the window resets before the send
    assert outbox.send(stored, network, persona, ready_at=ready_at).status == Status.SENT


def test_a_duplicate_fails_the_item_for_good(backend):
    network = SandboxNetwork(NetworkConfig("sandbox", "sandbox"))
    for _ in range(2):
        item, decision, persona = routed("same words")
        claimed = outbox.claim(outbox.enqueue(item, decision, persona).id, "w")
        try:
            outbox.send(claimed, network, persona)
        except Duplicate:
            pass
    assert [r.status for r in rows()] == [Status.SENT, Status.FAILED]
    assert "duplicate" in rows()[1].last_error


def test_pending_lists_unsent_items_by_default(backend):
    item, decision, persona = routed("waiting")
    outbox.enqueue(item, decision, persona)
    assert [r.text for r in outbox.pending()] == ["waiting"]
    assert outbox.pending(statuses=(Status.SENT,)) == []
    assert outbox.pending(persona="you") == []


def test_a_crashed_send_is_found_as_the_network_shows_it():
    """X shows a post with t.co links and HTML escapes; read back through its entities, it
    is the text posted, and a text that differs only in a link is another post."""
    import tweepy

    from personas.networks.base import same_text
    from personas.networks.x.convert import post_text as _text

    posted = "Read this & tell me: https://example.org/a-very-long/path?x=1 <3"
    shown = tweepy.Tweet({"id": "1", "text": "Read this &amp; tell me: https://t.co/AbC123xyz "
                          "&lt;3", "edit_history_tweet_ids": ["1"], "entities": {"urls": [
                              {"start": 24, "end": 47, "url": "https://t.co/AbC123xyz",
                               "expanded_url": "https://example.org/a-very-long/path?x=1",
                               "display_url": "example.org/a-very-long/\u2026"}]}})
    assert _text(shown) == posted and same_text(posted, _text(shown))
    assert not same_text(posted, "Read this & tell me something else")
    assert not same_text(posted.replace("x=1", "x=2"), _text(shown))
    assert not same_text("Worth reading: https://other.com/first",
                         "Worth reading: https://other.com/second")
    assert same_text("see example.com/x", "see http://example.com/x")  # scheme added
    assert same_text("see https://Example.com/", "see https://example.com")
    assert not same_text("see https://example.com/A", "see https://example.com/a")
    assert not same_text("two  spaces", "two spaces")  # word for word


def test_what_a_post_writes_through_the_driver_reads_back_through_the_orm(backend):
    # enqueue and the record of a send bypass SQLAlchemy: the rows must be the ones the ORM
    # would have written, times (to the microsecond, a whole second too) included
    from datetime import UTC, datetime

    from personas.networks.base import Sent

    item, decision, persona = routed("Written below the ORM")
    at = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)  # no microseconds: stored all the same
    stored, ready_at = outbox.store_claimed(item, decision, persona, media=[
        {"path": "/tmp/a.png", "alt": "a"}])
    sent = outbox._record_sent(stored, Sent("991", "https://sandbox.invalid/me/status/991",
                                            at))
    [row] = rows()
    assert row.model_dump() == sent.model_dump()
    assert (row.status, row.claimed_by, row.attempts, row.sent_at, ready_at) == (
        Status.SENT, outbox.worker_id(), 1, at, 0.0)
    assert row.created_at.tzinfo is UTC and row.claimed_at == row.created_at
    [event] = events()
    assert (event.at, event.item_id, event.remote_id, event.action) == (
        row.updated_at, row.id, "991", "posted")
    later = outbox.enqueue(item, decision, persona, scheduled_at=at)
    assert outbox.get(later.id).model_dump() == later.model_dump()
    assert later.status == Status.QUEUED and later.claimed_at is None
    if backend == "sqlite":  # SQLite compares times as text: the text must be SQLAlchemy's
        from sqlalchemy import text

        with db.engine().connect() as conn:
            stored = conn.execute(text("SELECT sent_at, created_at FROM items WHERE id = :i"),
                                  {"i": row.id}).one()
        assert stored[0] == "2026-03-04 05:06:07.000000"
        assert stored[1] == row.created_at.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def test_a_stored_item_has_the_fields_of_an_outbox_row(backend):
    from personas.models import StoredItem

    assert list(StoredItem.__annotations__) == list(OutboxItem.model_fields)
    item, decision, persona = routed("stored")
    stored = outbox.enqueue(item, decision, persona)
    assert stored.model_dump() == outbox.get(stored.id).model_dump()


def test_a_failed_block_keeps_nothing_and_the_next_one_works(backend):
    item, decision, persona = routed("Kept connection")
    first = outbox.enqueue(item, decision, persona)
    with pytest.raises(ZeroDivisionError), db.raw() as cursor:
        cursor.execute(db.sql("UPDATE items SET text = :text"), {"text": "lost"})
        1 / 0  # noqa: B018
    second = outbox.enqueue(item, decision, persona)
    assert [(r.id, r.text) for r in rows()] == [(first.id, "Kept connection"),
                                                (second.id, "Kept connection")]
