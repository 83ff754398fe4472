"""What an outgoing item is, and how its kind is told from its text and flags."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit


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
    every post of the network the item points at, the target included.
    `private_source` is set when any of them was written by or seen only through a private
    account: such an item may only go to a private persona.
    """

    kind: Kind
    text: str = ""
    urls: tuple[str, ...] = ()
    target: str | None = None
    private_source: bool = False
    refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class PostLink:
    """A URL that points at a post on a network, e.g. https://x.com/jack/status/20."""

    url: str
    handle: str | None  # None for handle-less forms such as x.com/i/web/status/ID
    post_id: str


# Post URLs of the networks persona knows. The sandbox mimics X's path layout on a host
# under the reserved .invalid TLD, so its links can never reach a real site.
# Any case, with or without a scheme, with a handle or X's /i/web/ form, and with whatever
# follows the id (/photo/1, ?s=20): every spelling of a post's address is caught.
_POST_URL = re.compile(
    r"^(?:https?://)?(?:www\.|mobile\.)?(?P<host>x\.com|twitter\.com|sandbox\.invalid)"
    r"/(?:i/web|(?P<handle>[A-Za-z0-9_]{1,30}))/status(?:es)?/(?P<id>[0-9]{1,25})"
    r"(?:[/?#].*)?$",
    re.IGNORECASE,
)
_NETWORK_HOSTS = {"x": {"x.com", "twitter.com"}, "sandbox": {"sandbox.invalid"}}
# Any explicit http(s) address. X links only hosts under TLDs it knows, but for routing a
# written-out address is a link whatever its TLD: a content-only persona must not post one.
_SCHEME_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


def post_link(url: str, network_kind: str) -> PostLink | None:
    """The post a URL points at, when it is a post URL of `network_kind`."""
    m = _POST_URL.match(url)
    if not m or m.group("host").lower() not in _NETWORK_HOSTS.get(network_kind, ()):
        return None
    return PostLink(url=url, handle=m.group("handle"), post_id=m.group("id"))


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
    """The lower-case host of a URL, with or without a scheme."""
    if "://" not in url:
        url = "http://" + url
    return (urlsplit(url).hostname or "").lower().rstrip(".")


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
) -> Item:
    """Tell an item's kind from its text and flags.

    A reply target makes a reply; a repost target makes a repost; a link to a post on the
    same network, with text besides, makes a quote; any other URL makes a link; no URL makes
    original content. Whether a link to one's own domain counts as original is a question
    of each persona's policy (`own_domains`), answered in `router.policy`.
    """
    if repost_of is not None:
        return Item(Kind.REPOST, "", (), repost_of, private_source, (repost_of,))
    urls = find_urls(text)
    links = post_links(urls, network_kind)
    refs = tuple(dict.fromkeys([t for t in (reply_to,) if t] + [x.post_id for x in links]))
    if reply_to is not None:
        return Item(Kind.REPLY, text, urls, reply_to, private_source, refs)
    rest = text
    for link in links:
        rest = rest.replace(link.url, "")
    if links and rest.strip():
        return Item(Kind.QUOTE, text, urls, links[0].post_id, private_source, refs)
    kind = Kind.LINK if urls else Kind.ORIGINAL
    return Item(kind, text, urls, None, private_source, refs)
