"""post, reply and repost on X personas, through the CLI, against the front."""

from __future__ import annotations

import pytest


def test_reply_and_repost_route_and_land_on_x(logged_in, cli):
    store = logged_in.front.store
    store.ensure_account("ana")
    theirs = store.publish("ana", kind="original", text="a good read", target=None,
                           idempotency_key=None)
    config = str(logged_in.config)
    repost = cli("--config", config, "repost", f"https://x.com/ana/status/{theirs.id}", "--json")
    assert repost.code == 0, repost.err
    assert repost.json()["persona"] == "you"
    assert store.timeline("JessesLinks")[0].repost_of == theirs.id
    reply = cli("--config", config, "reply", str(theirs.id), "Agreed!", "--json")
    assert reply.code == 0, reply.err
    assert reply.json()["persona"] == "we"
    assert store.timeline("JesseStay")[0].in_reply_to == theirs.id


def test_a_persona_without_credentials_does_not_block_routing(logged_in, cli):
    store = logged_in.front.store
    store.ensure_account("ana")
    theirs = store.publish("ana", kind="original", text="hello", target=None,
                           idempotency_key=None)
    config = str(logged_in.config)
    assert cli("--config", config, "logout", "me").code == 0
    reply = cli("--config", config, "reply", str(theirs.id), "Hi Ana", "--json")
    assert reply.code == 0, reply.err
    assert reply.json()["persona"] == "we"


def test_a_post_seen_only_through_the_private_persona_stays_private(logged_in, cli):
    store = logged_in.front.store
    store.ensure_account("member", private=True)
    store.follow("JesseStay", "member")
    store.db.execute("UPDATE follows SET state = 'active'")
    inside = store.publish("member", kind="original", text="members only", target=None,
                           idempotency_key=None)
    config = str(logged_in.config)
    result = cli("--config", config, "repost", str(inside.id), "--as", "you")
    assert result.code == 2
    assert store.timeline("JessesLinks") == []


@pytest.mark.parametrize("rest_id", ["source", "repost", "absent"])
def test_a_repost_is_recorded_with_its_own_id_and_url_and_the_source_apart(
        logged_in, cli, rest_id):
    """Whichever way X's answer names it (the source's id in `rest_id`, as X's OpenAPI
    description reads; the repost's own id; or no id, as recorded in 2021), the outbox
    records the repost X made: its id and URL, and the source as the item's target."""
    from personas import outbox

    store = logged_in.front.store
    logged_in.front.answers["rest_id"] = rest_id
    store.ensure_account("ana")
    theirs = store.publish("ana", kind="original", text="a good read", target=None,
                           idempotency_key=None)
    result = cli("--config", str(logged_in.config), "repost", str(theirs.id), "--as", "you",
                 "--json")
    assert result.code == 0, result.err
    [made] = store.timeline("JessesLinks")
    assert made.repost_of == theirs.id and made.id != theirs.id
    assert (result.json()["remote_id"], result.json()["url"]) == (
        str(made.id), f"https://x.com/JessesLinks/status/{made.id}")
    [item] = outbox.pending(statuses=("sent",))
    assert (item.remote_id, item.url, item.target) == (
        str(made.id), f"https://x.com/JessesLinks/status/{made.id}", str(theirs.id))


def test_a_repost_whose_id_x_does_not_say_is_not_given_the_source_id(logged_in):
    """X's answer has no id for the repost and the persona's posts cannot be read: the
    repost's id is unknown, never the source's, and its URL is the source's own."""
    store = logged_in.front.store
    logged_in.front.answers["rest_id"] = "absent"
    store.ensure_account("ana")
    theirs = store.publish("ana", kind="original", text="worth it", target=None,
                           idempotency_key=None)
    net, you = logged_in.network(), logged_in.persona("you")
    you_id = store.account("JessesLinks").id
    logged_in.front.inject(status=503, path=f"/2/users/{you_id}/tweets", times=3)
    sent = net.publish(you, kind="repost", text="", target=str(theirs.id), idempotency_key="k")
    assert sent.remote_id is None
    assert sent.url == f"https://x.com/i/status/{theirs.id}"
    assert store.timeline("JessesLinks")[0].repost_of == theirs.id
