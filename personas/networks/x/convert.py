"""X's objects (tweepy's) as the project's: accounts and profiles, a post's text as it
was written, and the fields each read asks X for."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import tweepy

from personas.networks.base import Account, Profile

# entities: the links X replaced with t.co, so a post's text can be read as it was written
TWEET_FIELDS = ["created_at", "author_id", "referenced_tweets", "public_metrics", "entities"]
PROFILE_FIELDS = ["protected", "created_at", "description", "public_metrics",
                  "profile_image_url"]


def start_time(when: datetime | None) -> str | None:
    """A `start_time` as X's v2 reads take it: UTC, to the second."""
    return None if when is None else when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")



_TCO = re.compile(r"https://t\.co/[A-Za-z0-9]+")
_ESCAPED = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}
_ESCAPE = re.compile("|".join(map(re.escape, _ESCAPED)))


def post_text(tweet: tweepy.Tweet) -> str:
    """A post's text as it was written: X escapes &, < and > in it and puts a t.co link in
    place of each link; its `entities.urls` give each link back. The escapes are read back
    in the words only: a link is put back as X gives it (its `&copy=1` is not `©=1`)."""
    links = {u.get("url"): u.get("expanded_url")
             for u in ((tweet.entities or {}).get("urls") or [])
             if u.get("url") and u.get("expanded_url")}
    out, at = [], 0
    text = tweet.text or ""
    for short in _TCO.finditer(text):
        out.append(_ESCAPE.sub(lambda m: _ESCAPED[m.group()], text[at:short.start()]))
        out.append(links.get(short.group(), short.group()))
        at = short.end()
    out.append(_ESCAPE.sub(lambda m: _ESCAPED[m.group()], text[at:]))
    return "".join(out)


def to_account(user: tweepy.User) -> Account:
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

