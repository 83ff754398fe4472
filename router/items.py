"""What an outgoing item is, and how its kind is told from its text and flags."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from router.urls import Aliases, PostRef, host_of, post_ref, post_refs


class Kind(StrEnum):
    ORIGINAL = "original"
    LINK = "link"
    REPLY = "reply"
    REPOST = "repost"
    QUOTE = "quote"


@dataclass(frozen=True)
class Item:
    """One outgoing item, as the router sees it.

    `target` is the post replied to, quoted or reposted (an id on the network); `refs` is
    every post of the network the item points at, the target included; `links` every post
    its text points at, on any network, however spelled (see `router.urls`).
    `private_source` is set when any of them was written by or seen only through a private
    account, or cannot be checked: such an item may only go to a private persona, and
    `private_why` says why when it is not plainly a private post.
    `recommends`: the accounts a post recommends (#FollowFriday, a run of handles): such a
    post is sharing, whatever persona would take original content.
    """

    kind: Kind
    text: str = ""
    urls: tuple[str, ...] = ()
    target: str | None = None
    private_source: bool = False
    refs: tuple[str, ...] = ()
    links: tuple[PostRef, ...] = ()
    private_why: str = ""
    recommends: tuple[str, ...] = ()


@dataclass(frozen=True)
class PostLink:
    """A URL that points at a post on a network, e.g. https://x.com/jack/status/20."""

    url: str
    handle: str | None  # None for handle-less forms such as x.com/i/web/status/ID
    post_id: str


# Any explicit http(s) address. X links only hosts under TLDs it knows, but for routing a
# written-out address is a link whatever its TLD: a content-only persona must not post one.
_SCHEME_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


def post_link(url: str, network_kind: str) -> PostLink | None:
    """The post a URL points at, when it is a post URL of `network_kind` in any spelling
    (see `router.urls.post_ref`) that names the post clearly."""
    ref = post_ref(url)
    if ref is None or ref.network_kind != network_kind or ref.post_id is None:
        return None
    return PostLink(url=url, handle=ref.handle, post_id=ref.post_id)


def post_links(urls: tuple[str, ...], network_kind: str) -> list[PostLink]:
    """The URLs among `urls` that point at posts of `network_kind`, in order."""
    return [link for url in urls if (link := post_link(url, network_kind)) is not None]


def find_urls(text: str) -> tuple[str, ...]:
    """Every URL in `text`: X's extraction (bare domains too), plus explicit http(s) addresses
    on hosts X would not link, in order of appearance."""
    from router.text import extract_urls_with_indices

    extracted = extract_urls_with_indices(text)
    found = [(start, url) for url, start, _end in extracted]
    for m in _SCHEME_URL.finditer(text):
        if any(start <= m.start() < end for _url, start, end in extracted):
            continue
        found.append((m.start(), _trim(m.group())))
    return tuple(url for _start, url in sorted(found))


def _trim(url: str) -> str:
    """Drop sentence punctuation after a URL, keeping a ')' that closes one inside it."""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def url_domain(url: str) -> str:
    """The canonical host of a URL, with or without a scheme ("" when it has none)."""
    return host_of(url)


def on_domains(url: str, domains: tuple[str, ...] | frozenset[str]) -> bool:
    """Is the URL's host one of `domains`, or a subdomain of one?"""
    host = url_domain(url)
    return any(host == d or host.endswith("." + d) for d in domains)


def classify(
    text: str,
    *,
    network_kind: str,
    reply_to: str | None = None,
    repost_of: str | None = None,
    private_source: bool = False,
    aliases: Aliases | None = None,
) -> Item:
    """Tell an item's kind from its text and flags.

    A reply target makes a reply; a repost target makes a repost; a link to a post on the
    same network, with text besides, makes a quote; any other URL makes a link; a post that
    recommends people (see `recommended`) is sharing too, a link; anything else is original
    content. Whether a link to one's own domain, or a recommendation, counts as original is
    a question of each persona's policy (`own_domains`, `recommendations`), answered in
    `router.policy`.
    """
    if repost_of is not None:
        return Item(Kind.REPOST, "", (), repost_of, private_source, (repost_of,))
    urls = find_urls(text)
    links = post_refs(text, urls, aliases or {})
    # What the network itself can quote: its own clear post links among the URLs.
    quotable = [r for r in links if r.network_kind == network_kind and r.post_id is not None
                and not r.mirror and not r.joined and r.url in urls]
    ids = [x.post_id for x in quotable if x.post_id is not None]
    refs = tuple(dict.fromkeys([t for t in (reply_to,) if t] + ids))
    if reply_to is not None:
        return Item(Kind.REPLY, text, urls, reply_to, private_source, refs, links)
    rest = text
    for link in quotable:
        rest = rest.replace(link.url, "")
    if quotable and rest.strip():
        return Item(Kind.QUOTE, text, urls, ids[0], private_source, refs, links)
    if urls:
        return Item(Kind.LINK, text, urls, None, private_source, refs, links)
    if people := recommended(text):
        return Item(Kind.LINK, text, urls, None, private_source, refs, links, recommends=people)
    return Item(Kind.ORIGINAL, text, urls, None, private_source, refs, links)


# A mention as X reads one: not inside a word or an e-mail address; "'s" after it is
# part of the same mention ("@ana's talk").
_MENTION = re.compile(
    r"(?<![A-Za-z0-9_!#$%&*@\uff20])[@\uff20]([A-Za-z0-9_]{1,30})(?![A-Za-z0-9_@\uff20]|://)"
    r"(?:['\u2019]s\b)?"
)
_HASHTAG = re.compile(r"(?<![\w&])[#\uff03](\w+)")
# Hashtags whose point is recommending accounts to follow.
RECOMMENDING_TAGS = frozenset({"followfriday", "ff", "fridayfollow"})
# Words that join a run of handles without saying anything else.
_JOINERS = frozenset({"and", "or", "+", "&", "also", "too"})
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


def recommended(text: str) -> tuple[str, ...]:
    """The handles a post recommends, when recommending them is its point: a recommending
    hashtag (#FollowFriday, #FF) with at least one handle, or at least two handles with
    no more other words than handles ("@ana @ben @cy", "Follow @ana and @ben"). A post that
    says something and mentions someone ("Had coffee with @ana") recommends nobody: ()."""
    handles = tuple(dict.fromkeys(m[1] for m in _MENTION.finditer(text)))
    if not handles:
        return ()
    tags = {m[1].lower() for m in _HASHTAG.finditer(text)}
    if tags & RECOMMENDING_TAGS:
        return handles
    if len(handles) < 2:
        return ()
    rest = _HASHTAG.sub(" ", _MENTION.sub(" ", text))
    words = [w for w in _WORD.findall(rest) if w.lower() not in _JOINERS]
    return handles if len(words) <= len(handles) else ()
