"""One spelling for every URL, and the post a URL points at however it is written.

A post's address can be written many ways that a browser or the network treats alike:
``HTTPS://X.COM.:443/%4Aack//status/020?s=1``, ``https://a@m.twitter.com/jack/status/20``,
``https://x.com/i/web/status/20``, ``twitter.com/#!/jack/status/20``. Matching the usual
spelling with a regex lets every other one through, and a link to a private post posted
by a public persona is a leak. So each URL is taken apart with urllib's parser and put
back in one canonical form (lower-case IDNA host without a trailing dot or default port,
no userinfo, percent-decoded, dot segments and doubled slashes folded), and only that form
is classified.

Classifying leans one way: a URL that might point at a post is treated as pointing at
one. `post_ref` gives the post, or a reference whose ``post_id`` is None when the URL
looks like a post link but which post cannot be told; the caller refuses it for public
personas. `post_refs` also reads the text around the URLs, for addresses that X's URL
extraction does not link but a reader can follow (a bare ``sandbox.invalid/...``, an
address inside another URL's query).

Pure and cheap: urllib.parse, unicodedata and the stdlib's IDNA codec, nothing else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from types import MappingProxyType
from urllib.parse import parse_qsl, unquote, urlsplit

# The hosts of each network persona knows, subdomains included (www., m., mobile., ...).
NETWORK_DOMAINS: dict[str, tuple[str, ...]] = {
    # api.*, upload.*, platform.*, publish.* are subdomains; twimg.com serves X's embeds
    # (cdn.syndication.twimg.com/tweet-result?id=20) as well as its media.
    "x": ("x.com", "twitter.com", "twimg.com"),
    # The sandbox mimics X's path layout on a host under the reserved .invalid TLD, so its
    # links can never reach a real site.
    "sandbox": ("sandbox.invalid",),
}
# Sites that show a network's posts under the network's own paths. A link there points at
# the post as surely as the network's own address: it counts for the privacy check (and
# for naming a post to reply to or repost), but is not turned into a quote.
MIRROR_DOMAINS: dict[str, tuple[str, ...]] = {
    "x": ("fxtwitter.com", "vxtwitter.com", "fixupx.com", "fixvx.com", "twittpr.com",
          "nitter.net", "xcancel.com"),
}
# A path segment followed by a post id: /jack/status/20, /statuses/20, /i/web/status/20,
# and the API's /2/tweets/20; or by one of the API's verbs and then the id
# (/1.1/statuses/show/20.json, /1.1/statuses/retweet/20.json).
_STATUS_WORDS = frozenset({"status", "statuses", "tweets"})
_STATUS_VERBS = frozenset({"show", "retweet", "retweets", "unretweet", "destroy", "lookup",
                           "oembed", "retweeters"})
# Query parameters that name a post (or a comma list of posts) on a network host: intents
# (/intent/like?tweet_id=20), embeds (embed/Tweet.html?id=20), the API (/2/tweets?ids=1,2).
_ID_PARAMS = frozenset({"tweet_id", "tweet_ids", "in_reply_to", "in_reply_to_status_id",
                        "id", "ids", "status_id", "status_ids", "quote_tweet_id",
                        "attachment_url"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_HANDLE = re.compile(r"[A-Za-z0-9_]{1,30}")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
# RFC 3986 appendix B: splits any string, for what urlsplit refuses (an unmatched "[").
_RFC3986 = re.compile(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?",
                      re.DOTALL)
# Dots that IDNA (and so a browser) reads as the label separator.
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
# Characters that draw nothing and that a reader, IDNA (nameprep's table B.1, UTS #46) or a
# browser drops, beyond Unicode's format characters (category Cf): stripped before anything
# is read. Variation selectors included.
_INVISIBLE = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u1806\u180b\u180c\u180d\u3164\uffa0"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)
_MAX_DECODES = 8  # percent-encoding nested deeper than this is read as it stands
# Tabs and line breaks between two visible characters: a browser's URL parser drops them
# from an address (WHATWG URL), X's autolinker ends the link there.
_BROKEN = re.compile(r"(?<=\S)[\t\r\n]+(?=\S)")
_LONE_BYTE = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of a stray byte


@dataclass(frozen=True)
class Canonical:
    """A URL in its one canonical spelling.

    ``host`` is lower-case Unicode (IDNA labels decoded), without userinfo, port or
    trailing dot; ``port`` is "" for the scheme's default; ``path`` is percent-decoded with
    dot segments resolved and empty segments dropped; ``query`` and ``fragment`` are
    percent-decoded.
    """

    scheme: str
    host: str
    port: str
    path: str
    query: str
    fragment: str

    def __str__(self) -> str:
        port = f":{self.port}" if self.port else ""
        query = f"?{self.query}" if self.query else ""
        fragment = f"#{self.fragment}" if self.fragment else ""
        return f"{self.scheme}://{self.host}{port}{self.path}{query}{fragment}"


@dataclass(frozen=True)
class PostRef:
    """A post a URL points at.

    ``post_id`` is None when the URL looks like a post link of the network but which post
    cannot be told (``/status/12ab``): nobody can check whose post it is, so a public
    persona must not take it. ``mirror``: the URL is on a site that shows the network's
    posts, not on the network itself. ``joined``: the address is only read with the tabs
    and line breaks inside it removed, as a browser's URL parser does; nothing links it
    there, so it counts only when it names a post that exists and is private.
    """

    network_kind: str
    post_id: str | None
    handle: str | None
    url: str
    mirror: bool = False
    joined: bool = False


def canonicalise(url: str) -> Canonical | None:
    """The canonical spelling of ``url`` (a scheme is optional), or None when it names no
    host. Never raises, whatever the text."""
    text = _plain(url).strip().replace("\\", "/")
    scheme = "https"
    if (m := _SCHEME.match(text)) and (
        m[1].lower() in _DEFAULT_PORTS or text[m.end():].startswith("//")
    ):
        scheme = m[1].lower()
        # A browser reads any number of slashes after http(s): as the authority's start.
        rest = text[m.end():].lstrip("/") if scheme in _DEFAULT_PORTS else text[m.end() + 2:]
    else:
        rest = text[2:] if text.startswith("//") else text
    try:
        parts = urlsplit("//" + rest)
        netloc, path, query, fragment = parts.netloc, parts.path, parts.query, parts.fragment
    except ValueError:  # an unmatched bracket: split it as RFC 3986 does, without checks
        found = _RFC3986.fullmatch("//" + rest)
        assert found is not None  # every part of the pattern is optional
        netloc, path, query, fragment = (found[i] or "" for i in (2, 3, 4, 5))
    host, port = _authority(netloc)
    if not host:
        return None
    if port == _DEFAULT_PORTS.get(scheme):
        port = ""
    return Canonical(scheme, host, port, _path(_decode(path)), _decode(query),
                     _decode(fragment))


def host_of(url: str) -> str:
    """The canonical host of ``url`` ("" when it has none)."""
    canonical = canonicalise(url)
    return canonical.host if canonical else ""


Aliases = Mapping[str, str]
"""Further hosts of a network, host -> network kind: a configured network's ``api_base``
host (a loopback front), which the router cannot know by itself."""


def network_of_host(host: str, aliases: Aliases = MappingProxyType({})
                    ) -> tuple[str, bool] | None:
    """(network kind, mirror?) when ``host`` is one of a network's hosts or its mirrors',
    or one of ``aliases``."""
    host = host.rsplit("@", 1)[-1]  # an "@" left in a host: read what follows, as a reader would
    if host in aliases:
        return aliases[host], False
    for table, mirror in ((NETWORK_DOMAINS, False), (MIRROR_DOMAINS, True)):
        for kind, domains in table.items():
            if any(host == d or host.endswith("." + d) for d in domains):
                return kind, mirror
    return None


def post_ref(url: str, aliases: Aliases = MappingProxyType({})) -> PostRef | None:
    """The post ``url`` itself points at, on any network persona knows, however it is
    spelled (the first, when its parts name several)."""
    refs = _url_refs(url, aliases)
    return refs[0] if refs else None


def post_refs_in(url: str, aliases: Aliases = MappingProxyType({})) -> tuple[PostRef, ...]:
    """Every post ``url`` points at: its own, then each one named by an address nested in
    its path, query or fragment (``/intent/tweet?url=https%3A%2F%2Fx.com%2F...``), however
    deep and however often percent-encoded."""
    refs = list(_url_refs(url, aliases))
    canonical = canonicalise(url)
    if canonical is not None:
        for part in (canonical.path, canonical.query, canonical.fragment):
            refs += _read_refs(part, aliases)
    return tuple(refs)


def post_refs(text: str, urls: tuple[str, ...], aliases: Aliases = MappingProxyType({})
              ) -> tuple[PostRef, ...]:
    """Every post ``text`` points at: its URLs' (in order, each with the addresses nested
    in it), then any further address of a network's post the text holds in a form X does
    not link (a bare host with a TLD X does not know, an address glued to a word)."""
    refs: list[PostRef] = []
    known: set[tuple[str, str | None]] = set()
    for ref in (r for url in urls for r in post_refs_in(url, aliases)):
        if (ref.network_kind, ref.post_id) not in known:
            known.add((ref.network_kind, ref.post_id))
            refs.append(ref)
    for ref in _read_refs(text, aliases):
        if (ref.network_kind, ref.post_id) not in known:
            known.add((ref.network_kind, ref.post_id))
            refs.append(ref)
    if _BROKEN.search(text):
        for ref in _read_refs(_BROKEN.sub("", text), aliases):
            if ref.post_id is not None and (ref.network_kind, ref.post_id) not in known:
                known.add((ref.network_kind, ref.post_id))
                refs.append(replace(ref, joined=True))
    return tuple(refs)


# --- the parts of a URL ---------------------------------------------------------------------


def _plain(text: str) -> str:
    """The text as a reader sees it: compatibility forms folded (NFKC: fullwidth letters,
    ligatures) and invisible characters dropped."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    return "".join(ch for ch in text
                   if ch not in _INVISIBLE and unicodedata.category(ch) != "Cf").translate(_DOTS)


