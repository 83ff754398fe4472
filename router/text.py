"""How X counts and links a post: twitter-text v3 weighted length and URL extraction.

A pure-Python port of the rules of X's twitter-text library (Apache-2.0), checked against
its conformance vectors in tests/data/twitter-text/:

- weighted length (config v3): the text is NFC-normalised; a code point weighs 100 in the
  cheap ranges (Latin and friends, general punctuation) and 200 elsewhere (CJK, emoji, ...);
  a URL weighs 23 characters however long it is; an emoji sequence (ZWJ family, skin tone,
  flag, keycap) weighs 200 in all. A post may weigh 280.
- URL extraction: ``http(s)://`` URLs, and bare domains whose TLD twitter-text knows.

twitter-text finds domains with one regex holding ~1,600 TLD alternatives, which takes
~30 ms to compile in Python. Here a small regex finds the labels and the TLD is looked up in
a set, replaying the big regex's backtracking order (see ``_DomainFinder``), so the
result is the same. Every regex is compiled on first use, and the `emoji` package (~35 ms to
import) only for text that can hold an emoji sequence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

MAX_WEIGHTED_LENGTH = 280

# twitter-text config v3 (tests/data/twitter-text/config-v3.json).
_SCALE = 100
_DEFAULT_WEIGHT = 200
_URL_WEIGHT = 23 * _SCALE
_WEIGHT_RANGES = ((0, 4351, 100), (8192, 8205, 100), (8208, 8223, 100), (8242, 8247, 100))
_CHEAP_END = chr(4351)  # the first range: text within it weighs 100 a code point

# Never valid in a post. (Directional formatting characters used to be; no longer.)
_INVALID_CHARS = frozenset("\ufffe\ufeff\uffff")

# Every multi-code-point emoji holds one of these: presentation selector, ZWJ, keycap, skin
# tone, regional indicator (flags), tag (subdivision flags). A lone code point weighs the
# same whether or not it is an emoji, so text without any of these needs no emoji parsing.
_EMOJI_SEQUENCE_MARKS = frozenset(
    "\ufe0f\u200d\u20e3"
    + "".join(map(chr, range(0x1F3FB, 0x1F400)))
    + "".join(map(chr, range(0x1F1E6, 0x1F200)))
    + "".join(map(chr, range(0xE0020, 0xE0080)))
)


def _lazy(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A regex compiled on first use, so importing this module stays cheap."""
    return cache(lambda: re.compile(pattern, flags))


# --- URL extraction patterns, after twitter-text's js/src/regexp/*.js ----------------------

# JavaScript's /i: without re.ASCII, Python's would also let "\u017f" match "s" and the
# Kelvin sign "k". The non-ASCII ranges in these patterns hold both cases already.
_ASCII_CASE = re.ASCII | re.IGNORECASE

