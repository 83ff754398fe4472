"""Posting shares the rate budget: learned from X's headers, persisted, and a post the
window has no room for is kept queued without a request X would refuse."""

from __future__ import annotations

import time
from collections import Counter

from personas.ratelimit import Budget
from tests.storage.conftest import backend  # noqa: F401  (the fixture)


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


def _count_statuses(front) -> Counter[int]:  # type: ignore[no-untyped-def]
    statuses: Counter[int] = Counter()
    answer = front.answer

    def counting(*args):  # type: ignore[no-untyped-def]
        out = answer(*args)
        statuses[out[0]] += 1
        return out

    front.answer = counting
    return statuses


def _daily_limit(front, bucket: str, limit: int) -> None:  # type: ignore[no-untyped-def]
    front.limits[f"{bucket}/24h"] = limit
    front._local.__dict__.clear()  # reopen this thread's store with the new limits


def test_the_front_sends_x_24_hour_limit_headers_and_429s_past_them(x_env):
    """As X does where a 24-hour limit applies: `x-user-limit-24hour-*` on every answer,
    and a 429 once the day is used up while the 15-minute window still has room."""
    from tests.x.api import signed_session

    _daily_limit(x_env.front, "create_post", 2)
    tokens = x_env.issue("Jesse")
    session = signed_session(x_env.front.url, x_env.consumer, tokens.access_token,
                             tokens.access_token_secret)
    remaining = []
    for text in ("one", "two"):
        response = session.post("https://api.twitter.com/2/tweets", json={"text": text})
        assert response.status_code == 201
        assert response.headers["x-user-limit-24hour-limit"] == "2"
        remaining.append(response.headers["x-user-limit-24hour-remaining"])
    assert remaining == ["1", "0"]
    refused = session.post("https://api.twitter.com/2/tweets", json={"text": "three"})
    assert refused.status_code == 429
    assert int(refused.headers["x-rate-limit-remaining"]) > 0  # the 15-minute window is fine
    assert refused.headers["x-user-limit-24hour-remaining"] == "0"
    assert int(refused.headers["x-user-limit-24hour-reset"]) > time.time() + 23 * 3600
    assert int(refused.headers["x-rate-limit-reset"]) < time.time() + 16 * 60
    # endpoints without a 24-hour limit say nothing of one
    assert "x-user-limit-24hour-limit" not in session.get(
        "https://api.twitter.com/2/users/me").headers


def test_a_used_up_24_hour_limit_holds_posts_until_its_reset_not_15_minutes(logged_in, cli):
    """X's 429 for the daily cap carries a 15-minute `x-rate-limit-reset` too: the item
    waits for the 24-hour reset, and the budget keeps the next posts from asking X."""
    from tests.x.api import signed_session

    front = logged_in.front
    _daily_limit(front, "create_post", 2)
    tokens = logged_in.issue("Jesse")  # another client of the same account uses up the day
    session = signed_session(front.url, logged_in.consumer, tokens.access_token,
                             tokens.access_token_secret)
    for text in ("elsewhere one", "elsewhere two"):
        assert session.post("https://api.twitter.com/2/tweets",
                            json={"text": text}).status_code == 201
    statuses = _count_statuses(front)
    config = str(logged_in.config)
    third = cli("--config", config, "post", "three")
    assert third.code == 1
    assert "X's 24-hour limit (@Jesse's, 2 a day) is used up until" in third.err
    day_reset = front.store.rate_state(front.store.account("Jesse").id, "create_post/24h")[2]
    [item] = _queued()
    assert item.next_attempt_at.timestamp() > time.time() + 23 * 3600
    assert abs(item.next_attempt_at.timestamp() - day_reset) <= 1.5
    assert abs(Budget("me", {}).ready_at("create_post") - day_reset) <= 1.5
    fourth = cli("--config", config, "post", "four")
    assert fourth.code == 1 and "rate limit for @Jesse is used up until" in fourth.err
    assert statuses[429] == 1  # the fourth was held back by the budget, X was not asked
    assert [i.next_attempt_at.timestamp() > time.time() + 23 * 3600 for i in _queued()] == [
        True, True]


def test_the_budget_waits_for_every_window_of_an_endpoint(backend):  # noqa: F811
    """A 24-hour window used up holds calls though the 15-minute one has room; a call is
    counted in both; a 24-hour window past its reset holds nothing."""
    from personas.clock import SimulatedClock

    clock = SimulatedClock()
    budget = Budget("you", {"follow": 50}, clock)
    budget.learn("follow/24h", 3, 1, clock.now() + 20 * 3600)
    assert budget.wait("follow") == 0
    budget.spend("follow")
    windows = budget.windows("follow")
    assert (windows["follow"].remaining, windows["follow/24h"].remaining) == (49, 0)
    assert budget.wait("follow") == 20 * 3600
    clock.sleep(20 * 3600)
    assert budget.wait("follow") == 0


def _queued():  # type: ignore[no-untyped-def]
    from personas import outbox

    return outbox.pending(statuses=("queued",))
