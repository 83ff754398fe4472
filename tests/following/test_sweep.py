"""Follow-back sweeps on the sandbox: who is followed, incremental vs full reads, events."""

from __future__ import annotations

from sqlmodel import select

from personas import db
from personas.models import Event
from tests.following.conftest import config_text


def events(action: str = "followed") -> list[str]:
    with db.session() as s:
        return [e.subject for e in s.exec(select(Event).where(Event.action == action))]


def test_a_first_sweep_follows_every_follower_once_and_logs_each(world, sweeper):
    fans = world.followers_of_you(30)
    report = sweeper().run()
    assert report.complete and report.followed == 30
    assert sorted(world.following()) == sorted(fans)
    assert sorted(events()) == sorted(fans)
    again = sweeper().run()
    assert again.followed == 0 and again.complete
    assert len(events()) == 30


def test_an_incremental_sweep_reads_the_new_followers_not_the_audience(world, sweeper):
    world.followers_of_you(2500)
    first = sweeper().run()
    assert first.followers_read == 2500 and first.followed == 2500
    new = world.followers_of_you(300)
    second = sweeper().run()
    assert second.followed == 300
    assert sorted(events())[-1:] and set(new) <= set(world.following())
    # the persona's follower count says 300 are new: one page of 300 + a margin of 20
    assert second.followers_read == 300 + 20
    assert second.requests == 1 + 1 + 300  # me, one page, the follows


def test_full_rereads_everything_and_says_the_cost_first(world, sweeper):
    world.followers_of_you(1200)
    sweeper().run()
    notes: list[str] = []
    report = sweeper(notes=notes).run(full=True)
    assert report.followers_read == 1200 and report.followed == 0
    assert any("full sweep" in n and "1200 followers" in n for n in notes)


def test_without_rate_limits_configured_the_sandbox_never_waits(world, sweeper):
    world.followers_of_you(120)
    report = sweeper().run()
    assert report.rate_waits == 0 and report.followed == 120


def test_members_mode_follows_the_approved_members_and_nobody_else(world, sweeper):
    from personas.following import add_member

    members = world.people(5, prefix="m")
    strangers = world.people(3, prefix="s")
    world.follow(strangers, "we_h")
    for h in members:
        add_member("we", h)
    report = sweeper("we").run()
    assert report.followed == 5 and report.followers_read == 0
    assert sorted(world.following("we_h")) == sorted(members)
    add_member("we", world.people(1, prefix="m")[0])
    assert sweeper("we").run().followed == 1


def test_auto_follow_off_is_refused(world, sweeper, cli, write_config):
    write_config(config_text())
    result = cli("follow", "sync", "me")
    assert result.code == 2 and "auto_follow" in result.err and "Traceback" not in result.err


def test_cli_json_is_the_documented_object(world, cli, write_config):
    write_config(config_text())
    world.followers_of_you(3)
    result = cli("follow", "sync", "you", "--json")
    assert result.code == 0, result.err
    out = result.json()
    assert set(out) == {"persona", "followed", "followed_back", "unfollowed", "skipped",
                        "followers_read", "requests", "rate_waits", "complete"}
    assert out["persona"] == "you" and out["followed"] == 3 and out["complete"] is True


def test_dry_run_follows_nobody(world, cli, write_config):
    write_config(config_text())
    world.followers_of_you(4)
    result = cli("follow", "sync", "you", "--dry-run", "--json")
    assert result.code == 0 and result.json()["followed"] == 4
    assert world.following() == [] and events() == []


def test_when_more_left_than_joined_the_sweep_still_reaches_the_known(world, sweeper):
    """The count says nobody is new (30 joined, 30 left): the small page does not reach
    the known followers, and the sweep reads on in full pages until it does."""
    old = world.followers_of_you(1500)
    sweeper().run()
    for h in old[:30]:
        world.store.unfollow(h, "you_h")
    new = world.followers_of_you(30)
    report = sweeper().run()
    assert report.followed == 30 and set(new) <= set(world.following())
    assert report.followers_read == 20 + 1000
