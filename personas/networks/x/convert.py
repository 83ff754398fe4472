"""X's objects (tweepy's) as the project's: accounts and profiles, a post's text as it
was written, and the fields each read asks X for."""

from __future__ import annotations

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



def post_text(tweet: tweepy.Tweet) -> str:
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

