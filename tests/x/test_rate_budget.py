"""Posting shares the rate budget: learned from X's headers, persisted, and a post the
window has no room for is kept queued without a request X would refuse."""

from __future__ import annotations

from collections import Counter

from personas.ratelimit import Budget


def test_a_post_past_the_limit_is_held_back_not_refused(logged_in, cli):
    logged_in.front.limits["create_post"] = 2
    logged_in.front._local.__dict__.clear()
    statuses: Counter[int] = Counter()
    answer = logged_in.front.answer

    def counting(*args):  # type: ignore[no-untyped-def]
        out = answer(*args)
        statuses[out[0]] += 1
        return out

    logged_in.front.answer = counting
    config = str(logged_in.config)
    assert cli("--config", config, "post", "one").code == 0
    window = Budget("me", {}).window("create_post")
    assert window is not None and (window.limit, window.remaining) == (2, 1)  # from headers
    assert window.reset_at == logged_in.front.store.rate_state(
        logged_in.front.store.account("Jesse").id, "create_post")[2] // 1 + 1
    assert cli("--config", config, "post", "two").code == 0
    third = cli("--config", config, "post", "three")
    assert third.code == 1 and "rate limit for @Jesse is used up until" in third.err
    assert statuses[429] == 0  # the budget saw it coming: X was not asked
    assert [p.text for p in logged_in.front.store.timeline("Jesse")] == ["two", "one"]
