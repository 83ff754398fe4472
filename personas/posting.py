"""Route and post one item: text and flags in, a routed, stored and sent item out."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from personas.context import Context
from personas.errors import BadInput, Interrupted, NetworkError, NotFound, PersonaError
from router.decide import Decision, decide
from router.items import Item, Kind, classify, post_link
from router.policy import Persona
from router.urls import host_of

if TYPE_CHECKING:
    from personas.networks.base import RemotePost

MAX_TEXT_BYTES = 64 * 1024  # far above any network's limit; keeps huge input out early
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NEVER = re.compile("[\ufffe\ufeff\uffff]")  # invalid in any post, by X's rules
_SURROGATE = re.compile("[\ud800-\udfff]")
# Letters that draw nothing: Hangul fillers, the blank Braille pattern.
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")


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
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_TEXT_BYTES:
        raise BadInput(f"text is {_size(size)}; posts are short: keep it under 280 weighted "
                       "characters")
    if _SURROGATE.search(text):
        raise BadInput("text is not valid Unicode (lone surrogate); pass UTF-8 text")
    if m := _CONTROL.search(text):
        raise BadInput(f"text contains control character U+{ord(m.group()):04X} at position "
                       f"{m.start()}; remove it (newlines and tabs are fine)")
    if m := _NEVER.search(text):
        raise BadInput(f"text contains U+{ord(m.group()):04X}, which X never accepts, at "
                       f"position {m.start()}; remove it")
    text = text.strip()
    if required and not visible(text):
        raise BadInput("text is empty (or only invisible characters); give the text to post, "
                       "or - to read it from stdin")
    return text


def visible(text: str) -> bool:
    """Does the text show anything? Spaces, joiners, marks and blank glyphs do not."""
    return any(unicodedata.category(ch)[0] not in "ZCM" and ch not in _BLANK for ch in text)


def _size(size: int) -> str:
    return "more than 10 MB" if size > 10 * 1024 * 1024 else f"{size:,} bytes"


def parse_post_ref(ref: str, network_kind: str) -> str:
    """A post id from an id or a post URL of the network, in its one spelling (no leading
    zeros): an item's target is compared with what the network says."""
    ref = ref.strip()
    if re.fullmatch(r"[0-9]{1,25}", ref):
        return str(int(ref))
    link = post_link(ref, network_kind)
    if link is None:
        example = ("https://x.com/handle/status/123" if network_kind == "x"
                   else "https://sandbox.invalid/handle/status/123")
        raise BadInput(f"not a post id or post URL: {ref[:80]!r}; give digits or a URL like "
                       f"{example}")
    return str(int(link.post_id)) if link.post_id.isdigit() else link.post_id


def route(ctx: Context, text: str, *, as_: str | None = None, reply_to: str | None = None,
          repost_of: str | None = None) -> Routed:
    """Classify and route an item without storing or sending anything."""
    personas = ctx.config.personas
    # the network whose rules classify the item: the forced persona's, else the first's
    network_kind = (ctx.persona(as_) if as_ is not None else personas[0]).network_kind
    target_ref = reply_to if reply_to is not None else repost_of
    target = parse_post_ref(target_ref, network_kind) if target_ref is not None else None
    text = check_text(text, required=repost_of is None)
    item = classify(
        text, network_kind=network_kind,
        reply_to=target if reply_to is not None else None,
        repost_of=target if repost_of is not None else None,
        aliases=network_aliases(ctx),
    )
    seen: dict[str, RemotePost] = {}
    if (item.refs or item.links) and (why := _carries_private(ctx, network_kind, item, seen)):
        item = replace(item, private_source=True, private_why=why)
    decision = decide(item, personas, forced=as_)
    warnings: tuple[str, ...] = ()
    if item.kind is Kind.REPLY and not decision.refused and item.target in seen:
        warnings = _unseen_reply(ctx, ctx.persona(decision.persona), seen[item.target])  # type: ignore[arg-type]
    return Routed(item, decision, warnings)


