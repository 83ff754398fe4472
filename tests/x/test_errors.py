"""Every failure of X mapped to the project's errors, and what the outbox does with it."""

from __future__ import annotations

import time

import pytest

from personas.errors import (
    AccessLimited,
    CredentialsRejected,
    Duplicate,
    RemoteRefused,
    Transient,
)


def _post(cli, env, text: str, *extra: str):  # type: ignore[no-untyped-def]
    return cli("--config", str(env.config), "post", text, *extra)


def _items():  # type: ignore[no-untyped-def]
    from personas import outbox

    return outbox.pending(statuses=("queued", "sending", "sent", "failed"))


def test_a_post_goes_out_through_the_cli(logged_in, cli):
    result = _post(cli, logged_in, "hello from persona", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["status"] == "sent" and data["persona"] == "me"
    assert data["url"] == f"https://x.com/Jesse/status/{data['remote_id']}"
    assert logged_in.front.store.timeline("Jesse")[0].text == "hello from persona"


def test_429_keeps_the_item_queued_until_the_reset(logged_in, cli):
    logged_in.front.limits["create_post"] = 1
    logged_in.front._local.__dict__.clear()
    assert _post(cli, logged_in, "one").code == 0
    result = _post(cli, logged_in, "two")
    assert result.code == 1
    assert "rate limit for @Jesse is used up until" in result.err
    [_, item] = _items()
    assert item.status == "queued"
    store = logged_in.front.store
    reset = store.rate_state(store.account("Jesse").id, "create_post")[2]
    assert abs(item.next_attempt_at.timestamp() - reset) <= 1.5
    assert item.next_attempt_at.timestamp() > time.time() + 60


def test_401_says_to_log_in_again(logged_in, cli):
    assert cli("--config", str(logged_in.config), "sandbox", "revoke", "me").code == 0
    result = _post(cli, logged_in, "after revoke")
    assert result.code == 1
    assert "X rejected the credentials of persona 'me': run `persona login me`" in result.err
    assert [i.status for i in _items()] == ["queued"]


def test_duplicate_is_not_retried(logged_in, cli):
    assert _post(cli, logged_in, "same words").code == 0
    result = _post(cli, logged_in, "same words")
    assert result.code == 1 and "X already has this text from @Jesse" in result.err
    assert [i.status for i in _items()] == ["sent", "failed"]


def test_a_post_whose_answer_was_lost_is_found_not_sent_twice(logged_in, cli):
    net, me = logged_in.network(), logged_in.persona("me")
    logged_in.front.inject(lose_answer=True, path="/2/tweets")
    with pytest.raises(Transient) as lost:  # the network says it cannot know ...
        net.publish(me, kind="original", text="landed once", target=None, idempotency_key="k")
    assert lost.value.unsure
    logged_in.front.inject(lose_answer=True, path="/2/tweets")
    result = _post(cli, logged_in, "landed twice?", "--json")  # ... the outbox looks
    assert result.code == 0, result.err
    posts = logged_in.front.store.timeline("Jesse")
    assert [p.text for p in posts] == ["landed twice?", "landed once"]
    assert result.json()["remote_id"] == str(posts[0].id)


def test_other_4xx_is_refused_with_x_detail(logged_in):
    net, me = logged_in.network(), logged_in.persona("me")
    with pytest.raises(RemoteRefused) as refused:
        net.publish(me, kind="reply", text="to nothing", target="999", idempotency_key="k")
    assert not isinstance(refused.value, Duplicate)
    assert refused.value.message == ("X refused it (403): You attempted to reply to a Tweet "
                                     "that is deleted or not visible to you.")


def test_5xx_is_looked_for_then_retried_bounded_then_queued(logged_in, cli):
    logged_in.front.inject(status=503, path="/2/tweets", times=2)
    landed = _post(cli, logged_in, "third time", "--json")  # two failures, then it lands
    assert landed.code == 0, landed.err
    logged_in.front.inject(status=503, path="/2/tweets", times=3)
    failed = _post(cli, logged_in, "never")
    assert failed.code == 1 and "X failed with 503" in failed.err
    assert [p.text for p in logged_in.front.store.timeline("Jesse")] == ["third time"]
    [sent, waiting] = _items()
    assert sent.status == "sent" and waiting.status == "queued"
    assert waiting.unsure  # a 5xx may have been done: the next attempt looks first


def test_timeouts_and_resets_are_transient(logged_in):
    net, me = logged_in.network(), logged_in.persona("me")
    net.options = {**net.options, "timeout": 0.3}
    net._clients.clear()
    logged_in.front.inject(delay=1.0, path="/2/users/me", times=3)
    with pytest.raises(Transient, match="did not answer in time"):
        net.me(me)
    logged_in.front.inject(reset=True, path="/2/users/me", times=3)
    with pytest.raises(Transient, match="connection to X failed"):
        net.me(me)


def test_no_access_level_453_is_a_clear_refusal(logged_in):
    logged_in.front.oauth.set_access_level(logged_in.consumer[0], "basic")
    net = logged_in.network()
    with pytest.raises(AccessLimited, match="access level does not include listing pending "
                       r"follow requests .*\(453\); that needs a level with v1.1 access"):
        net.incoming_requests(logged_in.persona("we"))


def test_an_endpoint_outside_the_access_level_is_access_limited_naming_the_level(logged_in):
    """X's 403 "Client Forbidden" (reason client-not-enrolled) is the access level's limit,
    like 453, and says which level the feature needs; a 403 of another kind stays a refusal."""
    logged_in.front.oauth.set_access_level(logged_in.consumer[0], "free")
    net, we = logged_in.network(), logged_in.persona("we")
    for read, what in ((lambda: net.mentions(we), "reading mentions"),
                       (lambda: net.followers(we), "reading followers"),
                       (lambda: net.messages(we), "reading direct messages"),
                       (lambda: net.profile(we, "Jesse"), "looking up accounts")):
        with pytest.raises(AccessLimited) as limited:
            read()
        assert f"does not include {what} (403 client-not-enrolled); that needs Basic or " \
            "above" in limited.value.message
        assert "X says: Appropriate Level of API Access" in limited.value.message
    # posting is in every level, and goes out
    sent = net.publish(we, kind="original", text="free level post", target=None,
                       idempotency_key="k")
    assert sent.remote_id
    logged_in.front.oauth.set_access_level(logged_in.consumer[0], "read-write-dm")
    with pytest.raises(RemoteRefused) as refused:  # an ordinary 403 is not the access level
        net.publish(we, kind="reply", text="to nothing", target="999", idempotency_key="k2")
    assert not isinstance(refused.value, AccessLimited)


def test_credentials_of_another_account_are_caught_before_sending(logged_in):
    from personas import credentials

    credentials.set_tokens("x", "Jesse", logged_in.issue("JessesLinks"))  # behind our back
    net, me = logged_in.network(), logged_in.persona("me")
    with pytest.raises(CredentialsRejected, match="not @Jesse"):
        net.publish(me, kind="original", text="wrong account", target=None,
                    idempotency_key="k")
    assert logged_in.front.store.timeline("JessesLinks") == []


def test_a_429_waits_for_the_latest_used_up_window_user_or_app(logged_in):
    """X's answer as it arrives (a requests.Response with X's headers): the app's 24-hour
    window used up while the user's and the 15-minute ones have room waits for the app's
    reset; with no window at 0, the 15-minute reset stands."""
    import requests

    from personas.networks.x.errors import _rate_limited

    now = time.time()
    answer = requests.Response()
    answer.status_code = 429
    answer.headers.update({
        "x-rate-limit-limit": "100", "x-rate-limit-remaining": "99",
        "x-rate-limit-reset": str(int(now + 600)),
        "x-user-limit-24hour-limit": "17", "x-user-limit-24hour-remaining": "4",
        "x-user-limit-24hour-reset": str(int(now + 50_000)),
        "x-app-limit-24hour-limit": "17", "x-app-limit-24hour-remaining": "0",
        "x-app-limit-24hour-reset": str(int(now + 80_000))})
    me = logged_in.persona("me")
    limited = _rate_limited(me, answer)
    assert limited.reset_at == int(now + 80_000)
    assert "X's 24-hour limit (the app's, 17 a day) is used up until" in limited.message
    answer.headers["x-app-limit-24hour-remaining"] = "3"
    assert _rate_limited(me, answer).reset_at == int(now + 600)
