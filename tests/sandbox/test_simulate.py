"""The sandbox network and its simulated people."""

from __future__ import annotations

import pytest

from personas.errors import BadInput, Duplicate, NotFound, RateLimited, RemoteRefused
from personas.sandbox.simulate import Simulator
from personas.sandbox.store import Store


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "sandbox.db", clock=Clock())
    s.ensure_account("you")
    s.ensure_account("we", private=True)
    yield s
    s.close()


def test_simulated_followers_are_deterministic_per_seed(tmp_path):
    def people(name: str, seed: int) -> list[dict]:
        s = Store(tmp_path / name, clock=Clock())
        s.ensure_account("you")
        return [p.to_json() for p in Simulator(s, seed).follow("you", 20, spammy=4)]

    first, again, other = people("a.db", 1), people("b.db", 1), people("c.db", 2)
    assert first == again and first != other
    assert sum(p["spammy"] for p in first) == 4
    spam = [p for p in first if p["spammy"]]
    assert all(p["default_avatar"] and p["bio"] == "" and p["following"] > 100 * p["followers"]
               for p in spam)


def test_followers_come_newest_first_and_handles_never_repeat(store):
    sim = Simulator(store)
    a = sim.follow("you", 3)
    store.clock.now += 60
    b = sim.follow("you", 2)
    newest_first = [p.handle for p in reversed(b)] + [p.handle for p in reversed(a)]
    assert store.followers("you") == newest_first
    assert len({p.handle for p in a + b}) == 5


def test_a_request_to_a_private_account_is_pending_with_its_intro(store):
    Simulator(store).request("we", "ana", intro="Hi, I'm Ana")
    assert store.followers("we") == [] and store.followers("we", state="pending") == ["ana"]
    assert store.messages("we") == [("ana", "Hi, I'm Ana", store.clock())]
    with pytest.raises(BadInput, match="public"):
        Simulator(store).request("you", "ana")


def test_replies_mentions_dms_and_likes(store):
    post = store.publish("you", kind="original", text="hello", target=None, idempotency_key="k")
    sim = Simulator(store)
    reply = sim.reply(post.id, "bob", "hi back")
    assert reply.in_reply_to == post.id and store.post(post.id).replies == 1
    mention = sim.mention("you", "cat", "nice feed")
    assert mention.text == "@you nice feed"
    assert [p.id for p in store.mentions("you")] == [mention.id, reply.id]
    sim.dm("you", "dan", "hey")
    assert store.messages("you")[0][:2] == ("dan", "hey")
    assert sim.like(post.id, 5).likes == 5


def test_private_posts_are_visible_only_to_followers(store):
    post = store.publish("we", kind="original", text="members only", target=None,
                         idempotency_key=None)
    with pytest.raises(NotFound):
        store.post(post.id, viewer="you")
    with pytest.raises(RemoteRefused, match="can see"):
        store.publish("you", kind="repost", text="", target=post.id, idempotency_key=None)
    assert store.post(post.id, viewer="we").author_private


def test_the_networks_own_refusals(store):
    store.publish("you", kind="original", text="once", target=None, idempotency_key=None)
    with pytest.raises(Duplicate):
        store.publish("you", kind="original", text="once", target=None, idempotency_key=None)
    with pytest.raises(RemoteRefused, match="too long: 281/280"):
        store.publish("you", kind="original", text="y" * 281, target=None, idempotency_key=None)
    with pytest.raises(RemoteRefused, match="no post with id 42"):
        store.publish("you", kind="reply", text="?", target=42, idempotency_key=None)


def test_rate_limits_with_a_reset_time(tmp_path):
    clock = Clock()
    s = Store(tmp_path / "rl.db", limits={"create_post": 2}, clock=clock)
    s.ensure_account("me")
    for i in range(2):
        s.publish("me", kind="original", text=f"p{i}", target=None, idempotency_key=None)
    with pytest.raises(RateLimited) as e:
        s.publish("me", kind="original", text="p2", target=None, idempotency_key=None)
    assert e.value.reset_at == clock.now + 900
    clock.now += 900
    s.publish("me", kind="original", text="p2", target=None, idempotency_key=None)


def test_simulate_commands(cli):
    r = cli("sandbox", "simulate", "follow", "you", "--count", "5", "--spammy", "2", "--json")
    assert r.code == 0, r.err
    assert len(r.json()) == 5 and sum(p["spammy"] for p in r.json()) == 2
    r = cli("sandbox", "simulate", "request", "we", "--handle", "ana", "--intro", "Hi all")
    assert r.out.strip() == "@ana asked to join @we"
    sent = cli("post", "Hello", "--json").json()
    assert cli("sandbox", "simulate", "like", sent["remote_id"], "--count", "3", "--json"
               ).json()["likes"] == 3
    r = cli("sandbox", "simulate", "reply", sent["url"], "--handle", "bob", "--text", "yo")
    assert r.code == 0 and "@bob replied" in r.out
    assert cli("sandbox", "simulate", "dm", "you", "--handle", "cy", "--text", "hey").code == 0
    assert cli("sandbox", "simulate", "request", "you", "--handle", "x").code == 2
    assert cli("sandbox", "simulate", "like", "123", "--count", "1").code == 2


def test_two_sandbox_networks_are_separate_worlds(cli, write_config):
    write_config("""
[networks.a]
kind = "sandbox"
[networks.b]
kind = "sandbox"
[personas.pub]
network = "a"
handle = "shared"
policy = "auto-follow"
[personas.priv]
network = "b"
handle = "shared"
policy = "private-community"
""")
    assert cli("post", "--as", "priv", "members-only secret").code == 0
    assert cli("post", "https://other.example.org/x", "--json").json()["persona"] == "pub"
    assert [p["text"] for p in cli("sandbox", "timeline", "pub", "--json").json()] == [
        "https://other.example.org/x"]
    assert [p["text"] for p in cli("sandbox", "timeline", "priv", "--json").json()] == [
        "members-only secret"]