def _decode(text: str) -> str:
    """Percent-decoded, again and again while that changes it (a server may decode
    twice), and read plainly after each round. Bytes that are no UTF-8 on their own stay
    encoded: a later round may find the rest of their character."""
    for _ in range(_MAX_DECODES):
        if "%" not in text:
            break
        decoded = unquote(text, errors="surrogateescape")
        decoded = _plain(_LONE_BYTE.sub(lambda m: f"%{ord(m[0]) - 0xDC00:02X}", decoded))
        if decoded == text:
            break
        text = decoded
    return text


def _authority(netloc: str) -> tuple[str, str]:
    """(host, port) of an authority: userinfo dropped, the host canonical."""
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):  # an IP literal: kept as written, lower-case
        end = hostport.find("]")
        if end < 0:
            return hostport.lower(), ""
        host, port = hostport[: end + 1].lower(), hostport[end + 1 :].partition(":")[2]
    else:
        host, _, port = hostport.partition(":")
        host = _host(_decode(host))
    if port.isdigit():  # a number, as a browser reads it: ":0443" is ":443"
        port = port.lstrip("0") or "0"
    return host, port


def _host(host: str) -> str:
    """Lower case, IDNA labels decoded and nameprep'd, without the trailing dot(s)."""
    labels = [_label(label) for label in host.translate(_DOTS).strip(".").split(".")]
    return ".".join(labels).strip(".")


