"""How tweepy's requests reach X, or the front: an adapter on its requests session that
sends them to `api_base` / `upload_base` with a default timeout, and what X's answers say
of its rate windows."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

import requests
import tweepy
from requests.adapters import HTTPAdapter

from personas import credentials
from personas.config import X_API

API, UPLOAD = X_API, "https://upload.twitter.com"
WEB = "https://x.com"


class Rebase(HTTPAdapter):
    """Send requests for one origin to another base URL, with a default timeout."""

    def __init__(self, origin: str, base: str, timeout: float) -> None:
        super().__init__(max_retries=0)  # retries are ours: bounded, with backoff
        self.origin, self.base, self.timeout = origin, base.rstrip("/"), timeout

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

