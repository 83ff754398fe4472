"""X through tweepy (imported here and in `x_media`): API v2 for posts, follows, messages
and media upload, v1.1 for incoming follow requests, OAuth 1.0a user context.

tweepy always addresses https://api.twitter.com (and https://upload.twitter.com); with
`api_base` / `upload_base` set, an adapter on its requests session sends that traffic
elsewhere, e.g. to the loopback front of `persona sandbox serve`. The OAuth signature is
still computed over the canonical URL, as the front expects. Every failure becomes one of
`personas.errors`' types, and before each call the account id in the credentials is
compared with the one verified at login.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import TypeVar
from urllib.parse import urlsplit

import requests
import tweepy
import urllib3
from requests.adapters import HTTPAdapter
from urllib3 import poolmanager

from personas import credentials, verified
from personas.config import NetworkConfig
from personas.errors import (
    AccessLimited,
    CredentialsRejected,
    Duplicate,
    NetworkError,
    NotFound,
    RateLimited,
    RemoteRefused,
    Transient,
)
from personas.networks.base import (
    Account,
    AccountCounts,
    AccountPage,
    Followed,
    Message,
    PostMetrics,
    PostStats,
    Profile,
    RateObserver,
    RemotePost,
    Sent,
    waiting,
)
from personas.ratelimit import X_LIMITS, daily, until
from router.policy import Persona

API, UPLOAD = "https://api.twitter.com", "https://upload.twitter.com"
WEB = "https://x.com"
# entities: the links X replaced with t.co, so a post's text can be read as it was written
TWEET_FIELDS = ["created_at", "author_id", "referenced_tweets", "public_metrics", "entities"]
T = TypeVar("T")


class _Waits:
    """A connection that runs `base.waiting()` once its request is sent, before it reads
    the answer: the time X (or the front) takes to answer is the caller's to use."""

    def getresponse(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        waiting()
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_Waits, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_Waits, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


def _waiting_pools(manager: poolmanager.PoolManager) -> poolmanager.PoolManager:
    """urllib3's own pools, with connections that say when they wait (a SOCKS proxy's
    pools are left as they are: work meant for the wait runs after the call there)."""
    if manager.pool_classes_by_scheme is poolmanager.pool_classes_by_scheme:
        manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
    return manager


class Rebase(HTTPAdapter):
    """Send requests for one origin to another base URL, with a default timeout; its
    connections call `base.waiting()` while each request is out."""

    def __init__(self, origin: str, base: str, timeout: float) -> None:
        super().__init__(max_retries=0)  # retries are ours: bounded, with backoff
        self.origin, self.base, self.timeout = origin, base.rstrip("/"), timeout

    def init_poolmanager(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().init_poolmanager(*args, **kwargs)
        _waiting_pools(self.poolmanager)

    def proxy_manager_for(self, proxy, **proxy_kwargs):  # type: ignore[no-untyped-def]
        return _waiting_pools(super().proxy_manager_for(proxy, **proxy_kwargs))

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def, override]
        if request.url.startswith(self.origin):
            request.url = self.base + request.url[len(self.origin):]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def route(session: requests.Session, options: dict[str, object]) -> None:
    """Mount the adapters that send tweepy's traffic to `api_base` and `upload_base`."""
    api_base = str(options.get("api_base") or API)
    upload_base = str(options.get("upload_base") or (api_base if "api_base" in options
                                                      else UPLOAD))
    timeout = float(options.get("timeout") or 30)  # type: ignore[arg-type]
    session.mount(API, Rebase(API, api_base, timeout))
    session.mount(UPLOAD, Rebase(UPLOAD, upload_base, timeout))


def _detail(response: requests.Response | None) -> str:
    """X's own explanation: a v2 `detail`, or the v1.1/v2 error messages."""
    try:
        body = response.json() if response is not None else {}
    except ValueError:
        return f"HTTP {getattr(response, 'status_code', '?')}"
    parts = [str(e.get("message") or e.get("detail")) for e in body.get("errors", [])
             if isinstance(e, dict)]
    return "; ".join(filter(None, [body.get("detail")] + parts))[:300] or "no detail"


def _start_time(when: datetime | None) -> str | None:
    """A `start_time` as X's v2 reads take it: UTC, to the second."""
    return None if when is None else when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M UTC")


def map_error(persona: Persona, e: Exception) -> NetworkError:
    """One of the project's error types for a failure of tweepy or the transport."""
    if isinstance(e, tweepy.TooManyRequests):
        return _rate_limited(persona, e.response)
    if isinstance(e, tweepy.Unauthorized):
        return CredentialsRejected(f"X rejected the credentials of persona {persona.name!r}: "
                                   f"run `persona login {persona.name}`")
    if isinstance(e, tweepy.HTTPException):
        status, detail = e.response.status_code, _detail(e.response)
        if status >= 500:  # X may have done it before failing to say so
            return Transient(f"X failed with {status} ({detail})", unsure=True)
        if "duplicate content" in detail:
            return Duplicate(f"X already has this text from @{persona.handle}: {detail}")
        if 453 in e.api_codes or (status == 403 and _not_enrolled(e.response)):
            code = "453" if 453 in e.api_codes else "403 client-not-enrolled"
            return AccessLimited(f"the X app's access level does not include "
                                 f"{_feature(e.response)} ({code}); that needs "
                                 f"{_needs(e.response)} (docs/x.md, access levels)")
        return RemoteRefused(f"X refused it ({status}): {detail}")
    if isinstance(e, requests.ConnectTimeout):  # before sending: X never saw it
        return Transient("X could not be reached in time")
    if isinstance(e, requests.Timeout):  # sent, and no answer: it may have been done
        return Transient("X did not answer in time", unsure=True)
    if isinstance(e, requests.ConnectionError | tweepy.TweepyException):
        return Transient("the connection to X failed", unsure=not _never_connected(e))
    raise e


def _never_connected(e: Exception) -> bool:
    """Did the request fail before a connection was made (so X cannot have seen it)?"""
    seen: set[int] = set()
    cause: BaseException | None = e
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, urllib3.exceptions.NewConnectionError | ConnectionRefusedError):
            return True
        if isinstance(cause, urllib3.exceptions.MaxRetryError) and cause.reason is not None:
            cause = cause.reason
            continue
        cause = cause.__cause__ or cause.__context__ or (
            cause.args[0] if cause.args and isinstance(cause.args[0], BaseException) else None)
    return False


