"""Route and post one item: text and flags in, a routed, stored and sent item out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from personas.context import Context
from personas.errors import BadInput, NotFound, PersonaError
from router.decide import Decision, UnknownPersona, decide
from router.items import Item, Kind, classify, post_link
from router.policy import Persona

MAX_TEXT_BYTES = 64 * 1024  # far above any network's limit; keeps huge input out early
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Routed:
    item: Item
    decision: Decision
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {**self.decision.to_json(), "weighted_length": self.decision.weighted_length,
                "warnings": list(self.warnings)}


def check_text(text: str, *, required: bool = True) -> str:
    """The text as it will be posted, or `BadInput` naming what is wrong with it."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise BadInput(f"text is {len(text.encode('utf-8', 'surrogatepass')):,} bytes; "
                       f"posts are short: keep it under 280 weighted characters")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise BadInput("text is not valid Unicode (lone surrogate); pass UTF-8 text")
    if m := _CONTROL.search(text):
        raise BadInput(f"text contains control character U+{ord(m.group()):04X} at position "
                       f"{m.start()}; remove it (newlines and tabs are fine)")
    text = text.strip()
    if required and not text:
        raise BadInput("text is empty; give the text to post, or - to read it from stdin")
    return text


def parse_post_ref(ref: str, network_kind: str) -> str:
    """A post id from an id or a post URL of the network."""
    ref = ref.strip()
    if re.fullmatch(r"\d{1,25}", ref):
        return ref
    link = post_link(ref, network_kind)
    if link is None:
        example = ("https://x.com/handle/status/123" if network_kind == "x"
                   else "https://sandbox.invalid/handle/status/123")
        raise BadInput(f"not a post id or post URL: {ref[:80]!r}; give digits or a URL like "
                       f"{example}")
    return link.post_id


def route(ctx: Context, text: str, *, as_: str | None = None, reply_to: str | None = None,
          repost_of: str | None = None) -> Routed:
    """Classify and route an item without storing or sending anything."""
    personas = ctx.config.personas
    if as_ is not None and as_ not in ctx.config.names():
        raise BadInput(str(UnknownPersona(as_, ctx.config.names())) + "; see `persona accounts`")
    candidates = [p for p in personas if as_ is None or p.name == as_]
    network_kind = candidates[0].network_kind
    target_ref = reply_to if reply_to is not None else repost_of
    target = parse_post_ref(target_ref, network_kind) if target_ref is not None else None
    text = check_text(text, required=repost_of is None)
    classified = classify(
        text, network_kind=network_kind,
        reply_to=target if reply_to is not None else None,
        repost_of=target if repost_of is not None else None,
    )
    item = classified.item
    if item.target is not None:
        private, seen_by = _target_privacy(ctx, candidates, item.target)
        if private:
            item = Item(item.kind, item.text, item.urls, item.target, private_source=True)
    decision = decide(item, personas, forced=as_)
    return Routed(item, decision, _warnings(ctx, item, decision))


def _target_privacy(ctx: Context, candidates: list[Persona], post_id: str) -> tuple[bool, list[str]]:
    """Is the target private, or seen only through a private persona? And who sees it."""
    from personas.errors import CredentialsRejected

    private_author = False
    seen_by: list[str] = []
    unchecked: CredentialsRejected | None = None
    for persona in ctx.config.personas:
        if persona.network_kind != candidates[0].network_kind:
            continue
        try:
            post = ctx.network_for(persona).get_post(persona, post_id)
        except NotFound:
            continue
        except CredentialsRejected as e:
            # A persona that cannot ask counts as not seeing the post: that can only make
            # the item look more private, never less.
            unchecked = unchecked or e
            continue
        seen_by.append(persona.name)
        private_author = private_author or post.author_private
    if not seen_by and unchecked is not None:
        raise unchecked
    if not seen_by:
        raise BadInput(f"no post {post_id} on the {candidates[0].network_kind} network that "
                       "your personas can see; check the id or URL")
    by_name = {p.name: p for p in ctx.config.personas}
    only_private = all(by_name[name].private for name in seen_by)
    return private_author or only_private, seen_by


def _warnings(ctx: Context, item: Item, decision: Decision) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class Posted:
    id: int
    persona: str
    network: str
    kind: str
    status: str
    remote_id: str | None
    url: str | None
    error: PersonaError | None = None

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "persona": self.persona, "network": self.network,
                "kind": self.kind, "status": self.status, "remote_id": self.remote_id,
                "url": self.url}


def post(ctx: Context, routed: Routed, *, worker: str = "cli",
         media: list[dict[str, str]] | None = None) -> Posted:
    """Store the routed item, then send it now. A network failure leaves it queued."""
    from personas import outbox
    from personas.errors import NetworkError

    persona = ctx.persona(routed.decision.persona)  # type: ignore[arg-type]
    claimed = outbox.enqueue(routed.item, routed.decision, persona, claim_for=worker,
                             media=media)
    error: PersonaError | None = None
    try:
        row = outbox.send(claimed, ctx.network_for(persona), persona)
    except NetworkError as e:
        error, row = e, claimed
    return Posted(row.id, row.persona, row.network, row.kind, row.status,  # type: ignore[arg-type]
                  row.remote_id, row.url, error)


__all__ = ["Kind", "Posted", "Routed", "check_text", "parse_post_ref", "post", "route"]
