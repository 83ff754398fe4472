"""What each network can do is what it has, checked against one interface per capability;
a network without one is refused in one line where it is needed."""

from __future__ import annotations

import pytest

from personas.config import NetworkConfig
from personas.errors import BadInput
from personas.networks import capabilities as can
from personas.networks.base import RateObservers

EVERY = [can.Network, can.Posting, can.ReadingPosts, can.Metrics, can.Following,
         can.CommunityRequests, can.DirectMessages, can.Mentions, can.CommunityNetwork]


def sandbox():  # type: ignore[no-untyped-def]
    from personas.networks.sandbox import SandboxNetwork

    return SandboxNetwork(NetworkConfig("sandbox", "sandbox"))


def x():  # type: ignore[no-untyped-def]
    from personas.networks.x.client import XNetwork

    return XNetwork(NetworkConfig("x", "x"))


def test_the_sandbox_has_every_capability_and_x_all_but_accepting_and_blocking():
    assert all(isinstance(sandbox(), c) for c in [*EVERY, can.AcceptingRequests, can.Blocking])
    assert all(isinstance(x(), c) for c in EVERY)
    assert not isinstance(x(), can.AcceptingRequests) and not isinstance(x(), can.Blocking)


def test_a_network_without_a_capability_is_refused_in_one_line():
    class PostsOnly:
        name, kind, retries, backoff = "plain", "plain", 0, 1.0
        observers, rate_limits = RateObservers(), {}

        def forget(self, persona): ...  # type: ignore[no-untyped-def]
        def publish(self, persona, **kwargs): ...  # type: ignore[no-untyped-def]
        def timeline(self, persona, limit=50): ...  # type: ignore[no-untyped-def]
        def post_url(self, persona, post_id): ...  # type: ignore[no-untyped-def]

    plain = PostsOnly()
    assert can.require(plain, can.Posting, "never said") is plain
    with pytest.raises(BadInput) as refused:
        can.require(plain, can.Following, "network 'plain' cannot list followers")
    assert str(refused.value.message) == "network 'plain' cannot list followers"
    with pytest.raises(BadInput, match="network 'plain' cannot read posts in this version"):
        can.reading(plain)


def test_several_observers_hear_a_window_and_one_that_listened_for_a_while_leaves():
    heard: list[tuple[str, str]] = []
    observers = RateObservers([lambda p, e, *_: heard.append(("budget", p))])
    with observers.listening(lambda p, e, *_: heard.append(("sweep", p))):
        observers("you", "follow", 50, 49, 0.0)
    observers("me", "create_post", 100, 99, 0.0)
    assert heard == [("budget", "you"), ("sweep", "you"), ("budget", "me")]
