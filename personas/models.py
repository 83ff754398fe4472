"""The tables: the outbox (`items`) and the activity log (`events`).

Times are aware UTC datetimes in Python, stored as UTC on every database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from personas.activity import BY_KIND


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A UTC timestamp: stored without a zone (SQLite has none), read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC time")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _when(**kwargs: object) -> object:
    return Field(sa_type=UTCDateTime, **kwargs)  # type: ignore[arg-type]


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
    text: str = Field(default="", sa_type=Text)
    target: str | None = Field(default=None, max_length=64)  # replied to, quoted, reposted
    reason: str = Field(default="", sa_type=Text)  # why the router chose this persona
    status: str = Field(default=Status.QUEUED, max_length=16, index=True)
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)
    scheduled_at: datetime | None = _when(default=None)
    next_attempt_at: datetime | None = _when(default=None)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = _when(default=None)
    remote_id: str | None = Field(default=None, max_length=64)
    url: str | None = Field(default=None, sa_type=Text)
    sent_at: datetime | None = _when(default=None)
    # images to attach, as JSON [{"path", "alt"}]: uploaded when the item is sent
    media: str | None = Field(default=None, sa_type=Text)


class Event(SQLModel, table=True):
    """One thing a persona did (posted, replied, followed, ...): the activity log."""

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when(default_factory=utcnow, index=True)
    persona: str = Field(max_length=64, index=True)
    action: str = Field(max_length=32)
    kind: str | None = Field(default=None, max_length=16)
    subject: str | None = Field(default=None, max_length=255)
    item_id: int | None = Field(default=None, index=True)
    remote_id: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, sa_type=Text)  # JSON


# What each item kind is called in the activity log once it is out (personas.activity
# holds every action's name).
ACTIONS = BY_KIND


class MetricSnapshot(SQLModel, table=True):
    """A post's public metrics as the network reported them at one time.

    A metric the network does not give is None, not 0.
    """

    __tablename__ = "metric_snapshots"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when(default_factory=utcnow, index=True)
    persona: str = Field(max_length=64, index=True)
    network: str = Field(max_length=64)
    remote_id: str = Field(max_length=64, index=True)
    item_id: int | None = Field(default=None)
    kind: str | None = Field(default=None, max_length=16)
    posted_at: datetime | None = _when(default=None)
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    impressions: int | None = None


class FollowerCount(SQLModel, table=True):
    """How many followed a persona (and how many it followed) at one time."""

    __tablename__ = "follower_counts"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when(default_factory=utcnow, index=True)
    persona: str = Field(max_length=64, index=True)
    network: str = Field(max_length=64)
    followers: int
    following: int | None = None


class VerifiedAccount(SQLModel, table=True):
    """The remote account id a persona's credentials were checked to belong to, at login.

    Before each send the id in the credentials is compared with it, so credentials swapped
    behind persona's back never post to the wrong account.
    """

    __tablename__ = "verified_accounts"

    persona: str = Field(max_length=64, primary_key=True)
    network: str = Field(max_length=64)
    handle: str = Field(max_length=64)
    account_id: str = Field(max_length=64)
    verified_at: datetime = _when(default_factory=utcnow)


class JobRun(SQLModel, table=True):
    """When a periodic job (metrics sync, follow sweep, ...) last ran for a persona, so
    workers, including one started by cron each minute, run it once per interval."""

    __tablename__ = "job_runs"

    persona: str = Field(max_length=64, primary_key=True)
    job: str = Field(max_length=32, primary_key=True)
    last_run_at: datetime | None = _when(default=None)
    last_result: str | None = Field(default=None, sa_type=Text)


# --- following: rate budgets, sweep state, what we know of follows, members ---------------


class RateBudget(SQLModel, table=True):
    """What is left of one endpoint's rate window for one persona, shared by every run."""

    __tablename__ = "rate_budgets"

    persona: str = Field(max_length=64, primary_key=True)
    endpoint: str = Field(max_length=32, primary_key=True)
    limit: int
    remaining: int
    reset_at: datetime = _when()
    learned: bool = False  # True once the network's own headers said so


class FollowSweep(SQLModel, table=True):
    """A persona's follow-back sweep: where the running one is, what the last one knew."""

    __tablename__ = "follow_sweeps"

    persona: str = Field(max_length=64, primary_key=True)
    phase: str = Field(default="idle", max_length=16)  # idle | reading | following
    full: bool = False
    cursor: str | None = Field(default=None, sa_type=Text)  # next followers page token
    # the newest follower handles of the last complete sweep (JSON list): a sweep reads
    # until it meets one of them
    known: str = Field(default="[]", sa_type=Text)
    head: str = Field(default="[]", sa_type=Text)  # the running sweep's newest handles
    followers_read: int = 0
    requests: int = 0
    completed_at: datetime | None = _when(default=None)
    # followers when the last sweep started; the difference now is how many new ones an
    # incremental sweep expects, and sizes its pages by (X charges per record read)
    audience: int | None = None
    expected: int | None = None


class FollowQueue(SQLModel, table=True):
    """Accounts a running sweep has found to consider, in order; survives a kill."""

    __tablename__ = "follow_queue"

    persona: str = Field(max_length=64, primary_key=True)
    handle: str = Field(max_length=64, primary_key=True)
    position: int
    action: str = Field(default="follow", max_length=16)  # follow | unfollow
    status: str = Field(default="todo", max_length=16)  # todo | done | skipped
    reason: str | None = Field(default=None, max_length=32)
    profile: str = Field(default="{}", sa_type=Text)  # JSON: what the spam signals need


class FollowRecord(SQLModel, table=True):
    """What we know of one follow by a persona: the rule "never re-follow" reads it."""

    __tablename__ = "follow_records"

    persona: str = Field(max_length=64, primary_key=True)
    handle: str = Field(max_length=64, primary_key=True)
    # following | pending | unfollowed (by the tool) | dropped (unfollowed by hand, or
    # blocked us: never followed again)
    state: str = Field(max_length=16)
    at: datetime = _when(default_factory=utcnow)


class CommunityMember(SQLModel, table=True):
    """Approved members of a private persona; the community feature fills it."""

    __tablename__ = "community_members"

    persona: str = Field(max_length=64, primary_key=True)
    handle: str = Field(max_length=64, primary_key=True)
    approved_at: datetime = _when(default_factory=utcnow)
