"""The sandbox network behind the common interface."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from personas.clock import REAL, Clock
from personas.config import NetworkConfig, data_dir
from personas.errors import NotFound
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
    """The sandbox: every capability, in a local database, on `clock`'s time (a simulated
    clock in tests and the benches makes rate windows pass at once)."""

    kind = "sandbox"
    retries = 0  # nothing transient here: a failure is the item's
    backoff = 1.0

    def __init__(self, config: NetworkConfig, *, clock: Clock = REAL,
                 observers: RateObservers | None = None) -> None:
        self.name = config.name
        self.options = config.options
        self.clock = clock
        self.observers = observers if observers is not None else RateObservers()
        self.rate_limits = _limits(self.options.get("rate_limits"))

    def forget(self, persona: Persona) -> None:
        """Nothing is read ahead for a persona here."""

    @cached_property
    def store(self) -> Store:
        return Store(store_path(self.name), limits=dict(self.rate_limits), clock=self.clock.now)

    def _account(self, persona: Persona) -> str:
        self.store.ensure_account(persona.handle, private=persona.private)
        return persona.handle

    def publish(self, persona: Persona, *, kind: str, text: str, target: str | None,
                idempotency_key: str) -> Sent:
        handle = self._account(persona)
        try:
            post = self.store.publish(handle, kind=kind, text=text,
                                      target=int(target) if target else None,
                                      idempotency_key=idempotency_key)
        finally:
            self._report(persona, "create_post")
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

    # --- following: accounts, follows and follower pages (rate-counted like X) ----------

    def _spend(self, persona: Persona, endpoint: str) -> None:
        account = self.store.ensure_account(persona.handle, private=persona.private)
        try:
            self.store.spend(account.id, endpoint)
        finally:
            self._report(persona, endpoint)

    def _report(self, persona: Persona, endpoint: str) -> None:
        if not self.observers:
            return
        state = self.store.rate_state(self.store.account(persona.handle).id, endpoint)
        if state is not None:
            self.observers(persona.name, endpoint, state[0], state[1], state[2])

    def _profile(self, handle: str) -> Profile:
        a = self.store.account(handle)
        posts, followers, following = self.store.counts(a.id)
        return Profile(str(a.id), a.handle, a.name, a.private, bio=a.bio,
                       created_at=a.created_at, posts=posts, followers=followers,
                       following=following, default_avatar=a.default_avatar)

    def me(self, persona: Persona) -> Account:
        return self._profile(self._account(persona))

    def account(self, persona: Persona, handle: str) -> Account:
        self._spend(persona, "user_lookup")
        return self._profile(handle.lstrip("@"))

    def follow(self, persona: Persona, handle: str) -> Followed:
        self._spend(persona, "follow")
        state = self.store.follow(persona.handle, handle.lstrip("@"))
        return Followed(state == "active", state == "pending")

    def unfollow(self, persona: Persona, handle: str) -> None:
        self._spend(persona, "follow")
        self.store.unfollow(persona.handle, handle.lstrip("@"))

    def _page(self, handles: list[str], page_token: str | None, limit: int) -> AccountPage:
        start = int(page_token or 0)
        size = max(1, min(limit, 1000))
        page = [self._profile(h) for h in handles[start:start + size]]
        more = start + size < len(handles)
        return AccountPage(page, str(start + size) if more else None)  # type: ignore[arg-type]

    def followers(self, persona: Persona, page_token: str | None = None,
                  limit: int = 1000) -> AccountPage:
        self._spend(persona, "followers")
        return self._page(self.store.followers(persona.handle), page_token, limit)

    def following(self, persona: Persona, page_token: str | None = None,
                  limit: int = 1000) -> AccountPage:
        self._spend(persona, "following")
        return self._page(self.store.following(persona.handle), page_token, limit)

    # --- the private community ------------------------------------------------------------

    def join_requests(self, persona: Persona) -> list[Profile]:
        self._spend(persona, "incoming")
        return [self._profile(h) for h in self.store.followers(persona.handle, state="pending")]

    def accept(self, persona: Persona, handle: str) -> bool:
        self._account(persona)
        return self.store.accept(persona.handle, handle.lstrip("@"))

    def reject(self, persona: Persona, handle: str) -> bool:
        self._account(persona)
        return self.store.reject(persona.handle, handle.lstrip("@"))

    def block(self, persona: Persona, handle: str) -> None:
        self._account(persona)
        self.store.block(persona.handle, handle.lstrip("@"))

    def profile(self, persona: Persona, handle: str) -> Profile:
        return self._profile(handle.lstrip("@"))

    def _message(self, row: tuple, recipient: str) -> Message:  # type: ignore[type-arg]
        return Message(str(row[0]), row[1], recipient, row[2],
                       datetime.fromtimestamp(row[3], UTC))

    def messages(self, persona: Persona, since_id: str | None = None, *,
                 after: datetime | None = None) -> list[Message]:
        """Messages to the persona after `since_id` (and sent at or after `after`), oldest
        first."""
        handle = self._account(persona)
        self._spend(persona, "dm_read")
        found = [self._message(r, handle) for r in self.store.inbox(handle, int(since_id or 0))]
        return [m for m in found if after is None or m.created_at >= after]

    def conversation(self, persona: Persona, handle: str, *,
                     after: datetime | None = None) -> list[Message]:
        mine = self._account(persona)
        found = [self._message(r, handle.lstrip("@") if r[1].lower() == mine.lower() else mine)
                 for r in self.store.conversation(mine, handle.lstrip("@"))]
        return [m for m in found if after is None or m.created_at >= after]

    def mentions(self, persona: Persona, since_id: str | None = None, *,
                 after: datetime | None = None) -> list[RemotePost]:
        handle = self._account(persona)
        self._spend(persona, "mentions")
        since = int(since_id or 0)
        start = after.timestamp() if after is not None else None
        return [remote(p) for p in self.store.mentions(handle)
                if p.id > since and (start is None or p.created_at >= start)]

    def send_message(self, persona: Persona, handle: str, text: str) -> str:
        mine = self._account(persona)
        self._spend(persona, "dm")
        return str(self.store.send_message(mine, handle.lstrip("@"), text))