def _text(tweet: tweepy.Tweet) -> str:
    """A post's text as it was written: X escapes &, < and > and puts a t.co link in place
    of each link; its `entities.urls` give each link back."""
    import html

    text = tweet.text or ""
    for entity in sorted(((tweet.entities or {}).get("urls") or []),
                         key=lambda u: -int(u.get("start", 0))):
        short, expanded = entity.get("url"), entity.get("expanded_url")
        if short and expanded and short.startswith("https://t.co/"):
            start, end = int(entity.get("start", -1)), int(entity.get("end", -1))
            if 0 <= start < end <= len(text) and text[start:end] == short:
                text = text[:start] + expanded + text[end:]
            else:
                text = text.replace(short, expanded)
    return html.unescape(text)


def _rate_limited(persona: Persona, response: requests.Response) -> RateLimited:
    """A 429 as X means it: the 15-minute window, or a 24-hour limit (`x-user-limit-24hour-*`,
    `x-app-limit-24hour-*`) used up while the 15-minute window still has room. The retry
    waits for the latest reset among the windows that are used up."""
    fifteen = rate_headers(response)
    windows = [("15-minute", fifteen)] if fifteen else []
    spent = [(name, w) for name, w in windows + daily_headers(response) if w[1] <= 0]
    if not spent:  # no window says which: the 15-minute reset, as X documents for a 429
        spent = [("15-minute", (0, 0, fifteen[2] if fifteen else time.time() + 15 * 60))]
    name, (limit, _remaining, reset_at) = max(spent, key=lambda s: s[1][2])
    if name == "15-minute":
        return RateLimited(f"X's rate limit for @{persona.handle} is used up until "
                           f"{_when(reset_at)}; it is retried then", reset_at=reset_at)
    whose = "the app's" if name == "app-24h" else f"@{persona.handle}'s"
    return RateLimited(f"X's 24-hour limit ({whose}, {limit} a day) is used up until "
                       f"{until(reset_at)}; it is retried then", reset_at=reset_at)


