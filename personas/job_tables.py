"""The table of the worker's periodic jobs: apart from the outbox's, so that `persona post`
does not pay to load it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from personas.columns import utc_field, utcnow


class JobRun(SQLModel, table=True):
    """When a periodic job (metrics sync, follow sweep, ...) last ran for a persona, so
    workers, including one started by cron each minute, run it once per interval."""

    __tablename__ = "job_runs"

    persona: str = Field(max_length=64, primary_key=True)
    job: str = Field(max_length=32, primary_key=True)
    last_run_at: datetime | None = utc_field(default=None)
    last_result: str | None = Field(default=None, sa_type=Text)


class WorkerRun(SQLModel, table=True):
    """When each worker (host:pid) started and last made a pass over the outbox and the
    jobs: `persona doctor` says whether one is running."""

    __tablename__ = "worker_runs"

    worker: str = Field(max_length=64, primary_key=True)
    started_at: datetime = utc_field(default_factory=utcnow)
    last_seen_at: datetime = utc_field(default_factory=utcnow)

