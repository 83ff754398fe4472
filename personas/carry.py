"""Carrying the best posts of the public personas into the private one.

`[personas.we] import_from = ["me", "you"]` names whose posts are carried in. A post is
among the best when it reaches `[personas.we.import]`'s `min_likes` or `min_reposts`, or
is starred by hand (`persona star POST`). It is carried as a repost or a quote, never as an
identical copy (X's rules against posting the same text from several accounts), and once.

Nothing flows the other way (invariant 1): only a private persona carries posts in, the
configuration refuses a public persona importing from a private one, and every carry is
routed like any other item, so the router's own check stands behind both.

The plan (`plan`) is pure: what to carry, given the candidates. `run` reads the candidates
from the network, records each carry before storing the item that makes it, and sends it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from personas.activity import CARRY_KEY_PREFIX
from personas.config import ImportSettings
from personas.errors import BadInput, NetworkError, NotFound
from personas.networks.capabilities import Metrics, reading, require

if TYPE_CHECKING:
    from personas.context import Context
    from router.policy import Persona

CARRIED_KINDS = ("original", "link", "quote")  # replies and reposts are not one's own post


@dataclass(frozen=True)
class Candidate:
    """One post of a persona carried in from, with what decides whether it is the best."""

    post_id: str
    source: str  # the persona whose post it is
    kind: str
    created_at: datetime
    likes: int | None = None
    reposts: int | None = None
    starred: bool = False


@dataclass(frozen=True)
class Carry:
    persona: str  # the private persona it goes to
    post: Candidate
    why: str
    how: str  # repost | quote
    # planned | carried | queued (sending failed; the worker retries) | failed | waiting
    # (stored by an earlier run that stopped: in the outbox for the worker)
    status: str = "planned"
    item_id: int | None = None
    url: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"persona": self.persona, "post_id": self.post.post_id,
                "source": self.post.source, "kind": self.post.kind, "why": self.why,
                "as": self.how, "status": self.status, "item_id": self.item_id,
                "url": self.url, "error": self.error}


def why_best(post: Candidate, settings: ImportSettings) -> str | None:
    """Why the post is among the best, or None when it is not."""
    if post.starred:
        return "starred"
    if settings.min_likes and (post.likes or 0) >= settings.min_likes:
        return f"{post.likes} likes >= {settings.min_likes}"
    if settings.min_reposts and (post.reposts or 0) >= settings.min_reposts:
        return f"{post.reposts} reposts >= {settings.min_reposts}"
    return None


def plan(dest: Persona, personas: dict[str, Persona], candidates: Iterable[Candidate],
         carried: set[str], settings: ImportSettings) -> list[Carry]:
    """What to carry into `dest`, oldest first: the best posts of its `import_from`
    personas not carried yet. Whatever the inputs, nothing from a private persona goes to
    a public one, and nothing goes to a public persona at all."""
    if not dest.private:
        return []
    out: dict[str, Carry] = {}
    for post in candidates:
        source = personas.get(post.source)
        if (source is None or source.name not in dest.traits.import_from
                or source.network != dest.network or post.kind not in CARRIED_KINDS
                or post.post_id in carried or post.post_id in out):
            continue
        if (why := why_best(post, settings)) is not None:
            out[post.post_id] = Carry(dest.name, post, why, settings.carry_as)
    return sorted(out.values(), key=lambda c: (c.post.created_at, c.post.post_id))


# --- reading the candidates, and carrying ---------------------------------------------------

def private_personas(ctx: Context, name: str | None) -> list[Persona]:
    """The personas posts are carried into: the one named, or every private one that has
    `import_from`."""
    if name is not None:
        persona = ctx.persona(name)
        if not persona.private:
            raise BadInput(f"persona {name!r} is public: posts are carried into a private "
                           "persona only; name one with policy = \"private-community\"")
        if not persona.traits.import_from:
            raise BadInput(f"persona {name!r} carries nothing in; add import_from = "
                           f'["me", "you"] to [personas.{name}]')
        return [persona]
    found = [p for p in ctx.config.personas if p.private and p.traits.import_from]
    if not found:
        raise BadInput("no private persona with import_from in the configuration; add "
                       'import_from = ["me", "you"] to your private persona')
    return found


def candidates(ctx: Context, dest: Persona, settings: ImportSettings,
               now: datetime | None = None) -> list[Candidate]:
    """The recent posts of `dest`'s sources, with their metrics, and every starred one."""
    from sqlmodel import select

    from personas import db
    from personas.carry_tables import Star

    now = now or datetime.now(UTC)
    since = now - timedelta(days=settings.days)
    found: dict[str, Candidate] = {}
    sources = [ctx.persona(n) for n in dest.traits.import_from]
    for source in sources:
        network = require(ctx.network_for(source), Metrics,
                          f"the {source.network!r} network of persona {source.name!r} cannot "
                          "give the metrics carrying picks posts by; leave it out of "
                          "import_from")
        for stats in network.post_metrics(source, since, limit=100):
            found[stats.id] = Candidate(stats.id, source.name, stats.kind, stats.created_at,
                                        stats.likes, stats.reposts)
    with db.session() as s:
        stars = list(s.exec(select(Star).where(
            Star.network == dest.network,
            Star.persona.in_([p.name for p in sources]))))  # type: ignore[attr-defined]
    for star in stars:
        if star.post_id in found:
            found[star.post_id] = replace(found[star.post_id], starred=True)
            continue
        source = ctx.persona(star.persona)
        try:
            post = reading(ctx.network_for(source)).get_post(source, star.post_id)
        except NotFound:
            ctx.notify(f"starred post {star.post_id} of {star.persona} is gone from the "
                       f"network; `persona star --remove {star.post_id}` forgets it")
            continue
        found[post.id] = Candidate(post.id, source.name, post.kind, post.created_at,
                                   starred=True)
    return list(found.values())


