"""`persona sync metrics`: snapshots of public metrics and follower counts, kept over time.

Each sync appends rows; nothing is overwritten, so engagement and growth are series. A
report reads the latest snapshot of each post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from personas.context import Context
    from router.policy import Persona


@dataclass(frozen=True)
class Synced:
    persona: str
    posts: int
    followers: int
    following: int | None

    def to_json(self) -> dict[str, object]:
        return {"persona": self.persona, "posts": self.posts, "followers": self.followers,
                "following": self.following}


def sync(ctx: Context, personas: list[Persona], days: int) -> list[Synced]:
    """Fetch and store metrics of each persona's posts of the last `days` days."""
    return [_sync_one(ctx, persona, days) for persona in personas]


def _sync_one(ctx: Context, persona: Persona, days: int) -> Synced:
    from sqlalchemy import select

    from personas import db
    from personas.models import OutboxItem, Status, utcnow
    from personas.networks.capabilities import Metrics, require
    from personas.reports.tables import FollowerCount, MetricSnapshot

    connected = ctx.network_for(persona)
    network = require(connected, Metrics, f"the {connected.kind} network of persona "
                      f"{persona.name!r} cannot give metrics in this version; leave it out "
                      "with --persona")
    now = utcnow()
    posts = network.post_metrics(persona, now - timedelta(days=days), limit=1000)
    counts = network.account_counts(persona)
    with db.session() as s:
        ids = [p.id for p in posts]
        rows = s.execute(select(OutboxItem.remote_id, OutboxItem.id, OutboxItem.kind).where(
            OutboxItem.status == Status.SENT, OutboxItem.persona == persona.name,
            OutboxItem.remote_id.in_(ids))) if ids else []  # type: ignore[union-attr]
        # our own kind when we sent it: the network says "original" for a link
        items = {remote_id: (item_id, kind) for remote_id, item_id, kind in rows}
        for p in posts:
            item_id, kind = items.get(p.id, (None, p.kind))
            s.add(MetricSnapshot(
                at=now, persona=persona.name, network=persona.network, remote_id=p.id,
                item_id=item_id, kind=kind, posted_at=p.created_at, likes=p.likes,
                reposts=p.reposts, replies=p.replies, quotes=p.quotes,
                impressions=p.impressions))
        s.add(FollowerCount(at=now, persona=persona.name, network=persona.network,
                            followers=counts.followers, following=counts.following))
        s.commit()
    return Synced(persona.name, len(posts), counts.followers, counts.following)
