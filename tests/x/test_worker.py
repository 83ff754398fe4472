"""The worker against the sandbox's X API front, through tweepy over real HTTP: killed
mid-run, and fed faults (5xx, answers slower than the client waits, reset connections, a
storm of 429s, a token revoked mid-run). Every item ends sent exactly once, or queued with
a clear last error; none is lost, none doubled."""

import json
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from personas import db, outbox
from personas.config import load
from personas.models import Event, OutboxItem
from personas.worker import Worker
from router import decide
from router.items import classify
from tests.conftest import ROOT, persona_env
from tests.worker.test_exactly_once import wait_for_work

HANDLES = {"me": "Jesse", "we": "JesseStay"}


def enqueue(config, count: int, personas=("me", "we")) -> list[str]:
    cfg = load(config)
    texts = [f"note {n:03d}: on communities" for n in range(count)]
    for n, text in enumerate(texts):
        name = personas[n % len(personas)]
        item = classify(text, network_kind="x")
        outbox.enqueue(item, decide(item, cfg.personas, forced=name), cfg.persona(name))
    return texts


def on_front(front) -> list[str]:
    """Every text on the front's timelines."""
    rows = front.store.db.execute("SELECT text FROM posts WHERE kind != 'repost'").fetchall()
    return [t for (t,) in rows]


def items() -> list[OutboxItem]:
    with db.session() as s:
        return list(s.exec(select(OutboxItem).order_by(OutboxItem.id)))


def settled(texts: list[str], front) -> None:
    """Each item is on the front at most once; sent ones exactly once, with their remote id;
    the others queued (or failed) with a last error, or queued untouched behind them."""
    landed = on_front(front)
    assert len(landed) == len(set(landed)), "doubled on the network"
    for row in items():
        if row.status == "sent":
            assert landed.count(row.text) == 1 and row.remote_id
        else:
            assert row.status in ("queued", "failed"), row
            assert row.last_error or (row.status == "queued" and row.attempts == 0), row
            assert landed.count(row.text) == 0 or row.status == "queued"
    assert sorted(r.text for r in items()) == sorted(texts), "lost from the outbox"


def run_worker(x_env, log=None) -> dict:
    w = Worker(x_env.ctx(), log=log or (lambda line: None))
    x_env_network_fast(w)
    return w.run(once=True).to_json()


def x_env_network_fast(w: Worker) -> None:
    network = w.ctx.network("x")
    network.backoff = 0.01  # the network's own retries, without the wait


def make_due() -> None:
    """Time passes: every waiting item's next attempt comes."""
    with db.session() as s:
        for row in s.exec(select(OutboxItem).where(OutboxItem.status == "queued")):
            row.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
            s.add(row)
        s.commit()


@pytest.mark.parametrize("fault", [
    {"status": 503, "times": 7},
    {"reset": True, "times": 7},
    {"lose_answer": True, "times": 7},
    {"status": 429, "times": 12},
])
def test_faults_end_sent_or_queued_never_doubled(logged_in, fault):
    texts = enqueue(logged_in.config, 12)
    logged_in.front.inject(path="/2/tweets", **fault)
    run_worker(logged_in)
    settled(texts, logged_in.front)
    for _ in range(15):  # time passes and the worker comes back, until all is out
        if {r.status for r in items()} == {"sent"}:
            break
        make_due()
        run_worker(logged_in)
    settled(texts, logged_in.front)
    assert {r.status for r in items()} == {"sent"}


def test_answers_slower_than_the_client_waits(logged_in, write_config):
    from tests.x.conftest import ACCOUNTS

    write_config(ACCOUNTS.format(url=logged_in.front.url).replace("timeout = 5",
                                                                   "timeout = 0.3"))
    texts = enqueue(logged_in.config, 6)
    logged_in.front.inject(path="/2/tweets", delay=0.6, times=4)
    run_worker(logged_in)
    time.sleep(0.7)  # the front finishes what the client gave up on
    for _ in range(4):
        make_due()
        run_worker(logged_in)
    settled(texts, logged_in.front)
    assert {r.status for r in items()} == {"sent"}


