"""The tables of metrics snapshots and follower counts, kept apart from the outbox's so
that posting does not pay to load them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from personas.columns import utc_field, utcnow


class MetricSnapshot(SQLModel, table=True):
    """A post's public metrics as the network reported them at one time.

    A metric the network does not give is None, not 0.
    """

    __tablename__ = "metric_snapshots"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field(default_factory=utcnow, index=True)
    persona: str = Field(max_length=64, index=True)
    network: str = Field(max_length=64)
    remote_id: str = Field(max_length=64, index=True)
    item_id: int | None = Field(default=None)
    kind: str | None = Field(default=None, max_length=16)
    posted_at: datetime | None = utc_field(default=None)
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    impressions: int | None = None


class FollowerCount(SQLModel, table=True):
    """How many followed a persona (and how many it followed) at one time."""

    __tablename__ = "follower_counts"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field(default_factory=utcnow, index=True)
    persona: str = Field(max_length=64, index=True)
    network: str = Field(max_length=64)
    followers: int
    following: int | None = None