def network_aliases(ctx: Context) -> dict[str, str]:
    """The hosts the configured networks are reached at (`api_base`, `upload_base`: a
    loopback front, a proxy), each an alias of its network's kind: an address there names a
    post as surely as the network's own, and may name a private one."""
    aliases: dict[str, str] = {}
    for network in ctx.config.networks.values():
        for key in ("api_base", "upload_base"):
            base = network.options.get(key)
            if isinstance(base, str) and (host := host_of(base)):
                aliases.setdefault(host, network.kind)
    return aliases


def _unseen_reply(ctx: Context, persona: Persona, post: RemotePost) -> tuple[str, ...]:
    """A reply from a private persona to someone who is not a member goes, but they cannot
    see it: say so."""
    if not persona.private:
        return ()
    author = post.author.lstrip("@").lower()
    ours = {p.handle.lower() for p in ctx.config.personas if p.network == persona.network}
    if author in ours:
        return ()
    from personas.following import members

    if author in {m.lower() for m in members(persona.name)}:
        return ()
    return (f"@{post.author} is not a member of {persona.name} (@{persona.handle}), so they "
            f"cannot see this reply; `persona community add {post.author}` starts their "
            "request",)


MAX_DEPTH = 3  # how far quotes of quotes (and reposts of them) are followed
MAX_POSTS_CHECKED = 20  # a post of 280 characters links a dozen at most; each is a look-up
_PRIVATE_POST = "the item carries private content"
_NETWORK_NAMES = {"x": "X", "sandbox": "the sandbox"}


def _carries_private(ctx: Context, network_kind: str, item: Item,
                     seen: dict[str, RemotePost]) -> str | None:
    """Why the item may carry private content, or None when it does not: a post it points
    at comes from, or shows, a private account's post; or it points at a post whose author
    cannot be checked, which may be private as well (fail closed). The posts of
    `network_kind` looked up are left in `seen`.

    The item's own network's posts (the target, then its post links) are looked up first,
    so a post that does not exist is named even when a later link would make the item
    private anyway."""
    named: dict[tuple[str, str], str | None] = {}
    for ref in item.refs:
        named[(network_kind, ref)] = None
    unclear = None
    joined: set[tuple[str, str]] = set()
    for link in item.links:
        if link.post_id is None:
            unclear = unclear or link
            continue
        key = (link.network_kind, link.post_id)
        if link.joined and key not in named:
            joined.add(key)
        if named.get(key) is None:
            named[key] = link.handle
    if len(named) > MAX_POSTS_CHECKED:
        raise BadInput(f"the text points at {len(named)} posts; at most {MAX_POSTS_CHECKED} "
                       "can be checked for private content: link fewer")
    ordered = sorted(named.items(), key=lambda kv: kv[0][0] != network_kind)
    for (kind, post_id), handle in ordered:
        personas = [p for p in ctx.config.personas if p.network_kind == kind]
        where = _NETWORK_NAMES.get(kind, kind)
        if (kind, post_id) in joined:
            # An address read only across a tab or line break: nothing links it, so it
            # counts when it names a post that exists and is private, and only then.
            if personas and (found := _look_up_everywhere(ctx, personas, post_id))[0] and (
                    _private(ctx, personas, found[0], found[1], MAX_DEPTH)):  # type: ignore[arg-type]
                return _PRIVATE_POST
            continue
        if not personas:
            return (f"cannot check whose post {post_id} on {where} is (no persona is on "
                    f"{where}), so it may be private")
        post, public = _look_up_everywhere(ctx, personas, post_id)
        if post is None:
            raise BadInput(f"no post {post_id} on the {kind} network that your personas "
                           "can see; check the id or URL")
        if kind == network_kind:
            seen[post_id] = post
        if handle and handle.lower() != post.author.lower():
            raise BadInput(f"post {post_id} is by @{post.author}, not @{handle}; check the URL")
        if _private(ctx, personas, post, public, MAX_DEPTH):
            return _PRIVATE_POST
    if unclear is not None:
        where = _NETWORK_NAMES.get(unclear.network_kind, unclear.network_kind)
        return (f"{_shown(unclear.url)} looks like a link to a post on {where}, but which "
                "post cannot be told, so it may be private")
    return None


def _shown(url: str) -> str:
    return repr(url) if len(url) <= 80 else repr(url[:77] + "...")