def test_a_revoked_token_stops_that_persona_only(logged_in, cli):
    texts = enqueue(logged_in.config, 10)
    account = logged_in.front.store.account(HANDLES["me"]).id
    logged_in.front.oauth.revoke(account)
    lines: list[str] = []
    tally = run_worker(logged_in, lines.append)
    assert tally["sent"] == 5  # all of we's
    settled(texts, logged_in.front)
    waiting = [r for r in items() if r.status != "sent"]
    assert {r.persona for r in waiting} == {"me"} and len(waiting) == 5
    assert all("run `persona login me`" in r.last_error for r in waiting)
    assert any("me stops sending, the others go on" in line for line in lines)
    shown = cli("--config", str(logged_in.config), "queue")
    assert "me is not sending: " in shown.err and "run `persona login me`" in shown.err


def test_killed_workers_against_the_x_front(logged_in, persona_home):
    texts = enqueue(logged_in.config, 200)
    logged_in.front.inject(path="/2/tweets", answer_after=0.04, times=10**6)
    env = {"PERSONA_CONFIG": str(logged_in.config)}
    rng = random.Random(11)
    kills = 0
    while kills < 20:  # then one last worker drains the rest
        proc = subprocess.Popen([sys.executable, "-m", "personas", "worker", "--interval", "0.2"],
                                cwd=ROOT, env=persona_env(persona_home, **env),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for_work(proc)
        time.sleep(rng.uniform(0, 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        kills += 1
    final = subprocess.run([sys.executable, "-m", "personas", "worker", "--once", "--json"],
                           cwd=ROOT, env=persona_env(persona_home, **env), capture_output=True,
                           text=True, timeout=300)
    assert final.returncode == 0, final.stderr[-2000:]
    landed = on_front(logged_in.front)
    assert sorted(landed) == sorted(texts), "lost or doubled on the front"
    assert {r.status for r in items()} == {"sent"}
    assert sorted(r.remote_id for r in items()) == sorted(
        str(i) for (i,) in logged_in.front.store.db.execute(
            "SELECT id FROM posts WHERE kind != 'repost'"))
    with db.session() as s:
        repaired = [e for e in s.exec(select(Event)) if e.detail and "reconciled" in e.detail]
    assert repaired, f"no kill fell between the front's acceptance and the record ({kills})"
    assert json.loads(final.stdout)["reconciled"] + len(repaired) >= 1


def test_a_running_worker_picks_up_a_new_login(logged_in):
    from personas import login

    enqueue(logged_in.config, 4)
    logged_in.front.oauth.revoke(logged_in.front.store.account(HANDLES["me"]).id)
    w = Worker(logged_in.ctx(), log=lambda line: None)
    x_env_network_fast(w)
    w.run(once=True)
    waiting = [r for r in items() if r.status != "sent"]
    assert {r.persona for r in waiting} == {"me"}
    assert all(r.attempts == 0 for r in waiting)  # waiting for a login is not an attempt
    login.login_with_tokens(logged_in.ctx(), "me", logged_in.issue(HANDLES["me"]))
    assert all(r.last_error is None for r in items() if r.status == "queued")
    w.tally.blocked.clear()  # the minute's wait is over
    w.run(once=True)
    assert {r.status for r in items()} == {"sent"}


def test_an_unusable_keyring_keeps_the_item_and_the_others_go_on(logged_in, cli,
                                                                 monkeypatch):
    from tests.conftest import reset_keyring

    texts = enqueue(logged_in.config, 2, personas=("me",))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    reset_keyring()
    r = cli("--config", str(logged_in.config), "post", "--as", "me", "no keyring here")
    assert r.code == 1 and "Traceback" not in r.err
    assert "cannot read the credentials of persona 'me'" in r.err
    row = [i for i in items() if i.text == "no keyring here"][0]
    assert row.status == "queued" and row.attempts == 0
    tally = run_worker(logged_in)
    assert tally["sent"] == 0 and tally["retrying"] == 1
    assert {i.status for i in items()} == {"queued"} and len(items()) == len(texts) + 1
