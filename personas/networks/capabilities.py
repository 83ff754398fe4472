"""What a network can do: one interface per capability, checked at run time.

Code that takes a network takes it as the capability it needs (`outbox.send` a `Posting`,
a follow sweep a `Following`, ...), and code that gets one from `Context.network_for`
asks with `isinstance` before using it, refusing in one line a network that cannot:
`require(network, Metrics, ...)`. A network class declares nothing: having the methods
and attributes is what makes it one (`personas.networks.sandbox`, `personas.networks.x`).
Every network is a `Network`: a name, a kind, the observers of its rate windows (given to
`personas.networks.connect`, never assigned afterwards) and the rate limits it starts from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypeVar, runtime_checkable

from personas.errors import BadInput
from personas.networks.base import (
    Account,
    AccountCounts,
    AccountPage,
    Followed,
    Message,
    PostStats,
    Profile,
    RateObservers,
    RemotePost,
    Sent,
)
from router.policy import Persona


@runtime_checkable
class Network(Protocol):
    """What every network is."""

    name: str
    kind: str
    observers: RateObservers  # told each rate window the network learns of
    rate_limits: dict[str, int]  # per endpoint, assumed until the network says otherwise

    def forget(self, persona: Persona) -> None:
        """Drop what was read for the persona (its credentials), to read it afresh."""


@runtime_checkable
class Posting(Network, Protocol):
    """Posting, and finding what an earlier attempt posted (the outbox's reconciling)."""

    retries: int  # a transient failure of a post is tried at most this many more times
    backoff: float  # seconds before the first retry, doubled each time

    def publish(self, persona: Persona, *, kind: str, text: str, target: str | None,
                idempotency_key: str) -> Sent:
        """Post, reply, quote or repost as `persona`. Raises `personas.errors.NetworkError`."""

    def timeline(self, persona: Persona, limit: int = 50) -> list[RemotePost]:
        """The persona's own most recent posts, newest first."""

    def post_url(self, persona: Persona, post_id: str) -> str:
        """The web address of one of the persona's posts."""


@runtime_checkable
class ReadingPosts(Network, Protocol):
    def get_post(self, persona: Persona, post_id: str) -> RemotePost:
        """A post as `persona` can see it; `NotFound` when there is none."""


@runtime_checkable
class Metrics(Network, Protocol):
    def post_metrics(self, persona: Persona, since: datetime,
                     limit: int = 100) -> list[PostStats]:
        """Public metrics of the persona's own posts made since `since`, newest first."""

    def account_counts(self, persona: Persona) -> AccountCounts:
        """How many follow the persona now, and how many it follows."""


@runtime_checkable
class Following(Network, Protocol):
    """Follows and the pages of followers and followings (a follow-back sweep)."""

    def me(self, persona: Persona) -> Account: ...
    def follow(self, persona: Persona, handle: str) -> Followed: ...
    def unfollow(self, persona: Persona, handle: str) -> None: ...
    def followers(self, persona: Persona, page_token: str | None = None,
                  limit: int = 1000) -> AccountPage: ...
    def following(self, persona: Persona, page_token: str | None = None,
                  limit: int = 1000) -> AccountPage: ...


@runtime_checkable
class CommunityRequests(Network, Protocol):
    """Who asks to follow a protected persona, with the profiles the community scores."""

    def join_requests(self, persona: Persona) -> list[Profile]: ...
    def profile(self, persona: Persona, handle: str) -> Profile: ...


@runtime_checkable
class AcceptingRequests(CommunityRequests, Protocol):
    """Accepting and rejecting follow requests through the API. X offers no way: its
    owner accepts in X's app."""

    def accept(self, persona: Persona, handle: str) -> bool: ...
    def reject(self, persona: Persona, handle: str) -> bool: ...


@runtime_checkable
class Blocking(Network, Protocol):
    def block(self, persona: Persona, handle: str) -> None: ...


@runtime_checkable
class DirectMessages(Network, Protocol):
    """Direct messages; `Message.id`s grow with time."""

    def messages(self, persona: Persona, since_id: str | None = None, *,
                 after: datetime | None = None) -> list[Message]: ...
    def conversation(self, persona: Persona, handle: str, *,
                     after: datetime | None = None) -> list[Message]: ...
    def send_message(self, persona: Persona, handle: str, text: str) -> str: ...


@runtime_checkable
class Mentions(Network, Protocol):
    def mentions(self, persona: Persona, since_id: str | None = None, *,
                 after: datetime | None = None) -> list[RemotePost]: ...


C = TypeVar("C", bound=Network)


def require(network: object, capability: type[C], refusal: str) -> C:
    """`network` as `capability`, or `BadInput(refusal)`: the one line saying what cannot
    be done there and what to do instead."""
    if not isinstance(network, capability):
        raise BadInput(refusal)
    return network


@runtime_checkable
class CommunityNetwork(CommunityRequests, DirectMessages, Mentions, Following, Protocol):
    """What a private persona's community needs of its network: the requests, the
    messages and mentions that introduce people, and following those it approves."""


def reading(network: Network) -> ReadingPosts:
    """`network` as `ReadingPosts`, refused in one line where it cannot read a post."""
    return require(network, ReadingPosts, f"network {network.name!r} cannot read posts in "
                   "this version; name a post on another network")
