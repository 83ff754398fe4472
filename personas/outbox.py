"""The outbox: enqueue -> claim -> send -> record.

An item is committed, with its idempotency key, before any network call; the result is
committed after it. A claim is one conditional UPDATE, so two workers never send the same
item; the key makes a retry after a crash land once on networks that honour it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import select

from personas import activity, db
from personas.errors import NetworkError, RateLimited, RemoteRefused
from personas.models import ACTIONS, OutboxItem, Status, utcnow
from personas.networks.base import Network
from router.decide import Decision
from router.items import Item
from router.policy import Persona

RETRY_AFTER = timedelta(minutes=1)


def new_key() -> str:
    return uuid.uuid4().hex


def enqueue(item: Item, decision: Decision, persona: Persona, *,
            scheduled_at: datetime | None = None, key: str | None = None) -> OutboxItem:
    row = OutboxItem(
        key=key or new_key(), persona=persona.name, network=persona.network,
        kind=item.kind.value, text=item.text, target=item.target,
        reason=decision.reasons[persona.name], scheduled_at=scheduled_at,
    )
    with db.session() as s:
        s.add(row)
        s.commit()
        s.refresh(row)
    return row


def claim(item_id: int, worker: str) -> OutboxItem | None:
    """Move one queued item to `sending` for this worker; None if someone else has it."""
    now = utcnow()
    with db.session() as s:
        result = s.exec(  # type: ignore[call-overload]
            update(OutboxItem)
            .where(OutboxItem.id == item_id, OutboxItem.status == Status.QUEUED)
            .values(status=Status.SENDING, claimed_by=worker, claimed_at=now, updated_at=now,
                    attempts=OutboxItem.attempts + 1)
        )
        s.commit()
        if result.rowcount != 1:
            return None
        return s.get(OutboxItem, item_id)


def send(row: OutboxItem, network: Network, persona: Persona) -> OutboxItem:
    """Publish a claimed item and record the outcome; re-raises the network's error."""
    try:
        sent = network.publish(persona, kind=row.kind, text=row.text, target=row.target,
                               idempotency_key=row.key)
    except NetworkError as e:
        _record_failure(row, e)
        raise
    with db.session() as s:
        stored = s.get(OutboxItem, row.id)
        assert stored is not None
        stored.status = Status.SENT
        stored.remote_id, stored.url = sent.remote_id, sent.url
        stored.sent_at = sent.created_at
        stored.updated_at = utcnow()
        stored.last_error = None
        s.add(stored)
        activity.record(s, row.persona, ACTIONS[row.kind], kind=row.kind, subject=row.target,
                        item_id=row.id, remote_id=sent.remote_id)
        s.commit()
        s.refresh(stored)
        return stored


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
