"""The report's "followed back" is the number of follows made to people who followed the
persona first, whichever way the follow was made: a follow-back sweep (resumed after a
`--limit`), an incremental sweep, a members sweep, a community approval.

The truth comes from the sandbox network itself: before each step, who follows the persona
there; after it, whom the step followed (its `followed` events).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from personas import db
from personas.models import Event
from tests.following.conftest import config_text
from tests.storage.conftest import backend  # noqa: F401  (the fixture)

HANDLES = {"you": "you_h", "we": "we_h"}


class Truth:
    """Follows made by each persona, split by whether the account followed it first."""

    def __init__(self, store) -> None:  # type: ignore[no-untyped-def]
        self.store, self.seen = store, 0
        self.made = {name: 0 for name in HANDLES}
        self.back = {name: 0 for name in HANDLES}

    def step(self, persona: str, action) -> None:  # type: ignore[no-untyped-def]
        followers = {h.lower() for h in self.store.followers(HANDLES[persona])}
        action()
        with db.session() as s:
            new = s.exec(select(Event).where(Event.action == "followed")
                         .order_by(Event.id).offset(self.seen)).all()
        self.seen += len(new)
        assert {e.persona for e in new} <= {persona}
        self.made[persona] += len(new)
        self.back[persona] += sum(e.subject.lower() in followers for e in new)


def report(world, personas):  # type: ignore[no-untyped-def]
    from personas.reports.build import build

    now = datetime.fromtimestamp(world.clock.now(), UTC)
    return build(personas, now - timedelta(days=30), now + timedelta(days=1))["personas"]


def test_followed_back_counts_the_follows_of_people_who_followed_first(
        backend, world, sweeper, write_config):  # noqa: F811
    from personas.community import community
    from personas.context import Context
    from personas.following import add_member
    from personas.sandbox.simulate import Simulator

    ctx = Context(write_config(config_text()), clock=world.clock)
    truth = Truth(world.store)
    world.store.ensure_account("we_h", private=True)
    # `you` follows back its followers, over two runs (--limit), then the new ones
    world.followers_of_you(12)
    world.followers_of_you(2, bio="", default_avatar=True, posts=0, followers=0,
                           following=3000, created_at=world.clock.now() - 60)  # spam
    truth.step("you", lambda: sweeper("you").run(limit=5))
    truth.step("you", lambda: sweeper("you").run())
    world.followers_of_you(4)
    truth.step("you", lambda: sweeper("you").run())
    # `we`: two join requests approved (followed before they can follow a private account)
    members = community(ctx, "we")
    sim = Simulator(world.store)
    for handle in ("ana", "bob"):
        sim.request("we_h", handle)
    members.sync()
    for handle in ("ana", "bob"):
        truth.step("we", lambda h=handle: members.approve(h))
    # members from elsewhere: three already follow `we` (let in by hand), two do not
    let_in, outside = world.people(3, prefix="in"), world.people(2, prefix="out")
    for handle in let_in:
        world.store.follow(handle, "we_h")
        world.store.accept("we_h", handle)
    for handle in let_in + outside:
        add_member("we", handle)
    truth.step("we", lambda: sweeper("we").run())

    assert truth.made == {"you": 16, "we": 7} and truth.back == {"you": 16, "we": 3}
    shown = report(world, [ctx.persona("you"), ctx.persona("we")])
    for name in HANDLES:
        assert shown[name]["follows"]["made"] == truth.made[name]
        assert shown[name]["follows"]["followed_back"] == truth.back[name], name


def test_a_dry_run_counts_the_follow_backs_it_would_make(world, sweeper):
    from personas.following import add_member

    world.followers_of_you(3)
    plan = sweeper("you").run(dry_run=True)
    assert (plan.followed, plan.followed_back) == (3, 3)
    world.store.ensure_account("we_h", private=True)
    inside, outside = world.people(2, prefix="in"), world.people(1, prefix="out")
    for handle in inside:
        world.store.follow(handle, "we_h")
        world.store.accept("we_h", handle)
    for handle in inside + outside:
        add_member("we", handle)
    plan = sweeper("we").run(dry_run=True)
    assert (plan.followed, plan.followed_back) == (3, 2)
    assert sweeper("we").run().to_json()["followed_back"] == 2
