"""The worker: sends due items, persona by persona, until told to stop.

A crash can leave an item in `sending`; the worker reconciles every such item with the
network before it sends anything. SIGTERM and Ctrl-C stop it between items: the item in
flight finishes, nothing is left half-done.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from personas import outbox
from personas.context import Context
from personas.errors import (
    CredentialsRejected,
    Held,
    NetworkError,
    NotFound,
    RateLimited,
    StorageError,
)
from personas.models import OutboxItem

LOGIN_WAIT = 60  # seconds a persona whose credentials were rejected sits out


@dataclass
class Tally:
    sent: int = 0
    reconciled: int = 0
    failed: int = 0
    retrying: int = 0
    blocked: dict[str, float] = field(default_factory=dict)  # persona -> until (epoch)

    def to_json(self) -> dict[str, object]:
        return {"sent": self.sent, "reconciled": self.reconciled, "failed": self.failed,
                "retrying": self.retrying}


class Worker:
    def __init__(self, ctx: Context, *, log: Callable[[str], None] = print,
                 name: str | None = None) -> None:
        self.ctx, self.log = ctx, log
        self.name = name or outbox.worker_id()
        self.tally = Tally()
        self.stopping = threading.Event()
        self.held: set[int] = set()  # items said to be held (once each)

    def stop(self, *_: object) -> None:
        if not self.stopping.is_set():
            self.log("stopping after the item in flight")
        self.stopping.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run(self, *, once: bool = False, interval: float = 30.0) -> Tally:
        """Send what is due; with `once`, stop when nothing more is due now."""
        while not self.stopping.is_set():
            try:
                self.recover()
                busy = self.drain()
                self.run_jobs()
                self.seen()
            except Exception as e:
                if not _database_trouble(e):
                    raise
                # Whatever was in flight is settled by recover() once the database is back.
                self.log(f"database unavailable, waiting {interval:g}s: {_first_line(e)}")
                if once:
                    raise
                self.stopping.wait(interval)
                continue
            if once and not busy:
                break
            if not busy:
                self.stopping.wait(interval)
        return self.tally

    def recover(self) -> None:
        """Reconcile every item a dead worker left in `sending`, and hold the queued items
        of a persona whose account changed since they were stored."""
        for row in outbox.stale(me=self.name):
            try:
                persona = self.ctx.persona(row.persona)
                settled = outbox.reconcile(row, self.ctx.network_for(persona), persona)
            except NotFound as e:
                self.log(f"item {row.id}: {e.message}; left in sending")
                continue
            except Held as e:
                self.held.add(row.id)  # said here, once
                self.log(e.message)
                continue
            except NetworkError as e:
                self.log(f"item {row.id}: cannot reconcile yet ({e.message})")
                continue
            if settled.status == "sent":
                self.tally.reconciled += 1
                self.log(f"item {row.id}: found on the network after a crash, recorded "
                         f"({settled.url})")
            else:
                self.log(f"item {row.id}: not on the network after a crash, queued again")
        if outbox.hold_moved(list(self.ctx.config.personas)):
            for row in outbox.pending(statuses=("held",)):
                if row.id not in self.held:
                    self.held.add(row.id)
                    self.log(row.last_error or f"item {row.id} is held")

    def seen(self) -> None:
        """Record this pass, for `persona doctor` (one row per worker, written in place)."""
        from sqlalchemy.dialects import postgresql, sqlite

        from personas import db
        from personas.job_tables import WorkerRun

        now = datetime.now(UTC)
        engine = db.engine()
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(WorkerRun.__table__).values(  # type: ignore[attr-defined]
            worker=self.name, started_at=now, last_seen_at=now)
        with engine.begin() as conn:
            conn.execute(insert.on_conflict_do_update(index_elements=["worker"],
                                                      set_={"last_seen_at": now}))

    def run_jobs(self) -> None:
        """The periodic jobs configured per persona (metrics, ...) whose time has come."""
        from personas import jobs

        for persona, job, every in jobs.due(self.ctx):
            if self.stopping.is_set():
                return
            if not jobs.claim(persona.name, job, every):
                continue  # another worker has it
            try:
                self.log(f"{job} for {persona.name}: {jobs.run(self.ctx, persona, job)}")
            except Exception as e:
                if _database_trouble(e):
                    raise
                self.log(f"{job} for {persona.name} failed: {_first_line(e)}; next time in "
                         f"{every}")

    def drain(self) -> bool:
        """Send due items until none is left or we are stopped; True if any was handled."""
        handled = False
        while not self.stopping.is_set():
            now = time.time()
            blocked = {p for p, until in self.tally.blocked.items() if until > now}
            row = outbox.claim_next(self.name, blocked)
            if row is None:
                return handled
            handled = True
            self.send(row)
        return handled

    def send(self, row: OutboxItem) -> None:
        try:
            persona = self.ctx.persona(row.persona)
        except NotFound as e:
            outbox.fail(row, e.message)
            self.tally.failed += 1
            self.log(f"item {row.id}: {e.message}")
            return
        try:
            sent = outbox.send(row, self.ctx.network_for(persona), persona)
        except Held as e:
            self.held.add(row.id)
            self.log(e.message)
        except CredentialsRejected as e:
            # a login made meanwhile is read when the wait is over
            self.ctx.network_for(persona).forget(persona)
            self.tally.retrying += 1
            # the persona waits (a login may come meanwhile); the others go on
            self.tally.blocked[row.persona] = time.time() + LOGIN_WAIT
            self.log(f"item {row.id} -> {row.persona}: {e.message}; {row.persona} stops "
                     "sending, the others go on")
        except RateLimited as e:
            self.tally.retrying += 1
            self.tally.blocked[row.persona] = e.reset_at or time.time() + 60
            self.log(f"item {row.id} -> {row.persona}: {e.message}; {row.persona} waits until "
                     f"{_clock(self.tally.blocked[row.persona])}")
        except NetworkError as e:
            if row.status == "failed":
                self.tally.failed += 1
            else:
                self.tally.retrying += 1
            self.log(f"item {row.id} -> {row.persona}: {e.message} ({row.status})")
        else:
            self.tally.sent += 1
            self.log(f"item {row.id} -> {row.persona}: sent {sent.url}")


def _database_trouble(e: Exception) -> bool:
    return isinstance(e, StorageError) or type(e).__module__.startswith(
        ("sqlalchemy", "psycopg", "sqlite3"))


def _first_line(e: Exception) -> str:
    text = getattr(e, "message", None) or str(getattr(e, "orig", None) or e)
    return (text.strip().splitlines() or [type(e).__name__])[0]


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).astimezone().strftime("%H:%M:%S")