_SPACES = r"\t-\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_DIRECTIONAL_MARKERS = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_PUNCT_BUT_DASHES = r"!'#%&()*+,./:;<=>?@\[\\\]^{|}~$"
_NOT_LABEL = _PUNCT_BUT_DASHES + _SPACES + r"\ufffe\ufeff\uffff" + _DIRECTIONAL_MARKERS
# Inside a subdomain label "_" and "-" are fine; a label neither begins nor ends with one.
_LABEL_CHAR = rf"[^{_NOT_LABEL}]"
_DOMAIN_CHAR = rf"[^{_NOT_LABEL}_\-]"
_LATIN_ACCENTS = (
    r"\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263"
    r"\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CYRILLIC = r"\u0400-\u04ff"
_PATH_CHAR = rf"[a-z{_CYRILLIC}0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{_LATIN_ACCENTS}]"
# Up to two levels of balanced parentheses: /wiki/Primer_(film), /S(dfd346)/, /a_(b_(c))/.
_PATH_PARENS = rf"\((?:{_PATH_CHAR}+|{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*)\)"
# A path does not end in punctuation, so "see example.com/a." leaves the period out.
_PATH_END = rf"(?:[+\-a-z{_CYRILLIC}0-9=_#/{_LATIN_ACCENTS}]|{_PATH_PARENS})"
_PATH_SEGMENT = rf"(?:{_PATH_CHAR}*(?:{_PATH_PARENS}{_PATH_CHAR}*)*{_PATH_END}|@{_PATH_CHAR}+/)"
_QUERY = r"\?[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-z0-9\-_&=#/]"

# Where a URL may start: after a character that is not a letter, digit, @, $ or # (no URL
# inside a word, mention, cashtag or hashtag), or at the start of the text.
_URL_START = _lazy(
    r"(?P<before>[^A-Za-z0-9@\uff20$#\uff03\ufffe\ufeff\uffff]|^)"
    rf"(?P<protocol>(?ai:https?://))?(?={_DOMAIN_CHAR})"
)
# As many labels ending in a dot as there are: the big regex's greedy `subdomain*`.
_SUBDOMAINS = _lazy(rf"(?:{_DOMAIN_CHAR}(?:{_LABEL_CHAR}*{_DOMAIN_CHAR})?\.)*")
_URL_TAIL = _lazy(rf"(?::[0-9]+)?(?P<path>/{_PATH_SEGMENT}*)?(?:{_QUERY})?", _ASCII_CASE)
# A t.co link is its slug and an optional query, nothing after.
_TCO_URL = _lazy(rf"https?://t\.co/(?P<slug>[a-z0-9]+)(?:{_QUERY})?", _ASCII_CASE)
_ASCII_LABELS = _lazy(rf"(?:[\-a-z0-9{_LATIN_ACCENTS}]+\.)+", _ASCII_CASE)
_PUNYCODE_TLD = _lazy(r"xn--[\-0-9a-z]+", _ASCII_CASE)
_TLD_FOLLOWERS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ@+-")
# JavaScript's punycode.toASCII, which twitter-text measures labels with, also splits here.
_IDEOGRAPHIC_DOTS = str.maketrans("\u3002\uff0e\uff61", "...")

_DEFAULT_PROTOCOL = "https://"
_MAX_URL_LENGTH = 4096
_MAX_LABEL_LENGTH = 63
_MAX_TCO_SLUG_LENGTH = 40


@cache
def _tlds() -> tuple[frozenset[str], frozenset[str], int]:
    # Imported on first use: text without a dot never needs the ~1,600 TLDs.
    from router import _tlds

    return _tlds.GENERIC_TLDS, _tlds.COUNTRY_TLDS, _tlds.MAX_TLD_LENGTH


# --- Weighted length ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedText:
    """twitter-text's ``parseTweet`` for a post text.

    ``valid_end``: how many code points of the text (as given, not normalised) fit within
    the limit, so ``text[:valid_end]`` is the part X would take; twitter-text's validRange.
    """

    weighted_length: int
    valid: bool
    permillage: int
    valid_end: int


def parse(text: str) -> ParsedText:
    """Weigh ``text`` as X does; ``valid``: 0 < weight <= 280 and no invalid character.

    Whitespace-only text is valid, as in twitter-text: its weighted length is positive.
    """
    normalized = unicodedata.normalize("NFC", text)
    urls = {start: end for _, start, end in extract_urls_with_indices(normalized)}
    emojis = _emoji_sequences(normalized)
    if not urls and not emojis and (not normalized or max(normalized) <= _CHEAP_END):
        # The usual post, counted at once: every code point weighs 100, and none is invalid
        # (those lie above U+10FF), so the loop below would come to the same.
        weighted = len(normalized)
        return ParsedText(
            weighted_length=weighted,
            valid=0 < weighted <= MAX_WEIGHTED_LENGTH,
            permillage=weighted * 1000 // MAX_WEIGHTED_LENGTH,
            valid_end=_to_original_index(min(weighted, MAX_WEIGHTED_LENGTH), text, normalized),
        )
    total = 0
    clean = True
    valid_end = 0
    i = 0
    while i < len(normalized):
        if i in urls:
            total, end = total + _URL_WEIGHT, urls[i]
        elif i in emojis:
            total, end = total + _DEFAULT_WEIGHT, emojis[i]
        else:
            total, end = total + _char_weight(normalized[i]), i + 1
        # Like twitter-text, check an entity's last character only: URLs and emoji cannot
        # hold an invalid character anyway.
        clean = clean and normalized[end - 1] not in _INVALID_CHARS
        if clean and total <= MAX_WEIGHTED_LENGTH * _SCALE:
            valid_end = end
        i = end
    weighted = total // _SCALE
    return ParsedText(
        weighted_length=weighted,
        valid=clean and 0 < weighted <= MAX_WEIGHTED_LENGTH,
        permillage=weighted * 1000 // MAX_WEIGHTED_LENGTH,
        valid_end=_to_original_index(valid_end, text, normalized),
    )


def weighted_length(text: str) -> int:
    """The length X counts against the 280 limit."""
    return parse(text).weighted_length


def is_valid_length(text: str) -> bool:
    """Whether X takes ``text`` as a post: not empty, within 280, no invalid character."""
    return parse(text).valid


def _char_weight(char: str) -> int:
    code = ord(char)
    for start, end, weight in _WEIGHT_RANGES:
        if start <= code <= end:
            return weight
    return _DEFAULT_WEIGHT


def _emoji_sequences(text: str) -> dict[int, int]:
    """Start -> end of each emoji made of several code points."""
    if _EMOJI_SEQUENCE_MARKS.isdisjoint(text):
        return {}
    import emoji  # deferred: ~35 ms to import

    return {
        found["match_start"]: found["match_end"]
        for found in emoji.emoji_list(text)
        if found["match_end"] - found["match_start"] > 1
    }


def _to_original_index(index: int, text: str, normalized: str) -> int:
    # twitter-text shifts the index by the length NFC removed: exact unless NFC changed the
    # text after that point, which is as good as an index can be made without an alignment.
    if index == 0:
        return 0
    return max(0, min(len(text), index + len(text) - len(normalized)))


# --- URL extraction -------------------------------------------------------------------------


def extract_urls(text: str) -> list[str]:
    """The URLs X would link in ``text``, in order."""
    return [url for url, _, _ in extract_urls_with_indices(text)]


def extract_urls_with_indices(text: str) -> list[tuple[str, int, int]]:
    """(url, start, end) of each URL X would link; ``start``/``end`` index code points."""
    if "." not in text:  # every URL has a domain with a dot
        return []
    urls: list[tuple[str, int, int]] = []
    domains = _DomainFinder(text)
    pos = 0
    while start := _URL_START().search(text, pos):
        domain_start = start.end()
        domain_end = domains.match(domain_start)
        if domain_end is None:
            pos = start.start() + 1  # as the regex would: try from the next position
            continue
        tail = _URL_TAIL().match(text, domain_end)
        pos = tail.end()
        protocol = start["protocol"] or ""
        url_start = domain_start - len(protocol)
        url = text[url_start:pos]
        domain = text[domain_start:domain_end]
        # twitter-text counts the protocol twice here (it is in `url` too); so do we.
        too_long = len(protocol or _DEFAULT_PROTOCOL) + len(url) > _MAX_URL_LENGTH
        if too_long or not _is_valid_domain(domain):
            continue
        if protocol:
            urls.extend(_url_with_protocol(url, url_start))
        elif not start["before"].endswith(("-", "_", ".", "/")):
            urls.extend(_urls_without_protocol(url, url_start, domain, bool(tail["path"])))
    return urls


def _url_with_protocol(url: str, start: int) -> list[tuple[str, int, int]]:
    tco = _TCO_URL().match(url)
    if tco is None:
        return [(url, start, start + len(url))]
    if len(tco["slug"]) > _MAX_TCO_SLUG_LENGTH:
        return []
    return [(tco[0], start, start + tco.end())]


def _urls_without_protocol(
    url: str, start: int, domain: str, has_path: bool
) -> list[tuple[str, int, int]]:
    """Only the ASCII-label domains of a bare domain link ("日本語example.com" links
    "example.com"); with a path, the last of them takes the path and query along."""
    found = [(domain[a:b], start + a, start + b) for a, b in _ascii_domains(domain)]
    if found and has_path:
        last, last_start, _ = found[-1]
        found[-1] = (last + url[len(domain) :], last_start, start + len(url))
    return found


class _DomainFinder:
    """Replays twitter-text's domain regex on one text, for starts in increasing order.

    The regex is ``subdomain* name tld``: greedy subdomains, a name label (no "_"), a TLD
    right after the name's dot. Failing, it backtracks a label at a time: the TLD is tried
    after the last dot first, then after each earlier one.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        # End of the last run of labels that held no domain. A later start inside it sees
        # the same labels, all but its first (maybe cut) one already refused: checking that
        # one alone keeps "a.a.a.…" or long CJK runs linear instead of quadratic.
        self.refused_until = 0

    def match(self, start: int) -> int | None:
        """End of the domain the regex matches at ``start``, if any."""
        text = self.text
        if start < self.refused_until:
            dot = text.index(".", start)
            return self._name_and_tld(start, dot)
        labels_end = _SUBDOMAINS().match(text, start).end()
        dot = labels_end - 1
        while dot > start:
            name_start = text.rfind(".", start, dot) + 1 or start
            if (end := self._name_and_tld(name_start, dot)) is not None:
                return end
            dot = name_start - 1
        self.refused_until = labels_end
        return None

    def _name_and_tld(self, name_start: int, dot: int) -> int | None:
        if self.text.find("_", name_start, dot) != -1:
            return None
        return _match_tld(self.text, dot + 1)


def _ascii_domains(domain: str) -> list[tuple[int, int]]:
    """Spans of twitter-text's ``validAsciiDomain`` matches in ``domain``, left to right:
    ASCII/Latin labels and a known TLD, backtracking like ``_DomainFinder``."""
    spans = []
    pos = 0
    while labels := _ASCII_LABELS().search(domain, pos):
        end = None
        dot = labels.end() - 1
        while end is None and dot >= labels.start():
            end = _match_tld(domain, dot + 1)
            dot = domain.rfind(".", labels.start(), dot)
        if end is None:
            # A later start inside these labels would try a subset of the same TLDs.
            pos = labels.end()
            continue
        spans.append((labels.start(), end))
        pos = end
    return spans


def _match_tld(text: str, start: int) -> int | None:
    """End of the TLD at ``start``, in the regex's order: the longest generic TLD, else the
    longest country TLD, else punycode. A known TLD must not run on into a letter, digit,
    "@", "+" or "-" ("foo.comm", "a.gov@b.com")."""
    generic, country, max_length = _tlds()
    for known in (generic, country):
        for end in range(min(len(text), start + max_length), start, -1):
            if text[start:end].lower() in known and (
                end == len(text) or text[end] not in _TLD_FOLLOWERS
            ):
                return end
    punycode = _PUNYCODE_TLD().match(text, start)
    return punycode.end() if punycode else None


def _is_valid_domain(domain: str) -> bool:
    """twitter-text's IDNA check: every label, punycode-encoded, is 1 to 63 characters."""
    if domain.startswith("xn--") and not _ascii_domains(domain):
        return False  # punycode is ASCII
    return all(1 <= _encoded_length(label) <= _MAX_LABEL_LENGTH for label in domain.split("."))


def _encoded_length(label: str) -> int:
    parts = label.translate(_IDEOGRAPHIC_DOTS).split(".")
    encoded = (len(p) if p.isascii() else len("xn--") + len(p.encode("punycode")) for p in parts)
    return sum(encoded) + len(parts) - 1


# --- URL validation -------------------------------------------------------------------------

# RFC 3986 appendix B as twitter-text has it: scheme, authority, path, query, fragment.
_URL_PARTS = _lazy(r"(?:([^:/?#]+)://)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?")
_UNRESERVED = rf"[a-z{_CYRILLIC}0-9\-._~]"
_PCT_ENCODED = r"%[0-9a-f]{2}"
_SUB_DELIMS = r"[!$&'()*+,;=]"
_PCHAR = rf"(?:{_UNRESERVED}|{_PCT_ENCODED}|{_SUB_DELIMS}|[:|@])"
_USERINFO = rf"(?:{_UNRESERVED}|{_PCT_ENCODED}|{_SUB_DELIMS}|:)*"
_DEC_OCTET = r"(?:[0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])"
_IPV4 = rf"{_DEC_OCTET}(?:\.{_DEC_OCTET}){{3}}"
_IPV6 = r"\[[a-f0-9:.]+\]"  # twitter-text checks no further
_ALNUM_OR_UNICODE = r"(?:[a-z0-9]|[^\x00-\x7f])"
_SUBDOMAIN = rf"{_ALNUM_OR_UNICODE}(?:(?:[a-z0-9_\-]|[^\x00-\x7f])*{_ALNUM_OR_UNICODE})?"
_DOMAIN = rf"{_ALNUM_OR_UNICODE}(?:(?:[a-z0-9\-]|[^\x00-\x7f])*{_ALNUM_OR_UNICODE})?"
_TLD = rf"(?:[a-z]|[^\x00-\x7f])(?:(?:[a-z0-9\-]|[^\x00-\x7f])*{_ALNUM_OR_UNICODE})?"
_HOST = rf"(?:{_IPV4}|{_IPV6}|(?:{_SUBDOMAIN}\.)*{_DOMAIN}\.{_TLD})"
_AUTHORITY = _lazy(rf"(?:{_USERINFO}@)?{_HOST}(?::[0-9]{{1,5}})?", _ASCII_CASE)
_PATH = _lazy(rf"(?:/{_PCHAR}*)*", _ASCII_CASE)
_QUERY_OR_FRAGMENT = _lazy(rf"(?:{_PCHAR}|/|\?)*", _ASCII_CASE)


def is_valid_url(url: str, *, require_protocol: bool = True) -> bool:
    """Whether ``url`` is, as a whole, an http(s) URL twitter-text deems valid (unicode
    domains allowed). With ``require_protocol=False`` the scheme is not checked at all."""
    parts = _URL_PARTS().fullmatch(url)
    if parts is None:
        return False
    scheme, authority, path, query, fragment = parts.groups()
    if require_protocol and (scheme is None or scheme.lower() not in ("http", "https")):
        return False
    return (
        _matches_whole(_PATH(), path)
        and (not query or _matches_whole(_QUERY_OR_FRAGMENT(), query))
        and (not fragment or _matches_whole(_QUERY_OR_FRAGMENT(), fragment))
        and _matches_whole(_AUTHORITY(), authority)
    )


def _matches_whole(pattern: re.Pattern[str], value: str) -> bool:
    # twitter-text takes a part when the regex's *first* match is all of it, which is
    # stricter than "some match is": a valid host followed by junk is refused.
    found = pattern.search(value)
    return found is not None and found[0] == value
