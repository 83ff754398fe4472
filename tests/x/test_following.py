"""Follow-back sweeps against the loopback X front: X's limits in force (follow 50 per 15
minutes), a simulated clock so waiting is instant, real HTTP, OAuth and the keyring."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from personas.clock import SimulatedClock
from personas.ratelimit import Budget

YEAR = 365 * 86_400.0


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock()


@pytest.fixture
def front(persona_home, clock):  # type: ignore[no-untyped-def]
    """The front of tests/x/conftest.py, on a simulated clock (overrides that fixture)."""
    from personas.config import data_dir
    from personas.sandbox.front import Front

    made = Front(data_dir() / "sandbox.db", clock=clock.now, ready_personas=[
        ("Jesse", False), ("JessesLinks", False), ("JesseStay", True)])
    with made.running():
        yield made


class Audience:
    def __init__(self, store, clock) -> None:  # type: ignore[no-untyped-def]
        self.store, self.clock, self.n = store, clock, 0

    def people(self, count: int, prefix: str = "fan", **profile: object) -> list[str]:
        out = []
        for _ in range(count):
            self.n += 1
            values = {"name": f"{prefix}{self.n}", "bio": "I write about birds",
                      "default_avatar": False, "created_at": self.clock.now() - YEAR,
                      "posts": 200, "followers": 150, "following": 120}
            values.update(profile)
            out.append(self.store.add_account(f"{prefix}{self.n}", **values).handle)
        return out

    def follow(self, handles: list[str], followee: str = "JessesLinks") -> list[str]:
        for h in handles:
            self.clock.advance(1)
            self.store.follow(h, followee)
        return handles

    def new(self, count: int, **profile: object) -> list[str]:
        return self.follow(self.people(count, **profile))


@pytest.fixture
def audience(logged_in, clock) -> Audience:  # type: ignore[no-untyped-def]
    return Audience(logged_in.front.store, clock)


def run(env, name: str = "you", clock=None, **options):  # type: ignore[no-untyped-def]
    from personas.following import sweep

    s = sweep(env.ctx(clock=clock or SimulatedClock()), name)
    s.net.backoff = 0.01
    return s, s.run(**options)


def following(env, handle: str = "JessesLinks") -> list[str]:  # type: ignore[no-untyped-def]
    return [h.lower() for h in env.front.store.following(handle)]


def test_sweeps_follow_back_with_one_request_per_follow_and_read_incrementally(
        logged_in, audience, clock):
    fans = audience.new(1200)
    _, first = run(logged_in, clock=clock, limit=40)
    assert first.followed == 40 and first.followers_read == 1200  # the first sweep is full
    # me (the counts), 2 pages of followers, 1 page of following, 40 follows: no look-ups
    assert first.requests == 1 + 2 + 1 + 40
    _, rest = run(logged_in, clock=clock)
    assert rest.complete and rest.followed == 1160 and rest.refused_for_rate == 0
    assert sorted(following(logged_in)) == sorted(h.lower() for h in fans)
    new = audience.new(25)
    _, incremental = run(logged_in, clock=clock)
    assert incremental.followed == 25 and incremental.followers_read == 25 + 20
    assert incremental.requests == 1 + 1 + 25
    assert set(h.lower() for h in new) <= set(following(logged_in))
    _, full = run(logged_in, clock=clock, full=True)
    assert full.followers_read == 1225 and full.followed == 0


def test_pacing_at_xs_limit_is_never_refused_and_learns_from_headers(logged_in, audience,
                                                                     clock):
    audience.new(120)
    start = clock.now()
    sweep, report = run(logged_in, clock=clock)
    assert report.followed == 120 and report.refused_for_rate == 0
    assert report.rate_waits == 2
    assert 1800 <= clock.now() - start <= 1800 + 5
    window = Budget("you", {}, clock).window("follow")
    assert window is not None and window.limit == 50 and window.remaining == 30


def test_skip_rules_on_x(logged_in, audience, clock, write_config):
    from tests.x.conftest import ACCOUNTS

    good = audience.new(2)
    audience.new(1, bio="", default_avatar=True, posts=0, followers=0, following=3000,
                 created_at=clock.now() - 60)
    audience.new(1, bio="cheap FOLLOWERS here")
    blocked = audience.new(1)[0]
    text = ACCOUNTS.format(url=logged_in.front.url) + (
        f'\n[personas.you.follow]\nblocklist = ["{blocked}"]\n'
        'block_keywords = ["cheap followers"]\n')
    logged_in.config = write_config(text)
    _, report = run(logged_in, clock=clock)
    assert report.skipped == {"spam": 1, "keyword": 1, "blocklist": 1}
    assert sorted(following(logged_in)) == sorted(h.lower() for h in good)
    # unfollowed by hand on X: never followed again
    logged_in.front.store.unfollow("JessesLinks", good[0])
    _, again = run(logged_in, clock=clock, full=True)
    assert again.skipped.get("unfollowed") == 1 and good[0].lower() not in following(logged_in)


def test_members_mode_on_x(logged_in, audience, clock):
    from personas.following import add_member

    members = audience.people(3, prefix="member")
    audience.follow(audience.people(2, prefix="stranger"), "JesseStay")
    for h in members:
        add_member("we", h)
    _, report = run(logged_in, "we", clock=clock)
    assert report.followed == 3 and report.followers_read == 0
    assert sorted(following(logged_in, "JesseStay")) == sorted(h.lower() for h in members)


def test_a_sweep_killed_mid_way_resumes_on_x(logged_in, audience, persona_home):
    from tests.conftest import ROOT, persona_env
    from tests.following.test_kill import followed_events

    logged_in.front.limits["follow"] = 1_000_000  # real time here: no 15-minute waits
    fans = audience.new(600)

    def start() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "personas", "--config",
                                 str(logged_in.config), "follow", "sync", "you", "--json"],
                                cwd=ROOT, env=persona_env(persona_home), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    proc = start()
    deadline = time.monotonic() + 60
    while len(followed_events(persona_home)) < 50:
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    before = len(followed_events(persona_home))
    assert before < len(fans)
    resumed = start()
    out, err = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, err
    report = json.loads(out)
    assert report["complete"] and report["followers_read"] == 0
    events = followed_events(persona_home)
    assert max(Counter(events).values()) == 1
    assert sorted(set(events)) == sorted(h.lower() for h in fans)
    assert sorted(following(logged_in)) == sorted(h.lower() for h in fans)


def test_followed_back_in_the_report_counts_follows_of_people_who_followed_first_on_x(
        logged_in, audience, clock):
    """Against X's front: the report's figure equals the follows made to accounts that
    followed the persona before it (the front's own follows, read before each sweep)."""
    from datetime import UTC, datetime, timedelta

    from sqlmodel import select

    from personas import db
    from personas.following import add_member
    from personas.models import Event
    from personas.reports.build import build

    store = logged_in.front.store
    truth = {"you": [0, 0], "we": [0, 0]}  # made, back
    seen = 0

    def step(name: str, handle: str, **options: object) -> None:
        nonlocal seen
        before = {h.lower() for h in store.followers(handle)}
        run(logged_in, name, clock=clock, **options)
        with db.session() as s:
            new = s.exec(select(Event).where(Event.action == "followed")
                         .order_by(Event.id).offset(seen)).all()
        seen += len(new)
        truth[name][0] += len(new)
        truth[name][1] += sum(e.subject.lower() in before for e in new)

    audience.new(30)
    step("you", "JessesLinks", limit=10)
    step("you", "JessesLinks")
    audience.new(5)
    step("you", "JessesLinks")
    let_in = audience.people(2, prefix="member")
    for h in let_in:
        audience.follow([h], "JesseStay")
        store.accept("JesseStay", h)
    for h in let_in + audience.people(3, prefix="outside"):
        add_member("we", h)
    step("we", "JesseStay")
    assert truth == {"you": [35, 35], "we": [5, 2]}
    now = datetime.fromtimestamp(clock.now(), UTC)
    ctx = logged_in.ctx()
    shown = build([ctx.persona("you"), ctx.persona("we")], now - timedelta(days=30),
                  now + timedelta(days=1))["personas"]
    for name, (made, back) in truth.items():
        assert shown[name]["follows"]["made"] == made
        assert shown[name]["follows"]["followed_back"] == back, name
