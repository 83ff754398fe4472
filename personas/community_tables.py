"""The private community's tables: join requests, members, and how far each source has been
read. Follow-back sweeps read the members too (a member is followed back, never unfollowed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from personas.columns import utc_field, utcnow

PENDING, AWAITING, APPROVED, DENIED = "pending", "awaiting_acceptance", "approved", "denied"
STATUSES = (PENDING, AWAITING, APPROVED, DENIED)


class JoinRequest(SQLModel, table=True):
    """One person asking to join one private persona, however many sources report them.

    Approving is steps, each stamped when done, so a run that dies half-way resumes without
    repeating one: follow (`followed_at`), accept the request where the network can
    (`accepted_at`), the welcome message (`welcome_started_at` before it is sent,
    `welcomed_at` once it is)."""

    __tablename__ = "join_requests"

    persona: str = Field(max_length=64, primary_key=True)
    handle: str = Field(max_length=64, primary_key=True)  # lower case, without @
    shown: str = Field(max_length=64)  # as the network spells it
    account_id: str | None = Field(default=None, max_length=64)
    sources: str = Field(default="[]", sa_type=Text)  # JSON list: follow_request, dm:NAME, ...
    status: str = Field(default=PENDING, max_length=24)
    introduction: str | None = Field(default=None, sa_type=Text)  # private words
    introduced_at: datetime | None = utc_field(default=None)
    profile: str = Field(default="{}", sa_type=Text)  # JSON: the realness signals
    requested_at: datetime = utc_field(default_factory=utcnow)
    decided_at: datetime | None = utc_field(default=None)
    reason: str | None = Field(default=None, sa_type=Text)  # why denied
    blocked: bool = False
    followed_at: datetime | None = utc_field(default=None)
    accepted_at: datetime | None = utc_field(default=None)
    welcome_started_at: datetime | None = utc_field(default=None)
    welcomed_at: datetime | None = utc_field(default=None)


class CommunityCursor(SQLModel, table=True):
    """The newest message or mention of a persona (`persona`) that the community of a
    private persona (`reader`) has read: each private persona reads for itself."""

    __tablename__ = "community_cursors"

    reader: str = Field(max_length=64, primary_key=True)  # the private persona
    persona: str = Field(max_length=64, primary_key=True)  # whose inbox or mentions
    source: str = Field(max_length=16, primary_key=True)  # dm | mention
    last_id: str | None = Field(default=None, max_length=64)  # None: nothing read yet
    # the start of the first read's window (now - lookback): while nothing has been read,
    # later reads go back to it, so nothing that came after the first sync is skipped
    read_from: datetime | None = utc_field(default=None)


class CommunityMember(SQLModel, table=True):
    """Approved members of a private persona (personas.community fills it), with their
    introduction and when they were last reminded to give one."""

    __tablename__ = "community_members"

    persona: str = Field(max_length=64, primary_key=True)
    handle: str = Field(max_length=64, primary_key=True)
    approved_at: datetime = utc_field(default_factory=utcnow)
    introduction: str | None = Field(default=None, sa_type=Text)  # private words
    introduced_at: datetime | None = utc_field(default=None)
    reminded_at: datetime | None = utc_field(default=None)
    reminders: int = 0
