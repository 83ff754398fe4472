"""Policies as sets of traits, the three named presets, and one persona's verdict on an item."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from router.items import Item, Kind, on_domains

LINKS = ("none", "own", "any")
VISIBILITY = ("public", "private")
AUTO_FOLLOW = ("off", "followers", "members")
MEMBERSHIP = ("open", "approval")
# What a post recommending people (#FollowFriday, a run of handles) is to a persona.
RECOMMENDATIONS = ("sharing", "original")

# X counts 280 weighted characters; the sandbox follows the same rules so that what works
# there works on X.
DEFAULT_MAX_LENGTH = {"x": 280, "sandbox": 280}


@dataclass(frozen=True)
class Traits:
    accepts: frozenset[Kind] = frozenset(Kind)
    links: str = "any"
    replies: bool = True
    visibility: str = "public"
    auto_follow: str = "off"
    membership: str = "open"
    require_introduction: bool = False
    import_from: tuple[str, ...] = ()
    max_length: int | None = None  # None: the network's own limit
    recommendations: str = "sharing"

    def override(self, **changes: object) -> Traits:
        return replace(self, **changes)  # type: ignore[arg-type]


TRAIT_NAMES = tuple(f.name for f in fields(Traits))

PRESETS: dict[str, Traits] = {
    # "me": pure original content, at most a link to one's own site; no public replies.
    "content-only": Traits(
        accepts=frozenset({Kind.ORIGINAL}),
        links="own",
        replies=False,
        visibility="public",
        auto_follow="off",
    ),
    # "you": other people's links, reposts and quotes; follows back everyone.
    "auto-follow": Traits(
        accepts=frozenset({Kind.LINK, Kind.REPOST, Kind.QUOTE}),
        links="any",
        replies=False,
        visibility="public",
        auto_follow="followers",
    ),
    # "we": the private community, where conversation and replies happen.
    "private-community": Traits(
        accepts=frozenset(Kind),
        links="any",
        replies=True,
        visibility="private",
        auto_follow="members",
        membership="approval",
        require_introduction=True,
    ),
}


@dataclass(frozen=True)
class Persona:
    name: str
    network: str
    network_kind: str
    handle: str
    traits: Traits
    own_domains: frozenset[str] = field(default_factory=frozenset)
    policy: str = "custom"
    # the account it posts as, on which service (personas.config.account_key): what an
    # outbox item is bound to when it is stored
    account: str = ""

    @property
    def private(self) -> bool:
        return self.traits.visibility == "private"

    @property
    def max_length(self) -> int:
        if self.traits.max_length is not None:
            return self.traits.max_length
        return DEFAULT_MAX_LENGTH.get(self.network_kind, 280)


@dataclass(frozen=True)
class Verdict:
    takes: bool
    reason: str


def _effective_kind(item: Item, persona: Persona) -> Kind:
    """A link whose URLs all lie on the persona's own domains is original content for it;
    so is a recommendation of people, for a persona whose `recommendations` say so."""
    if item.recommends and persona.traits.recommendations == "original":
        return Kind.ORIGINAL
    if (
        item.kind is Kind.LINK
        and item.urls
        and persona.own_domains
        and all(on_domains(u, persona.own_domains) for u in item.urls)
    ):
        return Kind.ORIGINAL
    return item.kind


def _names(kinds: frozenset[Kind]) -> str:
    return ", ".join(k.value for k in Kind if k in kinds) or "nothing"


def judge(item: Item, persona: Persona, weighted_length: int | None) -> Verdict:
    """Does this persona's policy take the item? Always with the reason why (not)."""
    if item.private_source and not persona.private:
        return Verdict(False, "public persona; "
                       + (item.private_why or "the item carries private content"))
    kind = _effective_kind(item, persona)
    if kind is Kind.REPLY and not persona.traits.replies:
        return Verdict(False, "no public replies")
    if kind not in persona.traits.accepts:
        if item.recommends and kind is Kind.ORIGINAL:
            return Verdict(False, f"takes {_names(persona.traits.accepts)}; its "
                           'recommendations = "original" make recommending people original '
                           "content")
        if item.recommends:
            return Verdict(False, f"takes {_names(persona.traits.accepts)}; recommending "
                           "people is sharing, not original content (recommendations = "
                           '"original" takes it as original)')
        if (item.kind is Kind.LINK and Kind.ORIGINAL in persona.traits.accepts
                and persona.traits.links != "any"):
            return Verdict(False, _link_refusal(persona))
        return Verdict(False, f"takes {_names(persona.traits.accepts)}, not {item.kind.value}")
    links = persona.traits.links
    if item.urls and links == "none" and item.kind is not Kind.QUOTE:
        return Verdict(False, "no links")
    if item.urls and links == "own" and kind is not Kind.ORIGINAL:
        return Verdict(False, _link_refusal(persona))
    if weighted_length is not None and weighted_length > persona.max_length:
        limit = persona.max_length
        return Verdict(False, f"too long: {weighted_length}/{limit} weighted characters")
    if item.recommends:
        if kind is Kind.ORIGINAL:
            return Verdict(True, "takes a recommendation of people as original content "
                           '(recommendations = "original")')
        return Verdict(True, f"takes {kind.value}: recommending people is sharing")
    if kind is Kind.ORIGINAL and item.kind is Kind.LINK:
        return Verdict(True, "original content with a link to its own domain")
    return Verdict(True, f"takes {kind.value}")


def _link_refusal(persona: Persona) -> str:
    if persona.traits.links == "own" and persona.own_domains:
        return "links only to its own domains (" + ", ".join(sorted(persona.own_domains)) + ")"
    if persona.traits.links == "own":
        return "links only to its own domains (none set: add own_domains)"
    return "no links"