def _not_enrolled(response: requests.Response) -> bool:
    """X's 403 for an endpoint outside the app's access level ("Client Forbidden")."""
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and (body.get("reason") == "client-not-enrolled" or str(
        body.get("type", "")).endswith("/problems/client-forbidden"))


# What each of X's buckets does for persona, and the access level that includes it
# (docs/x.md, access levels): the Free level covers posting only.
FEATURES = {
    "create_post": ("posting", "any level"), "delete_post": ("deleting posts", "any level"),
    "me": ("reading the account's own profile", "any level"),
    "media": ("uploading images", "any level"),
    "repost": ("reposting", "Basic or above"), "follow": ("following", "Basic or above"),
    "tweet_lookup": ("reading posts", "Basic or above"),
    "user_posts": ("reading the persona's own posts", "Basic or above"),
    "mentions": ("reading mentions", "Basic or above"),
    "user_lookup": ("looking up accounts", "Basic or above"),
    "followers": ("reading followers", "Basic or above"),
    "following": ("reading whom the persona follows", "Basic or above"),
    "dm": ("sending direct messages",
           "Basic or above, with the app's Direct Message permission"),
    "dm_read": ("reading direct messages",
                "Basic or above, with the app's Direct Message permission"),
    "incoming": ("listing pending follow requests (v1.1 friendships/incoming)",
                 "a level with v1.1 access (Pro or Enterprise)"),
}


def _feature(response: requests.Response) -> str:
    name = bucket(response.request.method or "", response.request.url or "")
    return FEATURES.get(name or "", ("this endpoint", ""))[0]


def _needs(response: requests.Response) -> str:
    name = bucket(response.request.method or "", response.request.url or "")
    needs = FEATURES.get(name or "", ("", "a higher level"))[1]
    try:
        asked = response.json().get("required_enrollment")
    except (ValueError, AttributeError):
        asked = None
    return f"{needs} (X says: {asked})" if asked else needs


