"""The router's decisions on the me / you / we setup and on custom traits."""

from __future__ import annotations

import pytest

from router import PRESETS, Item, Kind, Persona, decide
from router.decide import UnknownPersona
from router.items import classify


def persona(name: str, policy: str, order_domains: tuple[str, ...] = (), **traits) -> Persona:
    return Persona(name=name, network="sandbox", network_kind="sandbox", handle=name,
                   traits=PRESETS[policy].override(**traits), own_domains=frozenset(order_domains),
                   policy=policy)


ME = persona("me", "content-only", ("jessestay.com",))
YOU = persona("you", "auto-follow")
WE = persona("we", "private-community")
MEYOUWE = [ME, YOU, WE]


def route(text: str = "", **flags) -> object:
    return decide(classify(text, network_kind="sandbox", **flags), MEYOUWE)


def test_original_content_goes_to_me_first_in_order():
    d = route("Thinking about what makes a community work.")
    assert d.kind is Kind.ORIGINAL and d.persona == "me"
    assert "also taken by we" in d.reasons["me"] and "config order" in d.reasons["me"]
    assert "me comes first in config order" in d.reasons["we"]
    assert d.reasons["you"] == "takes link, repost, quote, not original"


def test_a_link_to_someone_else_goes_to_you():
    d = route("Worth reading: https://other.example.org/essay")
    assert d.kind is Kind.LINK and d.persona == "you"
    assert d.reasons["me"].startswith("links only to its own domains (jessestay.com)")


def test_a_link_to_ones_own_blog_is_original_for_me():
    d = route("New on the blog: https://jessestay.com/2026/community")
    assert d.kind is Kind.LINK and d.persona == "me"
    assert d.reasons["me"].startswith("original content with a link to its own domain")


def test_subdomains_of_own_domains_count_as_own():
    d = route("https://blog.jessestay.com/x and more")
    assert d.persona == "me"


def test_mixed_own_and_foreign_links_are_not_original():
    d = route("https://jessestay.com/a vs https://other.example.org/b")
    assert d.persona == "you"


def test_a_reply_goes_to_the_community():
    d = route("Good point!", reply_to="1000000001")
    assert d.kind is Kind.REPLY and d.persona == "we"
    assert d.reasons["me"] == "no public replies" and d.reasons["you"] == "no public replies"


def test_a_repost_goes_to_you():
    d = route(repost_of="1000000001")
    assert d.kind is Kind.REPOST and d.persona == "you"


def test_a_post_link_with_text_is_a_quote():
    d = route("So true https://sandbox.invalid/someone/status/1000000007")
    assert d.kind is Kind.QUOTE and d.persona == "you"
    x = classify("So true https://x.com/jack/status/20", network_kind="x")
    assert x.kind is Kind.QUOTE and x.target == "20"


def test_a_post_link_alone_is_a_link_not_a_quote():
    d = route("https://sandbox.invalid/someone/status/1000000007")
    assert d.kind is Kind.LINK


def test_a_post_link_of_another_network_is_a_plain_link():
    item = classify("look https://x.com/jack/status/20", network_kind="sandbox")
    assert item.kind is Kind.LINK


def test_forcing_a_persona_still_applies_its_policy():
    item = classify("see https://other.example/x", network_kind="sandbox")
    d = decide(item, MEYOUWE, forced="me")
    assert d.refused and list(d.reasons) == ["me"]
    assert "links only to its own domains" in d.reasons["me"]
    ok = decide(classify("hello all", network_kind="sandbox"), MEYOUWE, forced="we")
    assert ok.persona == "we" and ok.reasons["we"].startswith("chosen with --as")


def test_forcing_an_unknown_persona_names_the_configured_ones():
    with pytest.raises(UnknownPersona, match="configured: me, you, we"):
        decide(Item(Kind.ORIGINAL, "hi"), MEYOUWE, forced="them")


def test_too_long_is_refused_with_the_measured_length():
    d = route("x" * 281)
    assert d.refused
    assert all(r == "too long: 281/280 weighted characters" for n, r in d.reasons.items()
               if n != "you")
    assert d.weighted_length == 281


def test_urls_count_as_23_toward_the_length():
    text = "a" * 256 + " https://jessestay.com/" + "p" * 200
    d = route(text)
    assert d.weighted_length == 256 + 1 + 23 and d.persona == "me"


def test_max_length_trait_overrides_the_network_limit():
    short = persona("short", "content-only", max_length=10)
    d = decide(Item(Kind.ORIGINAL, "eleven char"), [short])
    assert d.refused and d.reasons["short"] == "too long: 11/10 weighted characters"


def test_nobody_takes_it_gives_every_reason():
    d = decide(Item(Kind.REPLY, "hi", target="1"), [ME, YOU])
    assert d.refused and set(d.reasons) == {"me", "you"}
    assert "refused by every persona" in d.summary()


def test_private_source_never_goes_public():
    item = Item(Kind.REPOST, "", (), "5", private_source=True)
    d = decide(item, MEYOUWE)
    assert d.persona == "we"
    assert d.reasons["you"] == "public persona; the item carries private content"
    assert decide(item, [ME, YOU]).refused


def test_links_none_refuses_links_but_not_quotes():
    plain = persona("plain", "private-community", links="none")
    assert decide(classify("see https://a.example.org/", network_kind="sandbox"),
                  [plain]).refused
    quote = classify("ha https://sandbox.invalid/x/status/9", network_kind="sandbox")
    assert decide(quote, [plain]).persona == "plain"


def test_decision_json_shape():
    d = route("hello")
    assert d.to_json() == {"kind": "original", "persona": "me", "reasons": d.reasons}
