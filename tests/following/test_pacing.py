"""A sweep paces itself by the rate budget: never refused for rate, waits say until when,
the budget is shared by separate runs, and a stopped sweep resumes from its cursor."""

from __future__ import annotations

from personas.ratelimit import Budget
from tests.following.conftest import config_text

X = 'rate_limits = "x"'


def test_150_follows_at_50_per_window_take_two_windows_and_no_refusal(world, sweeper):
    world.followers_of_you(150)
    start = world.clock.now()
    notes: list[str] = []
    report = sweeper(config=config_text(limits=X), notes=notes).run()
    assert report.followed == 150 and report.complete
    assert report.refused_for_rate == 0
    assert report.rate_waits == 2
    elapsed = world.clock.now() - start
    assert 2 * 900 <= elapsed <= 2 * 900 + 5  # the minimum the limit allows, not more
    assert sum("waiting until" in n for n in notes) == 2


def test_the_budget_is_shared_by_separate_runs(world, sweeper):
    world.followers_of_you(80)
    first = sweeper(config=config_text(limits=X)).run(limit=40)
    assert first.followed == 40 and not first.complete and first.rate_waits == 0
    # a new run (new network client, new budget object) knows 10 follows are left
    second = sweeper().run()
    assert second.followed == 40 and second.complete
    assert second.refused_for_rate == 0 and second.rate_waits == 1
    assert second.followers_read == 0  # resumed from the queue: nothing read again


def test_the_budget_learns_the_networks_own_count(world, sweeper):
    world.followers_of_you(3)
    sweeper(config=config_text(limits=X)).run()
    window = Budget("you", {}, world.clock).window("follow")
    assert window is not None and window.limit == 50 and window.remaining == 47


def test_a_budget_wrong_about_the_network_is_corrected_by_a_refusal(world, sweeper):
    """Another client spent the window behind the budget's back: one refusal, then waits."""
    world.followers_of_you(5)
    you = world.store.account("you_h")
    world.store.limits = {"follow": 50}
    for _ in range(50):
        world.store.spend(you.id, "follow")
    report = sweeper(config=config_text(limits=X)).run()
    assert report.followed == 5 and report.refused_for_rate == 1 and report.rate_waits == 1


def test_a_limited_sweep_stops_and_the_next_resumes_from_the_cursor(world, sweeper):
    world.followers_of_you(2500)
    sweeper().run()
    new = world.followers_of_you(30)
    part = sweeper().run(limit=10)
    assert part.followed == 10 and not part.complete and part.queued >= 20
    rest = sweeper().run()
    assert rest.followed == 20 and rest.complete and rest.followers_read == 0
    assert set(new) <= set(world.following())


def test_with_a_limit_a_used_up_window_stops_the_run_instead_of_waiting(world, sweeper):
    world.followers_of_you(60)
    notes: list[str] = []
    first = sweeper(config=config_text(limits=X), notes=notes).run(limit=100)
    assert first.followed == 50 and not first.complete and first.rate_waits == 0
    assert first.queued == 10 and any("stopping here" in n for n in notes)
    world.clock.advance(900)
    second = sweeper().run(limit=100)
    assert second.followed == 10 and second.complete and second.followers_read == 0
