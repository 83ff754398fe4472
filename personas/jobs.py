"""Periodic jobs the worker runs per persona, as configured in accounts.toml:

    [personas.you.jobs]
    metrics = "6h"

Each run is claimed in the database first (one conditional update), so several workers,
or a worker started by cron every minute, run a job once per interval between them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

# Light at import: the worker loads what a job needs when it runs it.
if TYPE_CHECKING:
    from personas.context import Context
    from router.policy import Persona


def _metrics(ctx: Context, persona: Persona) -> str:
    from personas import metrics

    [synced] = metrics.sync(ctx, [persona], days=7)
    return f"metrics of {synced.posts} posts, {synced.followers} followers"


def _follow(ctx: Context, persona: Persona) -> str:
    from personas import following

    # at most one window's follows a run, stopping rather than waiting at the rate limit:
    # the worker has items to send meanwhile, and the next run resumes the sweep
    report = following.sweep(ctx, persona.name).run(limit=FOLLOWS_PER_RUN)
    skipped = sum(report.skipped.values())
    state = "complete" if report.complete else "resumes next run"
    return f"followed {report.followed}, skipped {skipped}, {state}"


def _import(ctx: Context, persona: Persona) -> str:
    from personas import carry

    done = carry.run(ctx, persona.name)
    carried = sum(c.status == "carried" for c in done)
    waiting = len(done) - carried
    return f"carried {carried} posts in" + (f", {waiting} left to retry" if waiting else "")


FOLLOWS_PER_RUN = 50


def _community(ctx: Context, persona: Persona) -> str:
    from personas import community

    c = community.community(ctx, persona.name, notify=ctx.notify)
    report = c.sync()
    for notice in report.notices:
        ctx.notify(notice)
    reminded = c.remind()
    done = (f"{len(report.new_requests)} new requests, {len(report.introductions)} "
            f"introductions, {len(report.confirmed)} confirmed, {len(reminded)} reminded")
    failure = report.failure()
    if failure:  # what was read is kept; the run is a failure all the same
        failure.message = f"{failure.message} ({done})"
        raise failure
    return done


# name (one of personas.config.JOB_NAMES, which accounts.toml is checked against) -> what it does
JOBS: dict[str, Callable[[Context, Persona], str]] = {"metrics": _metrics, "follow": _follow,
                                                      "community": _community, "import": _import}


def due(ctx: Context, now: datetime | None = None) -> list[tuple[Persona, str, timedelta]]:
    """The configured jobs whose interval has passed since they last ran."""
    from sqlmodel import select

    from personas import db
    from personas.job_tables import JobRun

    now = now or datetime.now(UTC)
    wanted = [(ctx.persona(name), job, every)
              for name, jobs in ctx.config.jobs.items() for job, every in jobs.items()]
    if not wanted:
        return []
    with db.session() as s:
        last = {(r.persona, r.job): r.last_run_at for r in s.exec(select(JobRun))}
    return [(p, job, every) for p, job, every in wanted
            if last.get((p.name, job)) is None or last[(p.name, job)] <= now - every]


def claim(persona: str, job: str, every: timedelta, now: datetime | None = None) -> bool:
    """Take this run of the job; False when another worker took it first."""
    from sqlalchemy import or_, update
    from sqlalchemy.dialects import postgresql, sqlite

    from personas import db
    from personas.job_tables import JobRun

    now = now or datetime.now(UTC)
    engine = db.engine()
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    with engine.begin() as conn:
        conn.execute(dialect.insert(JobRun.__table__)  # type: ignore[attr-defined]
                     .values(persona=persona, job=job, last_run_at=None)
                     .on_conflict_do_nothing())
        taken = conn.execute(
            update(JobRun.__table__)  # type: ignore[attr-defined]
            .where(JobRun.persona == persona, JobRun.job == job,
                   or_(JobRun.last_run_at.is_(None),  # type: ignore[union-attr]
                       JobRun.last_run_at <= now - every))
            .values(last_run_at=now))
    return taken.rowcount == 1


def run(ctx: Context, persona: Persona, job: str) -> str:
    """Run one job and remember how it went."""
    try:
        result = JOBS[job](ctx, persona)
    except Exception as e:
        result = f"failed: {getattr(e, 'message', None) or e}"
        _remember(persona.name, job, result)
        raise
    _remember(persona.name, job, result)
    return result


def _remember(persona: str, job: str, result: str) -> None:
    from sqlalchemy import update

    from personas import db
    from personas.job_tables import JobRun

    with db.engine().begin() as conn:
        conn.execute(update(JobRun.__table__)  # type: ignore[attr-defined]
                     .where(JobRun.persona == persona, JobRun.job == job)
                     .values(last_result=result[:500]))
