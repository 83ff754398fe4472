"""The outbox: enqueue -> claim -> send -> record.

An item is committed, with its idempotency key, before any network call; the result is
committed after it. A claim is one conditional UPDATE, so two workers never send the same
item; the key makes a retry after a crash land once on networks that honour it.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, insert, update
from sqlalchemy import select as core_select
from sqlmodel import select

from personas import db
from personas.errors import Duplicate, NetworkError, RateLimited, RemoteRefused
from personas.models import ACTIONS, Event, OutboxItem, Status, utcnow
from personas.networks.base import Network, Sent
from router.decide import Decision
from router.items import Item
from router.policy import Persona

RETRY_AFTER = timedelta(minutes=1)
ITEMS, EVENTS = OutboxItem.__table__, Event.__table__  # type: ignore[attr-defined]
# Built once: a statement made per call costs more in SQLAlchemy than SQLite's commit.
_INSERT_ITEM, _INSERT_EVENT = insert(ITEMS), insert(EVENTS)
_UPDATE_ITEM = update(ITEMS).where(ITEMS.c.id == bindparam("item_id"))


def new_key() -> str:
    return uuid.uuid4().hex


def enqueue(item: Item, decision: Decision, persona: Persona, *,
            scheduled_at: datetime | None = None, key: str | None = None,
            claim_for: str | None = None,
            media: list[dict[str, str]] | None = None) -> OutboxItem:
    """Store an item; with `claim_for`, already claimed by that worker (one transaction
    instead of two: the creator sends what it stored, as `persona post` does)."""
    now = utcnow()
    row = OutboxItem(
        key=key or new_key(), persona=persona.name, network=persona.network,
        kind=item.kind.value, text=item.text, target=item.target,
        reason=decision.reasons[persona.name], scheduled_at=scheduled_at,
        created_at=now, updated_at=now, media=json.dumps(media) if media else None,
    )
    if claim_for is not None:
        row.status, row.claimed_by, row.claimed_at, row.attempts = (
            Status.SENDING, claim_for, now, 1)
    # Core statements, not the ORM unit of work: this runs once per post, and the ORM's
    # bookkeeping cost more than the SQL itself.
    with db.engine().begin() as conn:
        result = conn.execute(_INSERT_ITEM, row.model_dump(exclude={"id"}))
        row.id = result.inserted_primary_key[0]
    return row


def claim(item_id: int, worker: str) -> OutboxItem | None:
    """Move one queued item to `sending` for this worker; None if someone else has it."""
    now = utcnow()
    with db.engine().begin() as conn:
        result = conn.execute(
            update(ITEMS)
            .where(ITEMS.c.id == item_id, ITEMS.c.status == Status.QUEUED)
            .values(status=Status.SENDING, claimed_by=worker, claimed_at=now, updated_at=now,
                    attempts=ITEMS.c.attempts + 1)
        )
        if result.rowcount != 1:
            return None
        found = conn.execute(core_select(ITEMS).where(ITEMS.c.id == item_id)).mappings().one()
    return OutboxItem(**found)


def send(row: OutboxItem, network: Network, persona: Persona) -> OutboxItem:
    """Publish a claimed item and record the outcome; re-raises the network's error."""
    extra = {"media": json.loads(row.media)} if row.media else {}
    try:
        sent = network.publish(persona, kind=row.kind, text=row.text, target=row.target,
                               idempotency_key=row.key, **extra)
    except Duplicate as e:
        # A retried item the network calls a duplicate may be our own earlier attempt,
        # which landed before a crash or a lost answer: find it rather than fail the item.
        found = _earlier_attempt(row, network, persona)
        if found is None:
            _record_failure(row, e)
            raise
        sent = found
    except NetworkError as e:
        _record_failure(row, e)
        raise
    now = utcnow()
    done = {"status": Status.SENT, "remote_id": sent.remote_id, "url": sent.url,
            "sent_at": sent.created_at, "updated_at": now, "last_error": None}
    with db.engine().begin() as conn:
        conn.execute(_UPDATE_ITEM, {"item_id": row.id, **done})
        conn.execute(_INSERT_EVENT, {
            "at": now, "persona": row.persona, "action": ACTIONS[row.kind], "kind": row.kind,
            "subject": row.target, "item_id": row.id, "remote_id": sent.remote_id,
            "detail": None})
    for name, value in done.items():
        setattr(row, name, value)
    return row


def _earlier_attempt(row: OutboxItem, network: Network, persona: Persona) -> Sent | None:
    find_sent = getattr(network, "find_sent", None)
    if row.attempts <= 1 or find_sent is None or row.kind == "repost":
        return None
    try:
        return find_sent(persona, row.text)
    except NetworkError:
        return None


def _record_failure(row: OutboxItem, error: NetworkError) -> None:
    """A refusal for good fails the item; anything else leaves it queued for a retry."""
    with db.session() as s:
        stored = s.get(OutboxItem, row.id)
        assert stored is not None
        stored.last_error = error.message
        stored.updated_at = utcnow()
        if isinstance(error, RemoteRefused):
            stored.status = Status.FAILED
            stored.next_attempt_at = None
        else:
            stored.status = Status.QUEUED
            stored.next_attempt_at = _next_attempt(error)
        s.add(stored)
        s.commit()
        row.status, row.last_error = stored.status, stored.last_error


def _next_attempt(error: NetworkError) -> datetime:
    if isinstance(error, RateLimited) and error.reset_at is not None:
        return datetime.fromtimestamp(error.reset_at, UTC)
    return utcnow() + RETRY_AFTER


def pending(persona: str | None = None, statuses: tuple[str, ...] | None = None) -> list[OutboxItem]:
    """Items in the given states (default: not yet sent), oldest first."""
    wanted = statuses or (Status.QUEUED, Status.SENDING, Status.FAILED)
    with db.session() as s:
        query = select(OutboxItem).where(OutboxItem.status.in_(wanted))  # type: ignore[attr-defined]
        if persona:
            query = query.where(OutboxItem.persona == persona)
        return list(s.exec(query.order_by(OutboxItem.id)))
