"""The tables of the worker's periodic jobs and of verified X accounts: apart from the
outbox's, so that `persona post` does not pay to load them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from personas.models import _when, utcnow


class JobRun(SQLModel, table=True):
    """When a periodic job (metrics sync, follow sweep, ...) last ran for a persona, so
    workers, including one started by cron each minute, run it once per interval."""

    __tablename__ = "job_runs"

    persona: str = Field(max_length=64, primary_key=True)
    job: str = Field(max_length=32, primary_key=True)
    last_run_at: datetime | None = _when(default=None)
    last_result: str | None = Field(default=None, sa_type=Text)


class WorkerRun(SQLModel, table=True):
    """When each worker (host:pid) started and last made a pass over the outbox and the
    jobs: `persona doctor` says whether one is running."""

    __tablename__ = "worker_runs"

    worker: str = Field(max_length=64, primary_key=True)
    started_at: datetime = _when(default_factory=utcnow)
    last_seen_at: datetime = _when(default_factory=utcnow)


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