class XNetwork:
    kind = "x"
    overlaps = True  # its transport calls base.waiting() while each request is out
    retries = 2  # a transient failure is tried at most this many more times
    backoff = 1.0  # seconds before the first retry, doubled each time, plus jitter

    def __init__(self, config: NetworkConfig) -> None:
        self.name = config.name
        self.options = config.options
        self._clients: dict[str, tuple[str, tweepy.Client]] = {}
        self._credentials: dict[str, tuple[credentials.AppKeys, credentials.Tokens]] = {}
        self._verified: dict[str, str | None] = {}
        # --- following: rate windows reported, account ids learned from pages ---
        self.on_rate: RateObserver | None = None
        self.rate_limits = dict(X_LIMITS)  # seeds until X's headers say otherwise
        self._ids: dict[tuple[str, str], str] = {}  # (persona, handle lower case) -> id

    # --- credentials and clients -------------------------------------------------------------

    def _tokens(self, persona: Persona) -> tuple[credentials.AppKeys, credentials.Tokens]:
        """The app's and the persona's credentials, read from the keyring once per run."""
        if persona.name not in self._credentials:
            self._credentials[persona.name] = self._read_tokens(persona)
        return self._credentials[persona.name]

    def forget(self, persona: Persona) -> None:
        """Drop what was read for this persona, so the next call reads the keyring again
        (after `persona login`, a running worker picks up the new credentials)."""
        for cache in (self._credentials, self._verified, self._clients):
            cache.pop(persona.name, None)

    def _read_tokens(self, persona: Persona) -> tuple[credentials.AppKeys, credentials.Tokens]:
        try:
            return self._read_keyring(persona)
        except credentials.NoKeyring as e:
            # The item is kept and waits, like one whose credentials X refused.
            raise CredentialsRejected(f"cannot read the credentials of persona {persona.name!r}: "
                                      f"{e.message}") from None

    def _read_keyring(self, persona: Persona) -> tuple[credentials.AppKeys, credentials.Tokens]:
        app, tokens = credentials.get_account(self.name, persona.handle)
        if app is None:
            raise CredentialsRejected(f"no X app credentials for network {self.name!r}: run "
                                      f"`persona app set {self.name}`")
        if tokens is None:
            raise CredentialsRejected(f"no credentials for persona {persona.name!r}: run "
                                      f"`persona login {persona.name}`")
        return app, tokens

    def _check_account(self, persona: Persona, tokens: credentials.Tokens) -> None:
        """Refuse credentials that do not act for the account verified at login."""
        if persona.name not in self._verified:  # read once per run, like the credentials
            self._verified[persona.name] = verified.account_id(persona.name, self.name,
                                                               persona.handle)
        expected = self._verified[persona.name]
        if expected is None:
            raise CredentialsRejected(f"persona {persona.name!r} has no verified X account: "
                                      f"run `persona login {persona.name}`")
        if tokens.user_id != expected:
            raise CredentialsRejected(
                f"the credentials of persona {persona.name!r} act for X account "
                f"{tokens.user_id or 'unknown'}, not @{persona.handle} ({expected}) verified at "
                f"login; nothing was sent: run `persona login {persona.name}`")

    def _my_id(self, persona: Persona) -> str:
        """The persona's account id: the verified one, which the credentials carry."""
        return self._tokens(persona)[1].user_id

    def client(self, persona: Persona, *, check: bool = True) -> tweepy.Client:
        app, tokens = self._tokens(persona)
        if check:
            self._check_account(persona, tokens)
        cached = self._clients.get(persona.name)
        if cached and cached[0] == tokens.access_token:
            return cached[1]
        made = make_client(app, tokens, self.options)
        made.session.hooks["response"].append(self._rate_hook(persona))
        self._clients[persona.name] = (tokens.access_token, made)
        return made

    def _rate_hook(self, persona: Persona):  # type: ignore[no-untyped-def]
        """A requests hook telling `on_rate` what each answer's headers say."""
        def hook(response: requests.Response, *args: object, **kwargs: object) -> None:
            if self.on_rate is None:
                return
            name = bucket(response.request.method or "", response.request.url or "")
            if name is None:
                return
            state = rate_headers(response)
            if state:
                self.on_rate(persona.name, name, *state)
            for window, limits in daily_headers(response):  # X's 24-hour limits too
                self.on_rate(persona.name, daily(name, window), *limits)
        return hook

    def v1(self, persona: Persona) -> tweepy.API:
        app, tokens = self._tokens(persona)
        self._check_account(persona, tokens)
        auth = tweepy.OAuth1UserHandler(app.consumer_key, app.consumer_secret,
                                        tokens.access_token, tokens.access_token_secret)
        api = tweepy.API(auth, retry_count=0)
        route(api.session, self.options)
        api.session.hooks["response"].append(self._rate_hook(persona))
        return api

    def _call(self, persona: Persona, action: Callable[[], T], retry: bool = True) -> T:
        """Run one request: transient failures retried with backoff and jitter, bounded.
        `retry=False` for what X would do twice (a post, a message): a failure that may
        have been done is raised at once (`Transient.unsure`), for the caller to look for
        what it made before it tries again (the outbox does); one that X cannot have seen
        (no connection was made) is still retried."""
        for attempt in range(self.retries + 1):
            try:
                return action()
            except Exception as e:  # noqa: BLE001 (mapped, or re-raised when unknown)
                error = map_error(persona, e)
            if isinstance(error, CredentialsRejected):
                self.forget(persona)  # read the keyring afresh next time
            if not isinstance(error, Transient) or isinstance(error, RateLimited) \
                    or attempt == self.retries or (error.unsure and not retry):
                raise error
            time.sleep(self.backoff * 2 ** attempt * (1 + random.random()))
        raise AssertionError("unreachable")

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
        """Upload an image, GIF or video (API v2, `x_media`) with its alt text; returns the
        media id once X can post it."""
        from personas.networks.x_media import Uploader

        uploader = Uploader(self.client(persona), lambda action: self._call(persona, action))
        return uploader.upload(path, alt_text)

    # --- reading ------------------------------------------------------------------------------

    def _remote(self, tweet: tweepy.Tweet, author: str) -> RemotePost:
        refs = {r.type: str(r.id) for r in (tweet.referenced_tweets or [])}
        kind = ("repost" if "retweeted" in refs else "reply" if "replied_to" in refs
                else "quote" if "quoted" in refs else "original")
        return RemotePost(id=str(tweet.id), author=author, text=_text(tweet), kind=kind,
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
        start = _start_time(since)
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
        start = _start_time(after)
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

    # --- accounts and follows -------------------------------------------------------------------

    def me(self, persona: Persona, *, check: bool = True) -> Account:
        client = self.client(persona, check=check)
        response = self._call(persona, lambda: client.get_me(user_fields=PROFILE_FIELDS,
                                                             user_auth=True))
        return _account(response.data)

    def account(self, persona: Persona, handle: str) -> Account:
        client = self.client(persona)
        response = self._call(persona, lambda: client.get_user(
            username=handle.lstrip("@"), user_fields=["protected"], user_auth=True))
        if response.data is None:
            raise NotFound(f"no X account @{handle.lstrip('@')}; check the handle")
        return _account(response.data)

    def follow(self, persona: Persona, handle: str) -> Followed:
        target = self._id(persona, handle)
        client = self.client(persona)
        data = self._call(persona, lambda: client.follow_user(target, user_auth=True)).data
        return Followed(bool(data.get("following")), bool(data.get("pending_follow")))

    def unfollow(self, persona: Persona, handle: str) -> None:
        target = self._id(persona, handle)
        client = self.client(persona)
        self._call(persona, lambda: client.unfollow_user(target, user_auth=True))

    def _id(self, persona: Persona, handle: str) -> str:
        """An account's id: known from a followers page already, or looked up (one call)."""
        key = (persona.name, handle.lstrip("@").lower())
        if key not in self._ids:
            self._ids[key] = self.account(persona, handle).id
        return self._ids[key]

    def _page(self, persona: Persona, method: str, page_token: str | None,
              limit: int) -> AccountPage:
        client = self.client(persona)
        response = self._call(persona, lambda: getattr(client, method)(
            self._my_id(persona), max_results=max(1, min(limit, 1000)), pagination_token=page_token,
            user_fields=PROFILE_FIELDS, user_auth=True))
        accounts = [_account(u) for u in response.data or []]
        for a in accounts:
            self._ids[(persona.name, a.handle.lower())] = a.id
        return AccountPage(accounts, response.meta.get("next_token"))

    def followers(self, persona: Persona, page_token: str | None = None,
                  limit: int = 1000) -> AccountPage:
        return self._page(persona, "get_users_followers", page_token, limit)

    def following(self, persona: Persona, page_token: str | None = None,
                  limit: int = 1000) -> AccountPage:
        return self._page(persona, "get_users_following", page_token, limit)

    def incoming_requests(self, persona: Persona) -> list[str]:
        """Ids of accounts asking to follow the protected persona, every page of 5,000 (v1.1,
        cursored; not on every access level: X answers 453 there, raised as a refusal naming
        the limitation)."""
        api = self.v1(persona)
        out: list[str] = []
        cursor = -1  # v1.1's first page; 0 is the end
        while cursor:
            page = self._call(persona, lambda c=cursor: api.incoming_friendships(  # type: ignore[misc]
                cursor=c, stringify_ids=True))
            ids, (_previous, cursor) = page if isinstance(page, tuple) else (page, (0, 0))
            out += [str(i) for i in ids]
        return out

    # --- the private community ------------------------------------------------------------

    # X has no API to accept a follow request: the owner accepts in X's own app
    # (shared/reference/x-api/README.md); `persona community approve` lists whom.
    accepts_requests = False

    def join_requests(self, persona: Persona) -> list[Profile]:
        """Who asks to follow the protected persona, with profiles (ids from v1.1, then
        users by ids, 100 a call). `AccessLimited` on access levels without v1.1 incoming."""
        ids = self.incoming_requests(persona)
        client = self.client(persona)
        out: list[Profile] = []
        for start in range(0, len(ids), 100):
            chunk = ids[start:start + 100]
            response = self._call(persona, lambda c=chunk: client.get_users(  # type: ignore[misc]
                ids=c, user_fields=PROFILE_FIELDS, user_auth=True))
            for user in response.data or []:
                account = _account(user)
                self._ids[(persona.name, account.handle.lower())] = account.id
                if isinstance(account, Profile):
                    out.append(account)
        return out

    def profile(self, persona: Persona, handle: str) -> Profile:
        client = self.client(persona)
        response = self._call(persona, lambda: client.get_user(
            username=handle.lstrip("@"), user_fields=PROFILE_FIELDS, user_auth=True))
        if response.data is None:
            raise NotFound(f"no X account @{handle.lstrip('@')}; check the handle")
        account = _account(response.data)
        self._ids[(persona.name, account.handle.lower())] = account.id
        if not isinstance(account, Profile):
            return Profile(account.id, account.handle, account.name, account.protected)
        return account

    def _dm_events(self, persona: Persona, since_id: str | None, pages: int | None = None,
                   after: datetime | None = None) -> list[Message]:
        """Direct messages sent and received, newest first, back to `since_id` or to the
        first one sent before `after` (X's DM reads take no start time: the pages stop),
        or to the end of what X keeps (30 days). Every page up to there is read, however
        many (`pages` caps them only where a recent look is enough): a caller's cursor may
        then move to the newest. A page that fails fails the whole read."""
        client = self.client(persona)
        me, out, token = self._my_id(persona), [], None
        read = 0
        while pages is None or read < pages:
            read += 1
            response = self._call(persona, lambda t=token: client.get_direct_message_events(  # type: ignore[misc]
                event_types="MessageCreate", max_results=100, pagination_token=t,
                dm_event_fields=["id", "text", "sender_id", "created_at",
                                 "dm_conversation_id"],
                expansions=["sender_id"], user_fields=["username"], user_auth=True))
            users = {str(u.id): u.username for u in response.includes.get("users", [])}
            users[me] = persona.handle
            for event in response.data or []:
                if since_id is not None and int(event.id) <= int(since_id):
                    return out
                if after is not None and event.created_at is not None \
                        and event.created_at < after:
                    return out
                sender = str(event.sender_id)
                ids = str(event.dm_conversation_id or "").split("-")
                other = next((i for i in ids if i != me), "")
                recipient = persona.handle if sender != me else users.get(other, other)
                out.append(Message(str(event.id), users.get(sender, sender), recipient,
                                   event.text or "", event.created_at or datetime.now(UTC)))
            token = response.meta.get("next_token")
            if not token:
                break
        return out

    def messages(self, persona: Persona, since_id: str | None = None, *,
                 after: datetime | None = None) -> list[Message]:
        """Messages to the persona after `since_id` (and sent at or after `after`), oldest
        first."""
        mine = persona.handle.lower()
        return [m for m in reversed(self._dm_events(persona, since_id, after=after))
                if m.sender.lower() != mine]

    def conversation(self, persona: Persona, handle: str, *,
                     after: datetime | None = None) -> list[Message]:
        """Messages between the persona and `handle`, oldest first: those sent at or after
        `after`, every page back to then (the persona's other conversations share the
        pages); without `after`, the most recent page's."""
        other = handle.lstrip("@").lower()
        events = self._dm_events(persona, None, pages=None if after else 1, after=after)
        return [m for m in reversed(events) if other in (m.sender.lower(), m.recipient.lower())]

    def send_message(self, persona: Persona, handle: str, text: str) -> str:
        target = self.account(persona, handle)
        client = self.client(persona)
        # not retried: X has no idempotency for messages, and a lost answer may hide one
        # that went out (the community looks in the conversation before sending again)
        response = self._call(persona, lambda: client.create_direct_message(
            participant_id=target.id, text=text, user_auth=True), retry=False)
        return str(response.data["dm_event_id"])


def _account(user: tweepy.User) -> Account:
    if user.public_metrics is None and user.created_at is None:
        return Account(str(user.id), user.username, user.name or "", bool(user.protected))
    metrics = user.public_metrics or {}
    avatar = user.profile_image_url
    return Profile(str(user.id), user.username, user.name or "", bool(user.protected),
                   bio=user.description, posts=metrics.get("tweet_count"),
                   created_at=user.created_at.timestamp() if user.created_at else None,
                   followers=metrics.get("followers_count"),
                   following=metrics.get("following_count"),
                   default_avatar=None if avatar is None else "default_profile" in avatar)


# --- following: the fields a sweep's spam signals need, and rate windows from headers -------

PROFILE_FIELDS = ["protected", "created_at", "description", "public_metrics",
                  "profile_image_url"]
# Which of X's rate-limit buckets a request counts against (method, path pattern).
BUCKETS = [(m, re.compile(p), b) for m, p, b in (
    ("POST", r"/2/tweets$", "create_post"), ("DELETE", r"/2/tweets/\d+$", "delete_post"),
    ("GET", r"/2/tweets/\d+$", "tweet_lookup"), ("POST", r"/2/users/\d+/retweets$", "repost"),
    ("DELETE", r"/2/users/\d+/retweets/\d+$", "repost"), ("GET", r"/2/users/me$", "me"),
    ("GET", r"/2/users/by/username/\w+$", "user_lookup"), ("GET", r"/2/users/\d+$", "user_lookup"),
    ("GET", r"/2/users$", "user_lookup"), ("GET", r"/2/dm_events$", "dm_read"),
    ("POST", r"/2/users/\d+/following$", "follow"),
    ("DELETE", r"/2/users/\d+/following/\d+$", "follow"),
    ("GET", r"/2/users/\d+/followers$", "followers"),
    ("GET", r"/2/users/\d+/following$", "following"),
    ("GET", r"/2/users/\d+/mentions$", "mentions"), ("GET", r"/2/users/\d+/tweets$", "user_posts"),
    ("POST", r"/2/dm_conversations/", "dm"), ("POST", r"/2/media/", "media"),
    ("GET", r"/2/media/upload$", "media"),
    ("GET", r"/1\.1/friendships/incoming", "incoming"))]


def bucket(method: str, url: str) -> str | None:
    return _bucket(method, urlsplit(url).path)


@lru_cache(maxsize=512)  # every post asks about the same path: match it once
def _bucket(method: str, path: str) -> str | None:
    return next((b for m, p, b in BUCKETS if m == method and p.search(path)), None)


def daily_headers(response: requests.Response) -> list[tuple[str, tuple[int, int, float]]]:
    """X's 24-hour limits, where an answer carries them: ("24h", the user's window) from
    `x-user-limit-24hour-*`, ("app-24h", the app's) from `x-app-limit-24hour-*`."""
    out = []
    for name, prefix in (("24h", "x-user-limit-24hour-"), ("app-24h", "x-app-limit-24hour-")):
        h = response.headers
        try:
            out.append((name, (int(h[prefix + "limit"]), int(h[prefix + "remaining"]),
                               float(h[prefix + "reset"]))))
        except (KeyError, ValueError):
            continue
    return out


def rate_headers(response: requests.Response) -> tuple[int, int, float] | None:
    """(limit, remaining, reset epoch) from X's `x-rate-limit-*` headers, if all there."""
    h = response.headers
    try:
        return (int(h["x-rate-limit-limit"]), int(h["x-rate-limit-remaining"]),
                float(h["x-rate-limit-reset"]))
    except (KeyError, ValueError):
        return None


def make_client(app: credentials.AppKeys, tokens: credentials.Tokens,
                options: dict[str, object]) -> tweepy.Client:
    made = tweepy.Client(consumer_key=app.consumer_key, consumer_secret=app.consumer_secret,
                         access_token=tokens.access_token,
                         access_token_secret=tokens.access_token_secret)
    route(made.session, options)
    return made


# --- logging in: the PIN-based OAuth 1.0a flow, and checking whose credentials these are ----


def start_login(options: dict[str, object], app: credentials.AppKeys, handle: str):  # type: ignore[no-untyped-def]
    """Ask X for a request token; returns (the URL to open, the session to finish with)."""
    from requests_oauthlib import OAuth1Session

    session = OAuth1Session(app.consumer_key, client_secret=app.consumer_secret,
                            callback_uri="oob")
    route(session, options)
    try:
        session.fetch_request_token(f"{API}/oauth/request_token")
        url = session.authorization_url(f"{API}/oauth/authorize", screen_name=handle,
                                        force_login="true")
    except Exception as e:  # noqa: BLE001
        raise _login_error(e) from None
    base = str(options.get("api_base") or API).rstrip("/")
    return base + url[len(API):], session


def finish_login(session, pin: str) -> credentials.Tokens:  # type: ignore[no-untyped-def]
    """Trade the PIN the user got from X for the account's access token."""
    try:
        answer = session.fetch_access_token(f"{API}/oauth/access_token", verifier=pin)
    except Exception as e:  # noqa: BLE001
        raise _login_error(e) from None
    return credentials.Tokens(answer["oauth_token"], answer["oauth_token_secret"])


def _login_error(e: Exception) -> NetworkError:
    from requests_oauthlib.oauth1_session import TokenRequestDenied

    if isinstance(e, TokenRequestDenied):
        return CredentialsRejected(f"X refused the login ({e.status_code}): check the app's "
                                   "keys (`persona app set`) and the PIN, then try again")
    if isinstance(e, requests.RequestException):
        return Transient("the connection to X failed; check api_base and try again")
    if isinstance(e, ValueError):
        return CredentialsRejected("X's answer to the login was not understood; try again")
    raise e


def whoami(persona: Persona, options: dict[str, object], app: credentials.AppKeys,
           tokens: credentials.Tokens) -> Account:
    """The X account these credentials act for, as X says (GET /2/users/me)."""
    client = make_client(app, tokens, options)
    try:
        return _account(client.get_me(user_fields=["protected"], user_auth=True).data)
    except Exception as e:  # noqa: BLE001
        error = map_error(persona, e)
    if isinstance(error, CredentialsRejected):
        raise CredentialsRejected("X rejected these credentials (401): check the access token "
                                  "and secret, or log in again with the PIN") from None
    raise error
