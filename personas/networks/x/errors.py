"""tweepy's and the transport's failures as one of `personas.errors`' types, each saying
what happened and what to do."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import requests
import tweepy
import urllib3

from personas.errors import (
    AccessLimited,
    CredentialsRejected,
    Duplicate,
    NetworkError,
    RateLimited,
    RemoteRefused,
    Transient,
)
from personas.networks.x.transport import bucket, daily_headers, rate_headers
from personas.ratelimit import until
from router.policy import Persona


def _detail(response: requests.Response | None) -> str:
    """X's own explanation: a v2 `detail`, or the v1.1/v2 error messages."""
    try:
        body = response.json() if response is not None else {}
    except ValueError:
        return f"HTTP {response.status_code if response is not None else '?'}"
    parts = [str(e.get("message") or e.get("detail")) for e in body.get("errors", [])
             if isinstance(e, dict)]
    return "; ".join(filter(None, [body.get("detail")] + parts))[:300] or "no detail"



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