def _look_up_everywhere(ctx: Context, personas: list[Persona], post_id: str
                        ) -> tuple[RemotePost | None, bool]:
    """The post on each network of these personas (one, as a rule): a post id names no
    network, so where two networks of a kind both hold it, the more private reading wins:
    seen by a private persona only, or by a private author, on any of them."""
    if not _possible_id(post_id):
        return None, False
    found: tuple[RemotePost | None, bool] = (None, False)
    for network in dict.fromkeys(p.network for p in personas):
        post, public = _look_up(ctx, [p for p in personas if p.network == network], post_id)
        if post is None:
            continue
        if found[0] is None or post.author_private or not public:
            found = (post, public)
    return found


def _possible_id(post_id: str) -> bool:
    """Post ids are positive 64-bit integers on X and in the sandbox; larger ones name no
    post, and asking would only overflow."""
    return post_id.isdigit() and len(post_id) <= 19 and 0 < int(post_id) < 2**63


def _private(ctx: Context, personas: list[Persona], post: RemotePost, public: bool,
             depth: int) -> bool:
    if post.author_private or not public:
        return True
    for parent in (post.quote_of, post.repost_of):
        if parent is None:
            continue
        shown, shown_publicly = _look_up(ctx, personas, parent)
        # what a public post embeds but none of us can see is treated as private
        if shown is None or depth == 0 or _private(ctx, personas, shown, shown_publicly,
                                                   depth - 1):
            return True
    return False


def _look_up(ctx: Context, personas: list[Persona], post_id: str
             ) -> tuple[RemotePost | None, bool]:
    """The post, and whether a public persona sees it. Public personas are asked first, so
    the usual case costs one look-up; private ones only when no public one sees it."""
    from personas.errors import CredentialsRejected
    from personas.networks.capabilities import reading

    unchecked: CredentialsRejected | None = None
    for persona in sorted(personas, key=lambda p: p.private):
        try:
            network = reading(ctx.network_for(persona))
            return network.get_post(persona, post_id), not persona.private
        except NotFound:
            continue
        except CredentialsRejected as e:
            # A persona that cannot ask counts as not seeing the post: that can only make
            # the item look more private, never less.
            unchecked = unchecked or e
    if unchecked is not None:
        raise unchecked  # nobody could see it, and one of us could not even look
    return None, False


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
    scheduled_at: datetime | None = None
    behind: bool = False  # queued behind an item of the persona another process is sending

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "id": self.id, "persona": self.persona, "network": self.network,
            "kind": self.kind, "status": self.status, "remote_id": self.remote_id,
            "url": self.url}
        if self.scheduled_at is not None:
            data["scheduled_at"] = self.scheduled_at.isoformat()
        return data


def when_for(ctx: Context, persona_name: str, text: str) -> datetime:
    """The time `--at TEXT` means for this persona; "next" is its next free posting slot."""
    from personas.when import next_slot, parse_when

    if text.strip().lower() != "next":
        return parse_when(text)
    slots = ctx.config.slots.get(persona_name)
    if not slots:
        raise BadInput(f"persona {persona_name!r} has no posting slots; add slots = "
                       f'["09:00", "17:30"] to [personas.{persona_name}], or give a time')
    from personas import outbox

    taken = {r.scheduled_at for r in outbox.pending(persona_name) if r.scheduled_at}
    return next_slot(slots, taken)


