"""Invariant 1 for carrying posts in, attacked with random configurations and posts:
nothing from a private persona reaches a public one, whatever accounts.toml says."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from personas.carry import Candidate, plan
from personas.config import ImportSettings, parse
from personas.errors import ConfigError
from router.policy import VISIBILITY, Persona, Traits

NAMES = ["a", "b", "c", "d"]
POLICIES = ["content-only", "auto-follow", "private-community"]


@st.composite
def configs(draw) -> tuple[str, dict[str, dict[str, object]]]:
    """accounts.toml text for 1-4 personas with random policies, visibility overrides,
    networks and import_from lists (private sources included on purpose)."""
    count = draw(st.integers(1, 4))
    names = NAMES[:count]
    lines = ['[networks.one]\nkind = "sandbox"\n', '[networks.two]\nkind = "sandbox"\n']
    drawn: dict[str, dict[str, object]] = {}
    for name in names:
        policy = draw(st.sampled_from(POLICIES))
        visibility = draw(st.sampled_from([None, "public", "private"]))
        network = draw(st.sampled_from(["one", "one", "one", "two"]))
        others = [n for n in names if n != name] or names  # self-imports only now and then
        sources = draw(st.lists(st.sampled_from(others), max_size=3, unique=True))
        drawn[name] = {"visibility": visibility, "import_from": sources}
        lines.append(f'[personas.{name}]\nnetwork = "{network}"\nhandle = "h_{name}"\n'
                     f'policy = "{policy}"\n')
        if visibility:
            lines.append(f'visibility = "{visibility}"\n')
        if sources:
            lines.append(f"import_from = {sources!r}\n".replace("'", '"'))
    return "\n".join(lines), drawn


posts = st.lists(st.builds(
    Candidate,
    post_id=st.from_regex(r"\A[1-9][0-9]{0,3}\Z"),
    source=st.sampled_from(NAMES + ["stranger"]),
    kind=st.sampled_from(["original", "link", "quote", "reply", "repost"]),
    created_at=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 1),
                            timezones=st.just(UTC)),
    likes=st.one_of(st.none(), st.integers(0, 50)),
    reposts=st.one_of(st.none(), st.integers(0, 10)),
    starred=st.booleans(),
), max_size=12)


@settings(max_examples=300, deadline=None)
@given(configs(), posts, st.integers(0, 20), st.integers(0, 5), st.sets(st.from_regex(
    r"\A[1-9][0-9]{0,3}\Z"), max_size=4))
def test_nothing_private_is_ever_carried_into_a_public_persona(drawn, candidates, likes,
                                                             reposts, already):
    text, _ = drawn
    try:
        config = parse(text, None)
    except ConfigError as e:
        # refused at load: then it asked for something invariant 1 or the network forbids
        assert "import_from" in e.message or "visibility" in e.message, e.message
        return
    personas = {p.name: p for p in config.personas}
    for p in config.personas:  # what load accepts never has a public persona importing private
        for source in p.traits.import_from:
            assert not (personas[source].private and not p.private)
    rules = ImportSettings(min_likes=likes, min_reposts=reposts)
    for dest in config.personas:
        carries = plan(dest, personas, candidates, already, rules)
        if not dest.private:
            assert carries == []
        for c in carries:
            source = personas[c.post.source]
            assert dest.private
            assert source.name in dest.traits.import_from and source.network == dest.network
            assert c.post.kind in ("original", "link", "quote")
            assert c.post.post_id not in already
            assert c.how in ("repost", "quote")
        assert len({c.post.post_id for c in carries}) == len(carries)  # each post once


@settings(max_examples=200, deadline=None)
@given(configs())
def test_a_config_asking_a_public_persona_to_import_private_posts_is_refused(drawn):
    text, _ = drawn
    try:
        config = parse(text, None)
    except ConfigError:
        return
    by_name = {p.name: p for p in config.personas}
    assert not any(by_name[s].private and not p.private
                   for p in config.personas for s in p.traits.import_from)


@st.composite
def any_personas(draw) -> dict[str, Persona]:
    """Personas as no configuration would allow: public ones importing from private ones,
    on the same network, so the plan's own guard is what stands."""
    out = {}
    for name in NAMES:
        sources = tuple(draw(st.lists(st.sampled_from(NAMES), max_size=4, unique=True)))
        out[name] = Persona(name=name, network="one", network_kind="sandbox", handle=name,
                            traits=Traits(visibility=draw(st.sampled_from(VISIBILITY)),
                                          import_from=sources))
    return out


@settings(max_examples=300, deadline=None)
@given(any_personas(), posts)
def test_the_plan_alone_never_carries_into_a_public_persona(personas, candidates):
    rules = ImportSettings(min_likes=1, min_reposts=1)
    for dest in personas.values():
        carries = plan(dest, personas, candidates, set(), rules)
        assert dest.private or carries == []
        assert all(c.post.source in dest.traits.import_from for c in carries)
