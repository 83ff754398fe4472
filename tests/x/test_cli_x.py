"""post, reply and repost on X personas, through the CLI, against the front."""

from __future__ import annotations


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
