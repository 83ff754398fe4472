"""Exactly once: concurrent workers and killed workers never lose or double an item.

Workers run as real processes against a real database (SQLite file, or a fresh database
on the PostgreSQL server) and the sandbox network's file; the tests count what landed.
"""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from select import select as readable

from sqlmodel import select

from personas import db, outbox
from personas.config import load
from personas.models import Event, OutboxItem
from router import decide
from router.items import classify
from tests.conftest import ROOT, persona_env
from tests.storage.conftest import backend  # noqa: F401  (the sqlite / postgres fixture)

PERSONAS = 8


def write_accounts(home, latency: float = 0.0) -> None:
    parts = [f'[networks.sandbox]\nkind = "sandbox"\nlatency = {latency}\n']
    for i in range(PERSONAS):
        parts.append(f'[personas.p{i}]\nnetwork = "sandbox"\nhandle = "p{i}"\n'
                     'accepts = ["original"]\n')
    (home / "accounts.toml").write_text("\n".join(parts))


def enqueue(count: int) -> list[str]:
    cfg = load()
    texts = [f"item {n:04d} of the run" for n in range(count)]
    for n, text in enumerate(texts):
        item = classify(text, network_kind="sandbox")
        name = f"p{n % PERSONAS}"
        outbox.enqueue(item, decide(item, cfg.personas, forced=name), cfg.persona(name))
    return texts


def worker(home, *args: str) -> subprocess.Popen:
    extra = {}
    if url := os.environ.get("PERSONA_DATABASE_URL"):
        extra["PERSONA_DATABASE_URL"] = url
    return subprocess.Popen([sys.executable, "-m", "personas", "worker", *args], cwd=ROOT,
                            env=persona_env(home, **extra), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for_work(proc: subprocess.Popen, timeout: float = 30) -> None:
    """Return once the worker has handled its first item (or has stopped); a worker that
    never starts is killed, not left running after the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = readable([proc.stderr], [], [], 0.05)
        if ready:
            line = proc.stderr.readline()
            if not line or " -> " in line or "after a crash" in line:
                return
    proc.kill()
    proc.communicate(timeout=30)
    raise AssertionError("the worker did not start working")


def landed(home) -> list[tuple[str, str]]:
    with sqlite3.connect(home / "sandbox.db") as conn:
        return [(str(i), t) for i, t in conn.execute("SELECT id, text FROM posts")]


def check_exactly_once(home, texts: list[str]) -> list[OutboxItem]:
    posts = landed(home)
    assert sorted(t for _, t in posts) == sorted(texts), "lost or doubled on the network"
    with db.session() as s:
        rows = list(s.exec(select(OutboxItem)))
    assert {r.status for r in rows} == {"sent"}
    assert sorted(r.remote_id for r in rows) == sorted(i for i, _ in posts)
    by_id = dict(posts)
    assert all(by_id[r.remote_id] == r.text for r in rows), "database disagrees with network"
    return rows


def test_four_workers_drain_500_items_once(backend, persona_home):  # noqa: F811
    write_accounts(persona_home)
    texts = enqueue(500)
    procs = [worker(persona_home, "--once", "--json") for _ in range(4)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err[-2000:] for _, err in outs]
    rows = check_exactly_once(persona_home, texts)
    assert len(rows) == 500
    import json

    sent = [json.loads(out)["sent"] for out, _ in outs]
    assert sum(sent) == 500
    assert sum(1 for n in sent if n > 0) >= 2, f"the work was not shared: {sent}"


def test_killed_workers_never_lose_or_double(persona_home):
    write_accounts(persona_home, latency=0.05)
    texts = enqueue(200)
    rng = random.Random(7)
    kills = 0
    while kills < 20:  # then one last worker drains the rest
        proc = worker(persona_home, "--interval", "0.2")
        wait_for_work(proc)
        time.sleep(rng.uniform(0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        kills += 1
    final = worker(persona_home, "--once", "--json")
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err[-2000:]
    check_exactly_once(persona_home, texts)
    with db.session() as s:
        reconciled = [e for e in s.exec(select(Event)) if e.detail and "reconciled" in e.detail]
    # some kills fell between the network's acceptance and our record, and were repaired
    assert reconciled, f"no kill landed in the window after {kills} kills"