def _label(label: str) -> str:
    from encodings import idna  # the stdlib's IDNA 2003, as Python's own "idna" codec uses

    try:
        if label[:4].lower() == "xn--":
            return idna.ToUnicode(label).lower()
        if not label.isascii():
            return idna.nameprep(label).lower()
    except (UnicodeError, ValueError):
        pass
    return label.lower()


def _path(path: str) -> str:
    """Dot segments resolved, empty segments (doubled slashes) dropped, as a browser and
    X's router read it."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    return "/" + "/".join(segments) + ("/" if path.endswith("/") and segments else "")


# --- where a post is named ------------------------------------------------------------------


def _url_refs(url: str, aliases: Aliases) -> list[PostRef]:
    """The posts a network URL names by its own parts (path, ``#!/`` fragment, id
    parameters)."""
    canonical = canonicalise(url)
    if canonical is None or (network := network_of_host(canonical.host, aliases)) is None:
        return []
    return [PostRef(network[0], post_id, handle, url, network[1])
            for handle, post_id in _post_in(canonical.path, canonical.query,
                                            canonical.fragment)]


def _post_in(path: str, query: str, fragment: str) -> list[tuple[str | None, str | None]]:
    """(handle, post id) of each post a network URL's parts name; the id is None when a
    part names a post but not clearly which."""
    found: list[tuple[str | None, str | None]] = []
    candidates = [path]
    if fragment.startswith(("!", "/")):  # the old #!/jack/status/20
        candidates.append(_path(fragment.lstrip("!")))
    for candidate in candidates:
        segments = [s for s in candidate.split("/") if s]
        for i, segment in enumerate(segments[:-1]):
            if segment.lower() not in _STATUS_WORDS:
                continue
            at = i + 1
            if segments[at].lower().partition(".")[0] in _STATUS_VERBS and at + 1 < len(segments):
                at += 1  # /statuses/show/20.json
            if ident := _post_id(segments[at]):
                before = segments[i - 1] if i else ""
                handle = before if _HANDLE.fullmatch(before) and before.lower() not in (
                    "i", "web", "2", "1.1") else None
                found.append((handle, ident[0]))
                break
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key.lower() in _ID_PARAMS:
            found += [(None, ident[0]) for one in value.split(",") if (ident := _post_id(one))]
    return found


def _post_id(segment: str) -> tuple[str | None] | None:
    """A post id read from a path segment: (id,), or (None,) when the segment holds digits
    but is no clean id ("12ab", "12\ufffd"), or None when it holds no digit at all. After
    the digits, only ASCII punctuation may follow ("20)", "20..."): anything else might be
    read as part of the id by someone."""
    digits = []
    for ch in segment:
        value = unicodedata.decimal(ch, None)
        if value is None:
            break
        digits.append(str(value))
    rest = segment[len(digits):]
    if not digits:
        return (None,) if any(unicodedata.decimal(ch, None) is not None for ch in rest) else None
    if rest and not (rest[0].isascii() and not rest[0].isalnum() and rest[0] != "_"):
        return (None,)
    return ("".join(digits).lstrip("0") or "0",)


# --- addresses in the text around the URLs --------------------------------------------------


@cache
def _network_host_in_text(extra: tuple[str, ...] = ()) -> re.Pattern[str]:
    domains = sorted({d for t in (NETWORK_DOMAINS, MIRROR_DOMAINS) for ds in t.values()
                      for d in ds} | set(extra), key=len, reverse=True)
    names = "|".join(re.escape(d) for d in domains)
    # A network's domain as a whole label run (a subdomain before it is fine), then what
    # a browser would take as the rest of the address, up to white space.
    return re.compile(
        rf"(?:(?<=\.)|(?<![a-z0-9\-]))(?P<host>{names})(?![a-z0-9\-])\.*"
        r"(?::[^/?#\s]*)?(?P<rest>[/?#]\S*)?",
        re.ASCII | re.IGNORECASE,
    )


def _read_refs(text: str, aliases: Aliases = MappingProxyType({})) -> list[PostRef]:
    """Post references anywhere in ``text`` as a reader would take them: every network
    host, spelled any way (fullwidth, percent-encoded once or many times, with invisible
    characters), and what follows it. Each host is read on its own, including one inside
    what follows an earlier one (``.../you/status/2?ref=https://.../we/status/1``), so an
    address nested in another's path, query or fragment is found as well."""
    reading = _decode(_plain(text)).replace("\\", "/")
    lowered = reading.lower()
    hosts = [d for t in (NETWORK_DOMAINS, MIRROR_DOMAINS) for ds in t.values() for d in ds]
    hosts += aliases
    if not any(h in lowered for h in hosts):
        return []
    pattern = _network_host_in_text(tuple(sorted(aliases)))
    refs = []
    at = 0
    while (m := pattern.search(reading, at)) is not None:
        at = m.end("host")  # the next host may sit inside this one's rest
        if not m["rest"]:
            continue
        network = network_of_host(m["host"].lower(), aliases)
        assert network is not None  # the pattern holds only network hosts
        path, _, fragment = m["rest"].partition("#")
        path, _, query = path.partition("?")
        refs += [PostRef(network[0], post_id, handle, m[0], network[1])
                 for handle, post_id in _post_in(_path(path), query, fragment)]
    return refs
