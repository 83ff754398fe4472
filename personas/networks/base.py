"""What networks return, and who hears of their rate windows. What each can do is in
`personas.networks.capabilities`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime


def same_text(posted: str, seen: str) -> bool:
    """Is `seen`, a post's text as a network shows it (its own rewriting undone: X's t.co
    links expanded, its HTML escapes read), the text we posted? Word for word: two texts
    that differ only in a link are different posts. A link may differ only as networks
    spell it back (a scheme added to a bare domain, the host's case, a trailing slash)."""
    import unicodedata

    def pieces(text: str) -> list[tuple[bool, str]]:
        from router.text import extract_urls_with_indices

        text = unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()
        out, at = [], 0
        for url, start, end in extract_urls_with_indices(text):
            out += [(False, text[at:start]), (True, url)]
            at = end
        return out + [(False, text[at:])]

    a, b = pieces(posted), pieces(seen)
    return len(a) == len(b) and all(
        x == y or (link and _same_link(x, y)) for (link, x), (_, y) in zip(a, b, strict=True))


def _same_link(a: str, b: str) -> bool:
    from urllib.parse import urlsplit

    def parts(url: str) -> tuple[str | None, str, str]:
        scheme, _, rest = url.partition("://") if "://" in url else ("", "", url)
        split = urlsplit("//" + rest)
        path = split.path if split.path not in ("", "/") else ""
        tail = path + (f"?{split.query}" if split.query else "") + (
            f"#{split.fragment}" if split.fragment else "")
        return scheme.lower() or None, split.netloc.lower(), tail

    (sa, ha, ta), (sb, hb, tb) = parts(a), parts(b)
    return ha == hb and ta == tb and (sa is None or sb is None or sa == sb)


@dataclass(frozen=True)
class Sent:
    remote_id: str | None  # None: the network did not say (an X repost, rarely)
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
class PostStats:
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


# --- accounts, follows, messages and metrics (the X network; others may add them) ---------


@dataclass(frozen=True)
class Account:
    id: str
    handle: str
    name: str = ""
    protected: bool = False

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "handle": self.handle, "name": self.name,
                "protected": self.protected}


@dataclass(frozen=True)
class AccountPage:
    """One page of followers or followings, newest first; `next_token` fetches the next."""

    accounts: list[Account]
    next_token: str | None = None


@dataclass(frozen=True)
class Followed:
    following: bool
    pending: bool  # a request to a protected account, waiting for its owner


@dataclass(frozen=True)
class PostMetrics:
    post: RemotePost
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0
    impressions: int = 0


# --- following: profiles with the signals a follow-back sweep checks ----------------------


@dataclass(frozen=True)
class Profile(Account):
    """An account as a followers page returns it, with what the spam signals need."""

    bio: str | None = None
    created_at: float | None = None  # epoch seconds
    posts: int | None = None
    followers: int | None = None
    following: int | None = None
    default_avatar: bool | None = None

    def signals(self) -> dict[str, object]:
        return {"bio": self.bio, "created_at": self.created_at, "posts": self.posts,
                "followers": self.followers, "following": self.following,
                "default_avatar": self.default_avatar}


# --- the private community: requests, messages, decisions -------------------------------


@dataclass(frozen=True)
class Message:
    """A direct message; `id`s grow with time on every network."""

    id: str
    sender: str  # handle
    recipient: str  # handle
    text: str
    created_at: datetime


# A network reports what it learns of rate windows: (persona name, endpoint, limit,
# remaining, reset epoch). `personas.ratelimit.Budget.learn` takes it.
RateObserver = Callable[[str, str, int, int, float], None]


class RateObservers:
    """Everyone told what a network learns of its rate windows. Given to
    `personas.networks.connect` (the process's rate budget, `personas.ratelimit.learner`);
    one that listens for a while (a sweep's own budget) adds itself for that time with
    `listening`, beside the others."""

    def __init__(self, observers: Iterable[RateObserver] = ()) -> None:
        self._observers: list[RateObserver] = list(observers)

    def __bool__(self) -> bool:
        return bool(self._observers)

    @contextmanager
    def listening(self, observer: RateObserver) -> Iterator[None]:
        self._observers.append(observer)
        try:
            yield
        finally:
            self._observers.remove(observer)

    def __call__(self, persona: str, endpoint: str, limit: int, remaining: int,
                 reset_at: float) -> None:
        for observer in tuple(self._observers):
            observer(persona, endpoint, limit, remaining, reset_at)
