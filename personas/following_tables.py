"""The follow-back sweeps' tables (their state, queue and records) and the account each
persona's state belongs to, kept apart from the outbox's so that posting does not pay to load
them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from personas.columns import utc_field, utcnow


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
    completed_at: datetime | None = utc_field(default=None)
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
    # they followed the persona when the sweep read them: following them is a follow-back
    follower: bool = False


class FollowRecord(SQLModel, table=True):
    """What we know of one follow by a persona: the rule "never re-follow" reads it."""

    __tablename__ = "follow_records"

    persona: str = Field(max_length=64, primary_key=True)
    handle: str = Field(max_length=64, primary_key=True)
    # following | pending | unfollowed (by the tool) | dropped (unfollowed by hand, or
    # blocked us: never followed again)
    state: str = Field(max_length=16)
    at: datetime = utc_field(default_factory=utcnow)


class StateAccount(SQLModel, table=True):
    """The account a persona's state belongs to, area by area (personas.state_accounts):
    follow records and sweeps, a community's requests and members, and how far a community
    has read a persona's messages and mentions. State keyed by a persona's name is only
    used for the account the persona names when it was made."""

    __tablename__ = "state_accounts"

    persona: str = Field(max_length=64, primary_key=True)
    area: str = Field(max_length=80, primary_key=True)  # follow | community | reads:READER
    network: str = Field(max_length=64)
    handle: str = Field(max_length=64)  # lower case, without @
    account_id: str | None = Field(default=None, max_length=64)  # the verified id, if any
    at: datetime = utc_field(default_factory=utcnow)
