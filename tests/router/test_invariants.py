"""The privacy invariant of docs/architecture.md, attacked with random configurations and
items: nothing private flows to a public persona, and a decision always explains itself."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from router import Item, Kind, Persona, Traits, decide

kinds = st.sampled_from(list(Kind))
traits = st.builds(
    Traits,
    accepts=st.frozensets(kinds),
    links=st.sampled_from(["none", "own", "any"]),
    replies=st.booleans(),
    visibility=st.sampled_from(["public", "private"]),
    max_length=st.one_of(st.none(), st.integers(1, 400)),
)
domains = st.frozensets(st.sampled_from(["a.example.org", "b.example.org", "own.example"]),
                        max_size=2)


@st.composite
def personas(draw) -> list[Persona]:
    n = draw(st.integers(1, 5))
    return [Persona(name=f"p{i}", network="n", network_kind=draw(st.sampled_from(["x", "sandbox"])),
                    handle=f"h{i}", traits=draw(traits), own_domains=draw(domains))
            for i in range(n)]


urls = st.lists(st.sampled_from(["https://a.example.org/x", "https://own.example/p",
                                 "https://b.example.org", "https://x.com/u/status/1"]), max_size=3)


@st.composite
def items(draw) -> Item:
    kind = draw(kinds)
    chosen = tuple(draw(urls))
    words = draw(st.text(max_size=300))
    text = "" if kind is Kind.REPOST else " ".join([words, *chosen])
    target = draw(st.one_of(st.none(), st.from_regex(r"\A[0-9]{1,8}\Z")))
    return Item(kind, text, chosen, target, private_source=draw(st.booleans()))


@settings(max_examples=400, deadline=None)
@given(items(), personas(), st.booleans())
def test_private_content_never_routes_to_a_public_persona(item, config, force):
    forced = config[-1].name if force else None
    d = decide(item, config, forced=forced)
    if d.persona is not None:
        chosen = next(p for p in config if p.name == d.persona)
        if item.private_source:
            assert chosen.private, d
        assert item.kind in chosen.traits.accepts or item.kind is Kind.LINK
        assert chosen.traits.replies or item.kind is not Kind.REPLY
    # every persona asked has a reason, refused or not
    asked = [forced] if forced else [p.name for p in config]
    assert list(d.reasons) == asked and all(d.reasons.values())


@settings(max_examples=200, deadline=None)
@given(items(), personas())
def test_forcing_never_widens_what_a_policy_takes(item, config):
    free = {p.name: decide(item, [p]).persona for p in config}
    for p in config:
        forced = decide(item, config, forced=p.name)
        assert (forced.persona == p.name) == (free[p.name] == p.name)