def carried(dest: str) -> set[str]:
    """The posts carried into `dest` already. One recorded without its item (a run that
    stopped in between) is not: the next run finishes it."""
    from sqlmodel import select

    from personas import db
    from personas.carry_tables import Carried

    with db.session() as s:
        return set(s.exec(select(Carried.post_id).where(
            Carried.persona == dest, Carried.item_id.is_not(None))))  # type: ignore[union-attr]


def run(ctx: Context, name: str | None = None, *, dry_run: bool = False,
        now: datetime | None = None) -> list[Carry]:
    """Carry the best posts in; with `dry_run`, only say what would be carried."""
    out: list[Carry] = []
    by_name = {p.name: p for p in ctx.config.personas}
    for dest in private_personas(ctx, name):
        settings = ctx.config.imports.get(dest.name, ImportSettings())
        planned = plan(dest, by_name, candidates(ctx, dest, settings, now),
                       carried(dest.name), settings)
        out.extend(planned if dry_run else (_carry(ctx, dest, c, settings) for c in planned))
    return out


def _carry(ctx: Context, dest: Persona, carry: Carry, settings: ImportSettings) -> Carry:
    """Route the repost or quote as the private persona, record the carry, store the item
    (its key names the carry, so a crash between the two is found again), and send it."""
    from personas import outbox, posting

    source = ctx.persona(carry.post.source)
    network = ctx.network_for(dest)
    if carry.how == "quote":
        words = settings.quote.format(handle=source.handle)
        text = f"{words} {network.post_url(source, carry.post.post_id)}".strip()
        routed = posting.route(ctx, text, as_=dest.name)
    else:
        routed = posting.route(ctx, "", as_=dest.name, repost_of=carry.post.post_id)
    if routed.decision.refused:
        return replace(carry, status="failed", error=routed.decision.reasons[dest.name])
    if routed.item.kind.value != carry.how:  # never a copy: a repost or a quote, or nothing
        return replace(carry, status="failed",
                       error=f"would go out as a {routed.item.kind.value}, not a {carry.how}")
    key = carry_key(dest.name, carry.post.post_id)
    existing = _remember(dest.name, carry, key)
    if existing is not None:  # an earlier run stored it and stopped: the outbox has it
        return replace(carry, status="waiting", item_id=existing)
    row, ready_at = outbox.store_claimed(routed.item, routed.decision, dest, key=key)
    _set_item(dest.name, carry.post.post_id, row.id)  # type: ignore[arg-type]
    try:
        row = outbox.send(row, network, dest, ready_at=ready_at)
    except NetworkError as e:
        status = "failed" if outbox.get(row.id).status == "failed" else "queued"  # type: ignore[arg-type]
        return replace(carry, status=status, item_id=row.id, error=e.message)
    return replace(carry, status="carried", item_id=row.id, url=row.url)


