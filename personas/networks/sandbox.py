"""The sandbox network behind the common interface."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from personas.config import NetworkConfig, data_dir
from personas.errors import NotFound
from personas.networks.base import AccountCounts, PostStats, RemotePost, Sent
from personas.sandbox.store import X_LIMITS, Post, Store
from router.policy import Persona

HOST = "sandbox.invalid"


def post_url(handle: str, post_id: int | str) -> str:
    return f"https://{HOST}/{handle}/status/{post_id}"


def store_path(network: str) -> Path:
    """Each sandbox network is a world of its own, in its own file."""
    name = "sandbox.db" if network == "sandbox" else f"sandbox-{network}.db"
    return data_dir() / name


def _limits(option: object) -> dict[str, int]:
    if option == "x":
        return dict(X_LIMITS)
    if isinstance(option, dict):
        return {str(k): int(v) for k, v in option.items()}
    return {}


def remote(post: Post) -> RemotePost:
    def ref(value: int | None) -> str | None:
        return None if value is None else str(value)

    return RemotePost(
        id=str(post.id), author=post.author, text=post.text, kind=post.kind,
        created_at=datetime.fromtimestamp(post.created_at, UTC),
        author_private=post.author_private, in_reply_to=ref(post.in_reply_to),
        quote_of=ref(post.quote_of), repost_of=ref(post.repost_of),
    )


class SandboxNetwork:
    kind = "sandbox"

    def __init__(self, config: NetworkConfig) -> None:
        self.name = config.name
        self.options = config.options

    @cached_property
    def store(self) -> Store:
        return Store(store_path(self.name), limits=_limits(self.options.get("rate_limits")))

    def _account(self, persona: Persona) -> str:
        self.store.ensure_account(persona.handle, private=persona.private)
        return persona.handle

    def publish(self, persona: Persona, *, kind: str, text: str, target: str | None,
                idempotency_key: str) -> Sent:
        handle = self._account(persona)
        post = self.store.publish(handle, kind=kind, text=text,
                                  target=int(target) if target else None,
                                  idempotency_key=idempotency_key)
        # The time an answer takes to come back: the post exists, the caller does not know
        # yet. Rehearses (and tests) a crash between the network's acceptance and our record.
        if latency := float(self.options.get("latency", 0) or 0):  # type: ignore[arg-type]
            time.sleep(latency)
        return Sent(str(post.id), post_url(handle, post.id),
                    datetime.fromtimestamp(post.created_at, UTC))

    def get_post(self, persona: Persona, post_id: str) -> RemotePost:
        # Looking does not create the persona's account: a persona that never acted sees
        # what anyone sees.
        try:
            viewer: str | None = self.store.account(persona.handle).handle
        except NotFound:
            viewer = None
        return remote(self.store.post(int(post_id), viewer=viewer))

    def timeline(self, persona: Persona, limit: int = 50) -> list[RemotePost]:
        return [remote(p) for p in self.store.timeline(self._account(persona), limit)]

    def post_url(self, persona: Persona, post_id: str) -> str:
        return post_url(persona.handle, post_id)

    def post_metrics(self, persona: Persona, since: datetime,
                     limit: int = 100) -> list[PostStats]:
        posts = self.store.timeline(self._account(persona), limit,
                                    since=since.timestamp())
        return [PostStats(str(p.id), p.kind, datetime.fromtimestamp(p.created_at, UTC),
                            likes=p.likes, reposts=p.reposts, replies=p.replies,
                            quotes=p.quotes, impressions=p.impressions) for p in posts]

    def account_counts(self, persona: Persona) -> AccountCounts:
        followers, following = self.store.follow_counts(self._account(persona))
        return AccountCounts(followers, following)
