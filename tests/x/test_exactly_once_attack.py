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


def _left_sending_by_a_dead_worker(item_id: int) -> None:
    """Its worker claimed it (now due), then died before sending it."""
    from personas import db

    with db.raw() as cursor:
        cursor.execute(db.sql("UPDATE items SET status = 'sending', claimed_by = :by, "
                              "claimed_at = created_at, scheduled_at = NULL WHERE id = :id"),
                       {"by": f"{os.uname().nodename}:999999999", "id": item_id})


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
    _left_sending_by_a_dead_worker(later["id"])
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
    _left_sending_by_a_dead_worker(later["id"])
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


def _front_takes_duplicates(front) -> None:
    front.duplicates = True
    front.limits["create_post"] = 10_000


def test_a_link_with_an_entity_like_query_is_not_posted_twice_after_a_lost_answer(logged_in,
                                                                                  cli):
    """X escapes & in its text; a link's own `&copy=1` is not `©=1` when it is read back."""
    _front_takes_duplicates(logged_in.front)
    logged_in.front.inject(lose_answer=True, path="/2/tweets")
    text = "Worth reading: https://example.com/report?id=7&copy=1&times=2 & more"
    result = cli("--config", str(logged_in.config), "post", "--as", "you", text, "--json")
    assert result.code == 0, result.err
    _check(logged_in.front, [text])


def test_an_item_edited_after_a_lost_answer_is_not_posted_in_both_wordings(logged_in, cli):
    config = str(logged_in.config)
    _front_takes_duplicates(logged_in.front)
    logged_in.front.inject(lose_answer=True, path="/2/tweets")
    logged_in.front.inject(status=503, path="/2/users", times=100)  # the look fails too
    first = cli("--config", config, "post", "--as", "me", "First wording of the news")
    assert first.code == 1, first.err
    [row] = items()
    assert row.status == "queued" and row.unsure
    logged_in.front._faults.clear()
    edit = cli("--config", config, "queue", "edit", str(row.id), "--text",
               "Second wording of the news")
    assert edit.code == 2 and f"item {row.id} went out before its answer was lost" in edit.err
    assert cli("--config", config, "worker", "--once").code == 0
    _check(logged_in.front, ["First wording of the news"])


def test_an_unsure_item_found_absent_can_be_edited_and_goes_once(logged_in, cli):
    config = str(logged_in.config)
    from personas.networks.x.client import XNetwork

    # refused before the work, on each of the post's tries
    logged_in.front.inject(status=503, path="/2/tweets", times=1 + XNetwork.retries)
    assert cli("--config", config, "post", "--as", "me", "Draft words").code == 1
    [row] = items()
    assert row.unsure
    edit = cli("--config", config, "queue", "edit", str(row.id), "--text", "Final words")
    assert edit.code == 0, edit.err
    assert not items()[0].unsure  # looked for, and not there: nothing of it is out
    assert cli("--config", config, "queue", "retry", str(row.id)).code == 0  # now, not later
    assert cli("--config", config, "worker", "--once").code == 0
    _check(logged_in.front, ["Final words"])


def test_a_repost_of_a_zero_padded_id_records_the_repost_not_its_source(logged_in, cli):
    config = str(logged_in.config)
    mine = cli("--config", config, "post", "--as", "me", "A post of mine worth sharing",
               "--json").json()
    padded = "0" + mine["remote_id"]
    repost = cli("--config", config, "repost", "--as", "you", padded, "--json")
    assert repost.code == 0, repost.err
    data = repost.json()
    landed = logged_in.front.store.timeline("JessesLinks")
    assert data["remote_id"] == str(landed[0].id) != mine["remote_id"]
    assert [r.target for r in items() if r.kind == "repost"] == [mine["remote_id"]]


def test_a_post_while_a_worker_sends_the_personas_item_waits_its_turn(logged_in, cli):
    """At most one item of a persona on the network: `persona post` queues its item behind
    the one a worker is sending, and says so."""
    config = str(logged_in.config)
    env = {"PERSONA_CONFIG": config}
    if url := os.environ.get("PERSONA_DATABASE_URL"):
        env["PERSONA_DATABASE_URL"] = url
    _enqueue(logged_in.config, ["Scheduled original one"], persona="me")
    logged_in.front.inject(path="/2/tweets", answer_after=4.0)
    from tests.conftest import persona_env

    worker = subprocess.Popen([sys.executable, "-m", "personas", "worker", "--once"], cwd=ROOT,
                              env=persona_env(logged_in.config.parent / "home", **env),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _landed(logged_in.front):
            time.sleep(0.05)  # the worker's post is made; its answer is 4 s away
        now = cli("--config", config, "post", "--as", "me", "Immediate original two", "--json")
        assert now.code == 0, now.err
        assert now.json()["status"] == "queued"
        assert "waits its turn, and `persona worker` sends it" in now.err
    finally:
        worker.communicate(timeout=60)
    assert cli("--config", config, "worker", "--once").code == 0
    landed = _landed(logged_in.front)
    assert [landed[i] for i in sorted(landed, key=int)] == [
        "Scheduled original one", "Immediate original two"]  # in order, one at a time
