"""`XNetwork`: the X network behind the project's capabilities (posting, reading posts,
following, community requests, direct messages, metrics)."""

from __future__ import annotations

from datetime import UTC, datetime

import tweepy

from personas.errors import (
    NetworkError,
    NotFound,
    RateLimited,
    RemoteRefused,
    Transient,
)
from personas.networks.base import AccountCounts, PostMetrics, PostStats, RemotePost, Sent
from personas.networks.x.accounts import XAccounts
from personas.networks.x.convert import TWEET_FIELDS, post_text, start_time
from personas.networks.x.transport import WEB
from router.policy import Persona


class XNetwork(XAccounts):
    """X, through tweepy: see the package's docstring."""

    # --- posting ----------------------------------------------------------------------------

    def publish(self, persona: Persona, *, kind: str, text: str, target: str | None,
                idempotency_key: str, media_ids: tuple[str, ...] = (),
                media: list[dict[str, str]] | None = None) -> Sent:
        client = self.client(persona)
        if media:
            try:
                media_ids = tuple(media_ids) + tuple(self._upload_all(persona, media))
            except Transient as e:
                if isinstance(e, RateLimited) or not e.unsure:
                    raise
                # an upload whose answer was lost: the post itself was not sent, so there
                # is nothing to look for before the next try (it uploads afresh)
                raise Transient(e.message) from None
        if kind == "repost":
            data = self._call(persona, lambda: client.retweet(target, user_auth=True),
                              retry=False).data
            return self._reposted(persona, str(target), data or {})
        args: dict[str, object] = {"text": text, "user_auth": True}
        if kind == "reply":
            args["in_reply_to_tweet_id"] = target
        elif kind == "quote":
            args["quote_tweet_id"] = target
        if media_ids:
            args["media_ids"] = list(media_ids)
        response = self._call(persona, lambda: client.create_tweet(**args), retry=False)
        post_id = str(response.data["id"])
        return Sent(post_id, self.post_url(persona, post_id), datetime.now(UTC))

    def _reposted(self, persona: Persona, source: str, data: dict[str, object]) -> Sent:
        """The repost as X made it: its own id and URL (the item's target keeps the source).
        X's answer names it in `rest_id` at best: X's OpenAPI description calls that "the ID
        of the reposted Post", which can be read as the source, and answers recorded in
        2021 carry no id. So an id other than the source's is the repost's; otherwise the
        persona's own recent posts say which post reposts the source (one read). When they
        cannot, the repost's id is not known (None) and its URL is the source's, where the
        repost shows."""
        now = datetime.now(UTC)
        given = str(data.get("rest_id") or data.get("id") or "")
        if given and given != source:
            return Sent(given, self.post_url(persona, given), now)
        try:
            mine = self.recent_posts(persona, limit=20)
        except NetworkError:
            mine = []
        for m in mine:
            if m.post.kind == "repost" and m.post.repost_of == source:
                return Sent(m.post.id, self.post_url(persona, m.post.id), m.post.created_at)
        return Sent(None, f"{WEB}/i/status/{source}", now)

    def delete(self, persona: Persona, post_id: str) -> None:
        client = self.client(persona)
        self._call(persona, lambda: client.delete_tweet(post_id, user_auth=True))

    def undo_repost(self, persona: Persona, post_id: str) -> None:
        client = self.client(persona)
        self._call(persona, lambda: client.unretweet(post_id, user_auth=True))

    def _upload_all(self, persona: Persona, media: list[dict[str, str]]) -> list[str]:
        """Upload the item's media now (X keeps uploads for a day, items may wait longer)."""
        from pathlib import Path

        for image in media:
            if not Path(image["path"]).is_file():
                raise RemoteRefused(f"media file {image['path']} is gone; the item cannot be "
                                    "sent as it was made")
        return [self.upload_media(persona, image["path"], image.get("alt") or None)
                for image in media]

    def upload_media(self, persona: Persona, path: str, alt_text: str | None = None) -> str:
        """Upload an image, GIF or video (API v2, `media`) with its alt text; returns the
        media id once X can post it."""
        from personas.networks.x.media import Uploader

        uploader = Uploader(self.client(persona), lambda action: self._call(persona, action))
        return uploader.upload(path, alt_text)

    # --- reading ------------------------------------------------------------------------------

    def _remote(self, tweet: tweepy.Tweet, author: str) -> RemotePost:
        refs = {r.type: str(r.id) for r in (tweet.referenced_tweets or [])}
        kind = ("repost" if "retweeted" in refs else "reply" if "replied_to" in refs
                else "quote" if "quoted" in refs else "original")
        return RemotePost(id=str(tweet.id), author=author, text=post_text(tweet), kind=kind,
                          created_at=tweet.created_at or datetime.now(UTC),
                          in_reply_to=refs.get("replied_to"), quote_of=refs.get("quoted"),
                          repost_of=refs.get("retweeted"))

    def get_post(self, persona: Persona, post_id: str) -> RemotePost:
        client = self.client(persona)
        response = self._call(persona, lambda: client.get_tweet(
            post_id, tweet_fields=TWEET_FIELDS, expansions=["author_id"],
            user_fields=["protected"], user_auth=True))
        if response.data is None:
            raise NotFound(f"no post {post_id} on X that @{persona.handle} can see; check the id")
        author = (response.includes.get("users") or [None])[0]
        post = self._remote(response.data, author.username if author else "")
        return RemotePost(**{**post.__dict__, "author_private": bool(author and author.protected)})

    def timeline(self, persona: Persona, limit: int = 50) -> list[RemotePost]:
        return [m.post for m in self.recent_posts(persona, limit)]

    def recent_posts(self, persona: Persona, limit: int = 100, *,
                     since: datetime | None = None) -> list[PostMetrics]:
        """The persona's own most recent posts (those from `since` on, when given), newest
        first, with public metrics: page after page of 100, X's most, up to `limit`. X
        keeps the last 3,200 of an account's posts within reach. When X's rate limit stops
        the reading after the first page (some access levels allow one read per 15
        minutes), the newest posts read so far are what it gives."""
        client = self.client(persona)
        start = start_time(since)
        out: list[PostMetrics] = []
        token: str | None = None
        while len(out) < limit:
            def page(token: str | None = token) -> tweepy.Response:
                return client.get_users_tweets(  # type: ignore[no-any-return]
                    self._my_id(persona), max_results=max(5, min(limit - len(out), 100)),
                    start_time=start, pagination_token=token, tweet_fields=TWEET_FIELDS,
                    user_auth=True)
            try:
                response = self._call(persona, page)
            except RateLimited:
                if not out:
                    raise
                break
            for tweet in response.data or []:
                m = tweet.public_metrics or {}
                out.append(PostMetrics(self._remote(tweet, persona.handle),
                                       m.get("like_count", 0),
                                       m.get("retweet_count", m.get("repost_count", 0)),
                                       m.get("reply_count", 0), m.get("quote_count", 0),
                                       m.get("impression_count", 0)))
            token = (response.meta or {}).get("next_token")
            if not token or not response.data:
                break
        return out[:limit]

    def post_metrics(self, persona: Persona, since: datetime,
                     limit: int = 100) -> list[PostStats]:
        """Public metrics of the persona's posts since `since`, for `persona sync metrics`:
        every page X gives from then on, up to `limit` posts."""
        return [PostStats(m.post.id, m.post.kind, m.post.created_at, likes=m.likes,
                          reposts=m.reposts, replies=m.replies, quotes=m.quotes,
                          impressions=m.impressions)
                for m in self.recent_posts(persona, limit, since=since)
                if m.post.created_at >= since]

    def account_counts(self, persona: Persona) -> AccountCounts:
        client = self.client(persona)
        response = self._call(persona, lambda: client.get_me(user_fields=["public_metrics"],
                                                             user_auth=True))
        metrics = response.data.public_metrics or {}
        return AccountCounts(int(metrics.get("followers_count", 0)),
                             metrics.get("following_count"))

    def mentions(self, persona: Persona, since_id: str | None = None, *,
                 after: datetime | None = None) -> list[RemotePost]:
        """Every mention after `since_id` (and at or after `after`): page after page of 100
        until X has no more, since X stops at `since_id` itself. A caller that moves its
        cursor to the newest id has then read everything up to it; a page that fails fails
        the whole read, and the cursor stays. (X keeps the last 800 mentions in reach.)"""
        client = self.client(persona)
        start = start_time(after)
        found: list[RemotePost] = []
        token: str | None = None
        while True:
            response = self._call(persona, lambda t=token: client.get_users_mentions(  # type: ignore[misc]
                self._my_id(persona), since_id=since_id, start_time=start, max_results=100,
                pagination_token=t, tweet_fields=TWEET_FIELDS, expansions=["author_id"],
                user_auth=True))
            users = {str(u.id): u.username for u in response.includes.get("users", [])}
            found += [self._remote(t, users.get(str(t.author_id), ""))
                      for t in response.data or []]
            token = (response.meta or {}).get("next_token")
            if not token or not response.data:
                break
        return [p for p in found if after is None or p.created_at >= after]

    def post_url(self, persona: Persona, post_id: str) -> str:
        return f"{WEB}/{persona.handle}/status/{post_id}"

