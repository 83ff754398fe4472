"""The table of the accounts each persona's credentials were verified to belong to
(`personas.verified` reads and writes it): apart from the outbox's, so that routing and
posting to the sandbox do not pay to load it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from personas.columns import utc_field, utcnow


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
    verified_at: datetime = utc_field(default_factory=utcnow)
