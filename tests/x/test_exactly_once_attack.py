"""Exactly once against an adversary: items that differ only in a link, workers killed at
random, answers lost after the post was made, a network that takes the same text twice.

Each test drives the real worker or the real outbox against the loopback X front, which
shortens every link to t.co as X does, and checks what landed there against what the outbox
recorded: nothing lost, nothing doubled, each item's remote id a post with its own text.
"""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from sqlmodel import select

from personas import outbox
from personas.config import load
from router import decide
from router.items import classify
from tests.conftest import ROOT, persona_env
from tests.storage.conftest import backend  # noqa: F401  (the sqlite / postgres fixture)
from tests.worker.test_exactly_once import wait_for_work
from tests.x.test_worker import items


def _enqueue(config, texts: list[str], persona: str = "you") -> None:
    cfg = load(config)
    for text in texts:
        item = classify(text, network_kind="x")
        outbox.enqueue(item, decide(item, cfg.personas, forced=persona), cfg.persona(persona))


def _landed(front) -> dict[str, str]:
    """Every post on the front, id -> its text as written (the front keeps it unshortened)."""
    rows = front.store.db.execute("SELECT id, text FROM posts WHERE kind != 'repost'")
    return {str(i): t for i, t in rows}


def _check(front, texts: list[str]) -> None:
    landed = _landed(front)
    assert collections.Counter(landed.values()) == collections.Counter(texts), \
        "lost or doubled on the network"
    rows = items()
    assert {r.status for r in rows} == {"sent"}, [(r.id, r.status, r.last_error) for r in rows]
    assert len({r.remote_id for r in rows}) == len(rows), "one post given to two items"
    wrong = [(r.id, r.text, landed.get(r.remote_id)) for r in rows
             if landed.get(r.remote_id) != r.text]
    assert not wrong, f"items recorded with another post: {wrong[:5]}"


def test_a_post_is_read_back_with_its_links_as_written(logged_in):
    net, you = logged_in.network(), logged_in.persona("you")
    text = "Tom & Jerry <3: https://other.com/first and example.org/x"
    sent = net.publish(you, kind="original", text=text, target=None, idempotency_key="k")
    [post] = net.timeline(you, limit=5)
    from personas.sandbox.x_api import shown

    answered, links = shown(text)  # what the front answers, as X would: t.co, escapes
    assert "other.com" not in answered and answered.count("https://t.co/") == 2
    assert "Tom &amp; Jerry &lt;3" in answered and len(links) == 2
    assert post.id == sent.remote_id and post.text == (
        "Tom & Jerry <3: https://other.com/first and http://example.org/x")
    assert logged_in.front.store.timeline("JessesLinks")[0].text == text


def test_recovery_never_records_another_items_post(logged_in, cli):
    """An item that differs from a sent one only in its link, left `sending` by a worker
    that died before sending, is not "found" as the other's post: it is sent itself."""
    config = str(logged_in.config)
    first = cli("--config", config, "post", "Worth reading: https://other.com/first", "--json")
    assert first.code == 0, first.err
    later = cli("--config", config, "post", "--at", "in 2h",
                "Worth reading: https://other.com/second", "--json").json()
    from personas import db

    with db.raw() as cursor:  # its worker claimed it, then died before sending
        cursor.execute(db.sql("UPDATE items SET status = 'sending', claimed_by = :by, "
                              "claimed_at = created_at, scheduled_at = NULL WHERE id = :id"),
                       {"by": f"{os.uname().nodename}:999999999", "id": later["id"]})
    run = cli("--config", config, "worker", "--once")
    assert run.code == 0, run.err
    assert "not on the network after a crash, queued again" in run.err + run.out
    _check(logged_in.front, ["Worth reading: https://other.com/first",
                             "Worth reading: https://other.com/second"])


