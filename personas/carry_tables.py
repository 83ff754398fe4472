"""The tables of carrying posts into a private persona: posts starred by hand, and what
has been carried (each post once). Apart from the outbox's, so posting does not load them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from personas.columns import utc_field, utcnow


class Star(SQLModel, table=True):
    """A post marked by hand as among the best (`persona star POST`)."""

    __tablename__ = "stars"

    network: str = Field(max_length=64, primary_key=True)
    post_id: str = Field(max_length=64, primary_key=True)
    persona: str = Field(max_length=64)  # whose post it is
    starred_at: datetime = utc_field(default_factory=utcnow)


class Carried(SQLModel, table=True):
    """A post carried into a private persona: recorded before the repost or quote is
    stored, so each post is carried once, even across a crash."""

    __tablename__ = "carried_posts"

    persona: str = Field(max_length=64, primary_key=True)  # the private persona
    post_id: str = Field(max_length=64, primary_key=True)  # the carried post
    source: str = Field(max_length=64)  # the persona whose post it is
    carried_as: str = Field(max_length=16)  # repost | quote
    item_id: int | None = None  # the outbox item that carries it
    at: datetime = utc_field(default_factory=utcnow)
