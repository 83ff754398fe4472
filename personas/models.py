"""The tables: the outbox (`items`) and the activity log (`events`).

Times are naive UTC throughout the database; `personas.timefmt` shows them to people.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Status(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OutboxItem(SQLModel, table=True):
    __tablename__ = "items"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)  # idempotency key, sent to the network
    persona: str = Field(max_length=64, index=True)
    network: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    text: str = ""
    target: str | None = Field(default=None, max_length=64)  # replied to, quoted, reposted
    reason: str = ""  # why the router chose this persona
    status: str = Field(default=Status.QUEUED, max_length=16, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    scheduled_at: datetime | None = None
    next_attempt_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = None
    remote_id: str | None = Field(default=None, max_length=64)
    url: str | None = None
    sent_at: datetime | None = None


class Event(SQLModel, table=True):
    """One thing a persona did (posted, replied, followed, ...): the activity log."""

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    persona: str = Field(max_length=64, index=True)
    action: str = Field(max_length=32)
    kind: str | None = Field(default=None, max_length=16)
    subject: str | None = Field(default=None, max_length=255)
    item_id: int | None = Field(default=None, index=True)
    remote_id: str | None = Field(default=None, max_length=64)
    detail: str | None = None  # JSON


# What each item kind is called in the activity log once it is out.
ACTIONS = {"original": "posted", "link": "posted", "reply": "replied",
           "repost": "reposted", "quote": "quoted"}
