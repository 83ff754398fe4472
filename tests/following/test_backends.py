"""The rate budget and the sweep state on SQLite and on PostgreSQL."""

from __future__ import annotations

from personas.ratelimit import Budget
from tests.following.conftest import config_text
from tests.storage.conftest import backend  # noqa: F401  (the fixture)


def test_a_paced_resumed_sweep_on_each_backend(backend, world, sweeper):  # noqa: F811
    world.followers_of_you(70)
    first = sweeper(config=config_text(limits='rate_limits = "x"')).run(limit=100)
    assert first.followed == 50 and not first.complete
    window = Budget("you", {}, world.clock).window("follow")
    assert window is not None and window.remaining == 0
    second = sweeper().run()
    assert second.followed == 20 and second.complete and second.rate_waits == 1
    assert second.refused_for_rate == 0 and len(world.following()) == 70


def test_the_json_sweep_is_quiet_on_stderr_when_not_at_a_terminal(world, cli, write_config):
    write_config(config_text())
    world.followers_of_you(3)
    result = cli("follow", "sync", "you", "--json")
    # the first sweep is full, and says what it costs; no progress bar
    assert result.code == 0 and result.err.splitlines() == [
        "persona: you: a full sweep reads every follower and every followed account: "
        "3 followers and 0 followed, about 2 read requests (3 records)"]
    plain = cli("follow", "sync", "you")
    assert plain.code == 0 and plain.err == "" and "followed 0" in plain.out