def carry_key(dest: str, post_id: str) -> str:
    """The outbox key of the item that carries `post_id` into `dest`: the same on every
    run, so a run that stopped after storing the item finds it (keys hold 64 characters)."""
    key = f"{CARRY_KEY_PREFIX}{dest}:{post_id}"
    if len(key) <= 64:
        return key
    import hashlib

    return CARRY_KEY_PREFIX + hashlib.sha256(f"{dest}:{post_id}".encode()).hexdigest()[:58]


def _remember(dest: str, carry: Carry, key: str) -> int | None:
    """Record the carry before its item exists. None: go on and store the item; an id: an
    earlier run already stored it (the row's item id was not written before a crash)."""
    from sqlmodel import select

    from personas import db
    from personas.carry_tables import Carried
    from personas.models import OutboxItem

    with db.session() as s:
        row = s.get(Carried, (dest, carry.post.post_id))
        if row is None:
            s.add(Carried(persona=dest, post_id=carry.post.post_id, source=carry.post.source,
                          carried_as=carry.how))
            s.commit()
            return None
        item = s.exec(select(OutboxItem.id).where(OutboxItem.key == key)).first()
    if item is None:
        return None
    _set_item(dest, carry.post.post_id, item)
    return item


def _set_item(dest: str, post_id: str, item_id: int) -> None:
    from personas import db
    from personas.carry_tables import Carried

    with db.session() as s:
        row = s.get(Carried, (dest, post_id))
        if row is not None:
            row.item_id = item_id
            s.add(row)
            s.commit()


# --- stars ------------------------------------------------------------------------------------

def star(ctx: Context, ref: str, *, remove: bool = False) -> tuple[str, str, bool]:
    """Star (or unstar) one of the carried-from personas' posts by id or URL: (persona,
    post id, changed)."""
    from personas import db
    from personas.carry_tables import Star
    from personas.posting import parse_post_ref

    sources = {n for p in ctx.config.personas if p.private for n in p.traits.import_from}
    if not sources:
        raise BadInput("no private persona carries posts in; add import_from = "
                       '["me", "you"] to your private persona first')
    personas = [ctx.persona(n) for n in sorted(sources)]
    post_id = parse_post_ref(ref, personas[0].network_kind)
    with db.session() as s:
        if remove:
            rows = [r for r in (s.get(Star, (p.network, post_id)) for p in personas) if r]
            for row in rows:
                s.delete(row)
            s.commit()
            return (rows[0].persona if rows else "", post_id, bool(rows))
    owner = _owner(ctx, personas, post_id)
    with db.session() as s:
        if s.get(Star, (owner.network, post_id)) is not None:
            return owner.name, post_id, False
        s.add(Star(network=owner.network, post_id=post_id, persona=owner.name))
        s.commit()
    return owner.name, post_id, True


def _owner(ctx: Context, personas: list[Persona], post_id: str) -> Persona:
    """The persona, among those carried from, whose post this is."""
    seen_by: list[str] = []
    for persona in personas:
        try:
            post = reading(ctx.network_for(persona)).get_post(persona, post_id)
        except NotFound:
            continue
        seen_by.append(post.author)
        owner = next((p for p in personas if p.network == persona.network
                      and p.handle.lower() == post.author.lower()), None)
        if owner is None:
            break
        if post.kind not in CARRIED_KINDS:
            raise BadInput(f"post {post_id} is a {post.kind}, not an own post of {owner.name}; "
                           "star the original")
        return owner
    if seen_by:
        names = ", ".join(f"{p.name} (@{p.handle})" for p in personas)
        raise BadInput(f"post {post_id} is by @{seen_by[0]}; only posts of {names} are "
                       "carried in: star one of theirs")
    raise NotFound(f"no post {post_id} that your personas can see; check the id or URL")


def stars() -> list[dict[str, object]]:
    from sqlmodel import select

    from personas import db
    from personas.carry_tables import Star

    with db.session() as s:
        rows = list(s.exec(select(Star).order_by(Star.starred_at)))  # type: ignore[arg-type]
    return [{"persona": r.persona, "network": r.network, "post_id": r.post_id,
             "starred_at": r.starred_at.isoformat()} for r in rows]