def post(ctx: Context, routed: Routed, *, at: datetime | None = None,
         media: list[dict[str, str]] | None = None) -> Posted:
    """Store the routed item, then send it now (or leave it for the worker at `at`).
    A network failure leaves it queued. A success is recorded later: with the process's
    next transaction (the next post's store), and at the latest by anything that reads the
    database, `outbox.flush()` or exit. For a process that posts many, the only commit
    between two requests is the next item's own, which takes the last result with it."""
    import personas.outbox as outbox  # (SQLAlchemy: loaded only by the commands that store)

    persona = ctx.persona(routed.decision.persona)  # type: ignore[arg-type]
    network = ctx.network_for(persona)  # a network we cannot use refuses before storing
    if at is not None:
        row = outbox.enqueue(routed.item, routed.decision, persona, scheduled_at=at,
                             media=media)
        return Posted(row.id, row.persona, row.network, row.kind, row.status,  # type: ignore[arg-type]
                      None, None, scheduled_at=at)
    error: PersonaError | None = None
    # stored already claimed by this process: it sends what it stored. The result the last
    # post left held is committed with this store, before this item's request.
    settle_interrupted(ctx)
    claimed, ready_at = outbox.store_claimed(routed.item, routed.decision, persona, media=media)
    if claimed.status != "sending":  # another process is sending one of the persona's items
        return Posted(claimed.id, claimed.persona, claimed.network, claimed.kind,
                      claimed.status, None, None, behind=True)
    try:
        row = outbox.send(claimed, network, persona, ready_at=ready_at, record_later=True)
    except NetworkError as e:
        error, row = e, claimed
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted while item {claimed.id} was being sent to {persona.name}: it may "
            "have gone out. It stays in the outbox, and the next `persona post` or `persona "
            "worker` looks for it on the network before sending anything: recorded if it "
            "is there, sent once if not") from None
    return Posted(row.id, row.persona, row.network, row.kind, row.status,  # type: ignore[arg-type]
                  row.remote_id, row.url, error)


def settle_interrupted(ctx: Context) -> None:
    """Before a post goes out: items an earlier `persona post` or worker left `sending` when
    it was stopped (Ctrl-C, a kill) are looked for on the network and recorded, or queued
    again for the worker. One indexed read when there are none, which is nearly always."""
    from personas import outbox

    for row in outbox.stale():
        try:
            persona = ctx.persona(row.persona)
            settled = outbox.reconcile(row, ctx.network_for(persona), persona)
        except PersonaError as e:  # the worker tries again; this post goes on
            ctx.notify(f"item {row.id} left sending earlier is not settled yet: {e.message}")
            continue
        ctx.notify(f"item {row.id}, left sending earlier, " + (
            f"was found on the network and recorded ({settled.url})"
            if settled.status == "sent" else "was not on the network: queued for the worker"))


def edit(ctx: Context, item_id: int, *, text: str | None, at: str | None):  # type: ignore[no-untyped-def]
    """Change a waiting item's text or time. New text is routed again, as its persona:
    an edit cannot slip past the policy that accepted the original."""
    from personas import outbox

    row = outbox.get(item_id)
    if text is not None and row.unsure and row.status in ("queued", "failed"):
        # its last attempt may have gone out: new words now could post both texts
        persona = ctx.persona(row.persona)
        sent = outbox.settle_unsure(row, ctx.network_for(persona), persona)
        if sent is not None:
            raise BadInput(f"item {item_id} went out before its answer was lost ({sent.url}): "
                           "it is recorded as sent now and cannot be edited; post the new "
                           "words as a new item, or delete that post")
    if text is not None:
        if row.kind == "repost":
            raise BadInput(f"item {item_id} is a repost: it has no text to edit")
        reply_to = row.target if row.kind == "reply" else None
        routed = route(ctx, text, as_=row.persona, reply_to=reply_to)
        if routed.decision.refused:
            raise BadInput(f"refused, item {item_id} unchanged: {routed.decision.summary()}")
        changes = {"text": routed.item.text, "kind": routed.item.kind.value,
                   "target": routed.item.target, "reason": routed.decision.reasons[row.persona]}
    else:
        changes = {}
    if at is not None:
        changes["scheduled_at"] = when_for(ctx, row.persona, at)
    return outbox.edit(item_id, **changes)


def record_refusal(routed: Routed) -> None:
    """A post turned down by every persona asked is a `refused` event of each, with its
    reason and the item's kind (reports count them under `refusals`); never its words,
    which may be private."""
    from personas import activity, db

    with db.session() as s:
        for name, reason in routed.decision.reasons.items():
            activity.record(s, name, activity.REFUSED, kind=routed.item.kind.value,
                            detail={"reason": reason})
        s.commit()


__all__ = ["Kind", "Posted", "Routed", "check_text", "edit", "parse_post_ref", "post",
           "record_refusal", "route"]
