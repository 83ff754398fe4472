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
from dataclasses import dataclass
from functools import cache
from urllib.parse import parse_qsl, unquote, urlsplit

# The hosts of each network persona knows, subdomains included (www., m., mobile., ...).
NETWORK_DOMAINS: dict[str, tuple[str, ...]] = {
    "x": ("x.com", "twitter.com"),
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
# and the API's /2/tweets/20.
_STATUS_WORDS = frozenset({"status", "statuses", "tweets"})
# Query parameters that name a post on a network host: intents, embeds.
_ID_PARAMS = frozenset({"tweet_id", "in_reply_to", "id", "status_id"})
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
    posts, not on the network itself.
    """

    network_kind: str
    post_id: str | None
    handle: str | None
    url: str
    mirror: bool = False


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


def network_of_host(host: str) -> tuple[str, bool] | None:
    """(network kind, mirror?) when ``host`` is one of a network's hosts or its mirrors'."""
    host = host.rsplit("@", 1)[-1]  # an "@" left in a host: read what follows, as a reader would
    for table, mirror in ((NETWORK_DOMAINS, False), (MIRROR_DOMAINS, True)):
        for kind, domains in table.items():
            if any(host == d or host.endswith("." + d) for d in domains):
                return kind, mirror
    return None


def post_ref(url: str) -> PostRef | None:
    """The post ``url`` points at, on any network persona knows, however it is spelled."""
    canonical = canonicalise(url)
    if canonical is None or (network := network_of_host(canonical.host)) is None:
        return None
    found = _post_in(canonical.path, canonical.query, canonical.fragment)
    if found is None:
        return None
    handle, post_id = found
    return PostRef(network[0], post_id, handle, url, network[1])


def post_refs(text: str, urls: tuple[str, ...]) -> tuple[PostRef, ...]:
    """Every post ``text`` points at: its URLs' (in order), then any further address of a
    network's post the text holds in a form X does not link (a bare host with a TLD X does
    not know, an address glued to a word or nested in another URL's query)."""
    refs = [ref for url in urls if (ref := post_ref(url)) is not None]
    known = {(r.network_kind, r.post_id) for r in refs}
    for ref in _read_refs(text):
        if (ref.network_kind, ref.post_id) not in known:
            known.add((ref.network_kind, ref.post_id))
            refs.append(ref)
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


def _post_in(path: str, query: str, fragment: str) -> tuple[str | None, str | None] | None:
    """(handle, post id) named by a network URL's parts; None when it names no post.
    The id is None when the URL names a post but not clearly which."""
    candidates = [path]
    if fragment.startswith(("!", "/")):  # the old #!/jack/status/20
        candidates.append(_path(fragment.lstrip("!")))
    for candidate in candidates:
        segments = [s for s in candidate.split("/") if s]
        for i, segment in enumerate(segments[:-1]):
            if segment.lower() in _STATUS_WORDS and (found := _post_id(segments[i + 1])):
                before = segments[i - 1] if i else ""
                handle = before if _HANDLE.fullmatch(before) and before.lower() not in (
                    "i", "web", "2", "1.1") else None
                return handle, found[0]
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key.lower() in _ID_PARAMS and (found := _post_id(value)):
            return None, found[0]
    return None


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
def _network_host_in_text() -> re.Pattern[str]:
    domains = sorted({d for t in (NETWORK_DOMAINS, MIRROR_DOMAINS) for ds in t.values()
                      for d in ds}, key=len, reverse=True)
    names = "|".join(re.escape(d) for d in domains)
    # A network's domain as a whole label run (a subdomain before it is fine), then what
    # a browser would take as the rest of the address, up to white space.
    return re.compile(
        rf"(?:(?<=\.)|(?<![a-z0-9\-]))(?P<host>{names})(?![a-z0-9\-])\.*"
        r"(?::[^/?#\s]*)?(?P<rest>[/?#]\S*)?",
        re.ASCII | re.IGNORECASE,
    )


def _read_refs(text: str) -> list[PostRef]:
    """Post references anywhere in ``text`` as a reader would take them: every network
    host, spelled any way (fullwidth, percent-encoded, with invisible characters), and
    what follows it."""
    reading = _decode(_plain(text)).replace("\\", "/")
    lowered = reading.lower()
    if not any(d in lowered for t in (NETWORK_DOMAINS, MIRROR_DOMAINS) for ds in t.values()
               for d in ds):
        return []
    refs = []
    for m in _network_host_in_text().finditer(reading):
        if not m["rest"]:
            continue
        network = network_of_host(m["host"].lower())
        assert network is not None  # the pattern holds only network hosts
        found = _split_rest(m["rest"])
        if found is not None:
            handle, post_id = found
            refs.append(PostRef(network[0], post_id, handle, m[0], network[1]))
    return refs


def _split_rest(rest: str) -> tuple[str | None, str | None] | None:
    path, _, fragment = rest.partition("#")
    path, _, query = path.partition("?")
    return _post_in(_path(path), query, fragment)