def test_recovery_compares_the_links_too(logged_in, cli):
    """A post made outside persona (in X's app) that differs from an item only in its link
    is not that item's post: recovery compares the whole text, t.co links expanded."""
    config = str(logged_in.config)
    logged_in.front.store.publish("JessesLinks", kind="original", target=None,
                                  text="Worth reading: https://other.com/first",
                                  idempotency_key=None)
    later = cli("--config", config, "post", "--at", "in 2h",
                "Worth reading: https://other.com/second", "--json").json()
    from personas import db

    with db.raw() as cursor:
        cursor.execute(db.sql("UPDATE items SET status = 'sending', claimed_by = :by, "
                              "claimed_at = created_at, scheduled_at = NULL WHERE id = :id"),
                       {"by": f"{os.uname().nodename}:999999999", "id": later["id"]})
    run = cli("--config", config, "worker", "--once")
    assert run.code == 0, run.err
    landed = _landed(logged_in.front)
    assert sorted(landed.values()) == ["Worth reading: https://other.com/first",
                                       "Worth reading: https://other.com/second"]
    [row] = items()
    assert row.status == "sent" and landed[row.remote_id] == row.text


@pytest.mark.slow
def test_killed_workers_150_items_one_wording_only_links_differ(backend, logged_in,  # noqa: F811
                                                                persona_home):
    front = logged_in.front
    front.duplicates = True  # no duplicate refusal to fall back on: matching alone decides
    front.limits["create_post"] = 10_000
    texts = [f"Worth reading: https://other.com/essay/{n}" for n in range(150)]
    _enqueue(logged_in.config, texts)
    # each post is made, then answered a little later: kills fall in that window too
    front.inject(path="/2/tweets", answer_after=0.08, times=10**6)
    env = {"PERSONA_CONFIG": str(logged_in.config)}
    if url := os.environ.get("PERSONA_DATABASE_URL"):
        env["PERSONA_DATABASE_URL"] = url
    rng = random.Random(15)
    kills = 0
    while kills < 50:
        proc = subprocess.Popen([sys.executable, "-m", "personas", "worker", "--interval",
                                 "0.2"], cwd=ROOT, env=persona_env(persona_home, **env),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for_work(proc)
        time.sleep(rng.uniform(0, 0.12))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        kills += 1
    left = sum(1 for r in items() if r.status != "sent")
    assert left > 0, "the queue drained before the last kill: make the run longer"
    final = subprocess.run([sys.executable, "-m", "personas", "worker", "--once", "--json"],
                           cwd=ROOT, env=persona_env(persona_home, **env), capture_output=True,
                           text=True, timeout=600)
    assert final.returncode == 0, final.stderr[-2000:]
    _check(front, texts)
    from personas import db
    from personas.models import Event

    with db.session() as s:
        found = [e for e in s.exec(select(Event)) if e.detail and "reconciled" in e.detail]
    json.loads(final.stdout)
    print(f"kills: {kills}, items: {len(texts)}, left for the last worker: {left}, "
          f"found on the network after a kill: {len(found)}, posts: {len(_landed(front))}")
    assert found, "no kill fell between the post's making and its record"


def test_lost_answers_on_a_network_that_takes_duplicates_never_double(logged_in):
    """Over 100 posts, each answer lost in one of three ways after the post was made (a
    timeout, a reset, a 5xx), or refused before it was made (a 5xx), on a front that takes
    the same text twice: every item lands once, each with its own post."""
    from personas.context import Context

    front = logged_in.front
    front.duplicates = True
    front.limits["create_post"] = 10_000  # X's 100 a window would end the run early
    ctx = Context(logged_in.config)
    you = ctx.persona("you")
    network = ctx.network("x")
    network.backoff = 0.01
    network.options = {**network.options, "timeout": 0.25}
    network._clients.clear()
    texts = [f"the same words, again ({n % 20})" for n in range(120)]  # each six times
    faults = [{"answer_after": 0.6}, {"lose_answer": True},
              {"status": 503, "work_first": True}, {"status": 503}]
    cfg = load(logged_in.config)
    for n, text in enumerate(texts):
        item = classify(text, network_kind="x")
        row = outbox.enqueue(item, decide(item, cfg.personas, forced="you"), you)
        claimed = outbox.claim(row.id, "attacker")
        front.inject(path="/2/tweets", **faults[n % len(faults)])
        outbox.send(claimed, network, you)
    _check(front, texts)
