"""A follow-back sweep on the sandbox's X API front, with X's limits and a simulated clock.

An audience of 10,000 followers, of whom 2,000 are new since the last complete sweep; X's
documented per-user limits (follow 50 per 15 minutes, followers 300 per 15 minutes, pages
of up to 1,000). The front runs in this process on a simulated clock, so waiting for a
window is instant; every request is real HTTP with OAuth 1.0a through tweepy. Reported,
for an uninterrupted sweep and for one interrupted half-way (an exception out of the
middle of the sweep, as a crash would) and then resumed by a new client:
  (a) simulated duration / the minimum the limits allow   (target <= 1.02)
  (b) requests the front refused for rate (429)           (target 0)
  (c) follower records read                               (target <= new + one page)
  (d) duplicate or wrong follows                          (target 0)

Usage: python bench/follow_sweep.py [--audience 10000] [--new 2000]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ACCOUNTS = """
[networks.x]
kind = "x"
api_base = "{url}"

[personas.you]
network = "x"
handle = "BenchLinks"
policy = "auto-follow"
"""
YEAR = 365 * 86_400.0
PAGE = 1000


class Interrupted(Exception):
    """Thrown out of the sweep half-way, like a crash."""


def populate(store, clock, old: int, new: int) -> set[str]:  # type: ignore[no-untyped-def]
    """`old + new` real-looking accounts; the first `old` follow the persona and are
    followed back (the state after the last complete sweep)."""
    me = store.ensure_account("BenchLinks").id
    now = clock.now()
    rows = [(f"fan{i}", f"fan{i}", "I write about birds", now - YEAR, 200, 150, 120)
            for i in range(old + new)]
    with store.write() as db:
        db.executemany("INSERT INTO accounts (handle, name, bio, created_at, extra_posts,"
                       " extra_followers, extra_following) VALUES (?,?,?,?,?,?,?)", rows)
        ids = dict(db.execute("SELECT handle, id FROM accounts WHERE handle LIKE 'fan%'"))
        follows = [(ids[f"fan{i}"], me, "active", now - (old - i)) for i in range(old)]
        follows += [(me, ids[f"fan{i}"], "active", now) for i in range(old)]
        db.executemany("INSERT INTO follows VALUES (?,?,?,?)", follows)
    return {f"fan{i}" for i in range(old)}


def scenario(work: Path, audience: int, new: int, interrupt_at: int | None) -> dict:  # type: ignore[type-arg]
    from sqlmodel import select

    from personas import credentials, db, login
    from personas.clock import SimulatedClock
    from personas.context import Context
    from personas.following import Progress, sweep
    from personas.models import Event
    from personas.sandbox.front import Front

    home = work / ("interrupted" if interrupt_at else "straight")
    home.mkdir()
    os.environ["PERSONA_HOME"] = str(home)
    db.engine.cache_clear()
    clock = SimulatedClock()
    front = Front(home / "sandbox.db", clock=clock.now, ready_personas=[("BenchLinks", False)])
    refused, follow_calls = Counter(), Counter()
    answer = front.answer

    def counting(method, target, headers, body):  # type: ignore[no-untyped-def]
        status, out_headers, payload = answer(method, target, headers, body)
        if status == 429:
            refused[target.split("?")[0]] += 1
        if method == "POST" and target.endswith("/following") and status == 200:
            follow_calls[json.loads(body)["target_user_id"]] += 1
        return status, out_headers, payload

    front.answer = counting  # type: ignore[method-assign]
    with front.running():
        config = work / f"{home.name}.toml"
        config.write_text(ACCOUNTS.format(url=front.url))
        consumer = front.oauth.register_app()
        credentials.set_app("x", credentials.AppKeys(*consumer))
        token = front.oauth.access_token(consumer[0], front.store.account("BenchLinks").id)
        login.login_with_tokens(Context(config), "you", credentials.Tokens(token.token,
                                                                             token.secret))
        known = populate(front.store, clock, audience - new, new)
        baseline = sweep(Context(config, clock=clock), "you").run()  # the last complete sweep
        assert baseline.complete and baseline.followed == 0, baseline
        fresh = populate_more(front.store, clock, audience - new, new)
        refused.clear()
        follow_calls.clear()

        class Crash(Progress):
            def working(self, done: int, total: int) -> None:
                if interrupt_at and done >= interrupt_at:
                    raise Interrupted

        start, wall = clock.now(), time.perf_counter()
        reports = []
        first = sweep(Context(config, clock=clock), "you", progress=Crash())
        try:
            first.run()
        except Interrupted:
            pass
        reports.append(first.report)
        if interrupt_at:  # resumed by a new client, as `persona follow sync` later would
            reports.append(sweep(Context(config, clock=clock), "you").run())
        duration, wall = clock.now() - start, time.perf_counter() - wall
        following = {h.lower() for h in front.store.following("BenchLinks")}
        with db.session() as s:
            events = Counter(e.subject for e in s.exec(select(Event).where(
                Event.action == "followed")))
    minimum = (math.ceil(new / 50) - 1) * 900  # the last batch goes out as its window opens
    expected = {h.lower() for h in known | fresh}
    wrong = len(following - expected) + len(expected - following)
    duplicates = sum(n - 1 for n in follow_calls.values() if n > 1) + \
        sum(n - 1 for n in events.values() if n > 1)
    return {
        "scenario": "interrupted and resumed" if interrupt_at else "uninterrupted",
        "duration_s": round(duration), "minimum_s": minimum,
        "a_duration_ratio": round(duration / minimum, 4),
        "b_refused_for_rate": sum(refused.values()),
        "c_followers_read": sum(r.followers_read for r in reports),
        "c_target": new + PAGE,
        "d_duplicate_or_wrong": duplicates + wrong,
        "followed": sum(r.followed for r in reports),
        "requests": sum(r.requests for r in reports),
        "rate_waits": sum(r.rate_waits for r in reports),
        "complete": reports[-1].complete, "wall_s": round(wall, 1),
    }


def populate_more(store, clock, old: int, new: int) -> set[str]:  # type: ignore[no-untyped-def]
    """The `new` followers since the last sweep (accounts made by `populate`)."""
    me = store.account("BenchLinks").id
    clock.advance(3600)
    now = clock.now()
    with store.write() as db:
        ids = dict(db.execute("SELECT handle, id FROM accounts WHERE handle LIKE 'fan%'"))
        db.executemany("INSERT INTO follows VALUES (?,?,?,?)",
                       [(ids[f"fan{i}"], me, "active", now + i - old - new)
                        for i in range(old, old + new)])
    return {f"fan{i}" for i in range(old, old + new)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audience", type=int, default=10_000)
    parser.add_argument("--new", type=int, default=2_000)
    args = parser.parse_args()
    from tests.x import secret_service

    results = []
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        address, stop_keyring = secret_service.start(work_dir / "keyring")
        os.environ.update(DBUS_SESSION_BUS_ADDRESS=address,
                          PYTHON_KEYRING_BACKEND="keyring.backends.SecretService.Keyring")
        try:
            for interrupt_at in (None, args.new // 2):
                results.append(scenario(work_dir, args.audience, args.new, interrupt_at))
                secret_service.clear(address)
        finally:
            stop_keyring()
    ok = True
    for r in results:
        print(json.dumps(r))
        good = (r["a_duration_ratio"] <= 1.02 and r["b_refused_for_rate"] == 0
                and r["c_followers_read"] <= r["c_target"] and r["d_duplicate_or_wrong"] == 0)
        ok = ok and good
        print(f"{r['scenario']}: (a) {r['a_duration_ratio']:.4f} (target <= 1.02), "
              f"(b) {r['b_refused_for_rate']} refused (target 0), (c) {r['c_followers_read']} "
              f"read (target <= {r['c_target']}), (d) {r['d_duplicate_or_wrong']} duplicate or "
              f"wrong (target 0); {r['wall_s']}s of real time", file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
