"""The interface every network implements, and what it returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from router.policy import Persona


@dataclass(frozen=True)
class Sent:
    remote_id: str
    url: str
    created_at: datetime


@dataclass(frozen=True)
class RemotePost:
    id: str
    author: str  # handle
    text: str
    kind: str  # original | reply | repost | quote
    created_at: datetime
    author_private: bool = False
    in_reply_to: str | None = None
    quote_of: str | None = None
    repost_of: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id, "text": self.text, "kind": self.kind,
            "in_reply_to": self.in_reply_to, "quote_of": self.quote_of,
            "repost_of": self.repost_of, "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class PostMetrics:
    """A post's public metrics; None where the network does not give one."""

    id: str
    kind: str
    created_at: datetime
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    impressions: int | None = None


@dataclass(frozen=True)
class AccountCounts:
    followers: int
    following: int | None = None


class Network(Protocol):
    name: str
    kind: str

    def publish(self, persona: Persona, *, kind: str, text: str, target: str | None,
                idempotency_key: str) -> Sent:
        """Post, reply, quote or repost as `persona`. Raises `personas.errors.NetworkError`."""

    def get_post(self, persona: Persona, post_id: str) -> RemotePost:
        """A post as `persona` can see it; `NotFound` when there is none."""

    def timeline(self, persona: Persona, limit: int = 50) -> list[RemotePost]:
        """The persona's own most recent posts, newest first."""

    def post_url(self, persona: Persona, post_id: str) -> str:
        """The web address of one of the persona's posts."""

    def post_metrics(self, persona: Persona, since: datetime,
                     limit: int = 100) -> list[PostMetrics]:
        """Public metrics of the persona's own posts made since `since`, newest first."""

    def account_counts(self, persona: Persona) -> AccountCounts:
        """How many follow the persona now, and how many it follows."""
