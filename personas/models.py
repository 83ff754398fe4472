"""The tables every command may touch: the outbox (`items`), the activity log (`events`)
and the rate budgets. Each feature's tables are in a module of their own, which `personas.schema`
lists; none imports another.

Times are aware UTC datetimes in Python, stored as UTC on every database (`personas.columns`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text, text
from sqlmodel import Field, SQLModel

from personas.columns import utc_field, utcnow

__all__ = ["Event", "OutboxItem", "RateBudget", "Status", "StoredItem", "utcnow"]


class Status(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    # waits for `persona queue retarget` or `cancel`: its persona's network or account
    # changed after it was stored, and an item never goes anywhere but where it was routed
    HELD = "held"


# When an item is due, in the order the worker claims items: the expression the claim's
# index (ix_items_status_due, migration 0011) is built on, so every query that orders or
# filters by it must write it exactly so to be served by that index.
DUE_AT = "coalesce(scheduled_at, created_at)"


class OutboxItem(SQLModel, table=True):
    __tablename__ = "items"
    # Every query on items names a status, most a persona too. One index, not one per
    # column: each index is a page more in both of a post's commits (migration 0009).
    # The worker's claim walks queued items in the order they are due (migration 0011):
    # its cost does not grow with the queue. One remote post belongs to one item of an
    # account: recovery can never give a post to two items.
    __table_args__ = (Index("ix_items_status_persona", "status", "persona"),
                      Index("ix_items_status_due", "status", text(DUE_AT), "id"),
                      Index("ux_items_account_remote", "account", "remote_id", unique=True))

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)  # idempotency key, sent to the network
    persona: str = Field(max_length=64)
    network: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    text: str = Field(default="", sa_type=Text)
    target: str | None = Field(default=None, max_length=64)  # replied to, quoted, reposted
    reason: str = Field(default="", sa_type=Text)  # why the router chose this persona
    status: str = Field(default=Status.QUEUED, max_length=16)
    created_at: datetime = utc_field(default_factory=utcnow)
    updated_at: datetime = utc_field(default_factory=utcnow)
    scheduled_at: datetime | None = utc_field(default=None)
    next_attempt_at: datetime | None = utc_field(default=None)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = utc_field(default=None)
    remote_id: str | None = Field(default=None, max_length=64)
    url: str | None = Field(default=None, sa_type=Text)
    sent_at: datetime | None = utc_field(default=None)
    # images to attach, as JSON [{"path", "alt"}]: uploaded when the item is sent
    media: str | None = Field(default=None, sa_type=Text)
    # the account it was routed to (`personas.config.account_key`): it is sent there or
    # nowhere. NULL for items stored before accounts were recorded: they go to the current one.
    account: str | None = Field(default=None, sa_type=Text)
    # its last attempt failed in a way that may have reached the network (no answer, a 5xx):
    # before it is sent again, the network is searched for it
    unsure: bool = Field(default=False)


class StoredItem:
    """An outbox item as the outbox has just stored (or sent) it, through the database
    driver: OutboxItem's fields as plain attributes. A post reads a few dozen of them, and
    through the ORM's instrumented attributes that costs more than the SQL that stored
    them. Loaded items (the worker's, the queue's) are OutboxItem rows."""

    id: int
    key: str
    persona: str
    network: str
    kind: str
    text: str
    target: str | None
    reason: str
    status: str
    created_at: datetime
    updated_at: datetime
    scheduled_at: datetime | None
    next_attempt_at: datetime | None
    attempts: int
    last_error: str | None
    claimed_by: str | None
    claimed_at: datetime | None
    remote_id: str | None
    url: str | None
    sent_at: datetime | None
    media: str | None
    account: str | None
    unsure: bool

    def __init__(self, values: dict[str, object]) -> None:
        self.__dict__.update(values)

    def model_dump(self) -> dict[str, object]:
        """The fields, as OutboxItem.model_dump() gives them."""
        return dict(self.__dict__)


class Event(SQLModel, table=True):
    """One thing a persona did (posted, replied, followed, ...): the activity log."""

    __tablename__ = "events"
    # read by persona and time, or by time alone (an export of every persona), never by
    # item: each index is a page more in each post's commit (migrations 0009, 0010)
    __table_args__ = (Index("ix_events_persona_at", "persona", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field(default_factory=utcnow, index=True)
    persona: str = Field(max_length=64)
    action: str = Field(max_length=32)
    kind: str | None = Field(default=None, max_length=16)
    subject: str | None = Field(default=None, max_length=255)
    item_id: int | None = None
    remote_id: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, sa_type=Text)  # JSON


# --- the rate budget every network call shares (posting too) -------------------------------


class RateBudget(SQLModel, table=True):
    """What is left of one endpoint's rate window for one persona, shared by every run."""

    __tablename__ = "rate_budgets"

    persona: str = Field(max_length=64, primary_key=True)
    endpoint: str = Field(max_length=32, primary_key=True)
    limit: int
    remaining: int
    reset_at: datetime = utc_field()
    learned: bool = False  # True once the network's own headers said so

