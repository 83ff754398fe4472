"""One rate budget for every network call: per persona and endpoint, in the database.

Before a call, `wait(endpoint)` says how long until the window has room (`ready_at`:
from when); `spend` counts the call; `learn` takes what the network said
(`x-rate-limit-*` headers) and `refused` what a 429 said. Windows are seeded with X's
documented limits (or the sandbox's configured ones) until the network's own headers are
seen. The rows live in the database, so separate runs (a sweep, the worker, `persona
post`) share one budget.

Beside its 15-minute window an endpoint can have 24-hour ones, known only from X's
`x-user-limit-24hour-*` and `x-app-limit-24hour-*` headers and kept as rows of their own
(`daily(endpoint, "24h")`, `daily(endpoint, "app-24h")`): a call waits until every window
of its endpoint has room.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from personas import db
from personas.clock import REAL, Clock

WINDOW = 15 * 60
DAY = 24 * 60 * 60
# X's documented per-user limits for 15 minutes (X API v2 rate limits, 2026).
X_LIMITS = {"create_post": 100, "delete_post": 50, "tweet_lookup": 900, "repost": 50,
            "me": 75, "user_lookup": 900, "follow": 50, "followers": 300, "following": 300,
            "mentions": 300, "user_posts": 900, "dm": 200, "media": 500, "incoming": 15,
            "dm_read": 15}


DAILY_WINDOWS = ("24h", "app-24h")  # the user's and the app's 24-hour limits

_READ = ('SELECT endpoint, "limit", remaining, reset_at FROM rate_budgets '
         "WHERE persona = :persona AND endpoint IN (:endpoint, :user_day, :app_day)")


def daily(endpoint: str, window: str) -> str:
    """The budget row of one of an endpoint's 24-hour windows ("24h": the user's,
    "app-24h": the app's)."""
    return f"{endpoint}/{window}"


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


@dataclass
class Window:
    limit: int
    remaining: int
    reset_at: float


class Budget:
    """The rate budget of one persona; `seeds` are the limits assumed before any header."""

    def __init__(self, persona: str, seeds: dict[str, int], clock: Clock = REAL) -> None:
        self.persona, self.seeds, self.clock = persona, seeds, clock

    def window(self, endpoint: str) -> Window | None:
        """The endpoint's current 15-minute window; None when it has no known limit."""
        return self.windows(endpoint).get(endpoint)

    def windows(self, endpoint: str, cursor: Any = None) -> dict[str, Window]:
        """The endpoint's current windows by row name: its 15-minute one (seeded when not
        known yet) and the 24-hour ones the network has reported. Read with `cursor` when
        given, a DBAPI cursor of a transaction already open (`db.raw()`)."""
        if cursor is None:
            with db.raw() as own:  # below SQLAlchemy: this runs before every post
                return self.windows(endpoint, own)
        cursor.execute(db.sql(_READ), {"persona": self.persona, "endpoint": endpoint,
                                       "user_day": daily(endpoint, "24h"),
                                       "app_day": daily(endpoint, "app-24h")})
        rows = {r[0]: r[1:] for r in cursor.fetchall()}
        now = self.clock.now()
        out = {}
        for name in (endpoint, *(daily(endpoint, w) for w in DAILY_WINDOWS)):
            row = rows.get(name)
            if row is not None:
                limit, remaining, reset_at = row[0], row[1], db.from_db(row[2]).timestamp()  # type: ignore[union-attr]
                if now < reset_at:
                    out[name] = Window(limit, remaining, reset_at)
                    continue
            limit = row[0] if row is not None else self.seeds.get(name)
            if limit is not None:
                length = WINDOW if name == endpoint else DAY
                out[name] = Window(limit, limit, now + length)
        return out

    def wait(self, endpoint: str) -> float:
        """Seconds until a call to `endpoint` fits in its window (0: now)."""
        return max(self.ready_at(endpoint) - self.clock.now(), 0.0)

    def ready_at(self, endpoint: str, cursor: Any = None) -> float:
        """When (epoch seconds) a call to `endpoint` fits in its window, 0 for now; read with
        `cursor` when given, in its transaction."""
        spent = [w.reset_at for w in self.windows(endpoint, cursor).values()
                 if w.remaining <= 0]
        return max(spent, default=0.0)

    def spend(self, endpoint: str) -> None:
        """Count one call (before it is made: a call that fails still counts at X), in each
        of the endpoint's windows."""
        for name, w in self.windows(endpoint).items():
            self._store(name, w.limit, max(w.remaining - 1, 0), w.reset_at, None)

    def learn(self, endpoint: str, limit: int, remaining: int, reset_at: float) -> None:
        """The network's own count, from its `x-rate-limit-*` headers."""
        self._store(endpoint, limit, remaining, reset_at, True)

    def refused(self, endpoint: str, reset_at: float | None) -> None:
        """A 429: nothing is left until `reset_at` (or a full window when not said)."""
        w = self.window(endpoint)
        limit = w.limit if w else 1
        self._store(endpoint, limit, 0, reset_at or self.clock.now() + WINDOW, None)

    def _store(self, endpoint: str, limit: int, remaining: int, reset_at: float,
               learned: bool | None) -> None:
        from personas.models import RateBudget

        t = RateBudget.__table__
        values = {"limit": limit, "remaining": remaining, "reset_at": _at(reset_at)}
        if learned is not None:
            values["learned"] = learned
        eng = db.engine()
        if eng.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = insert(t).values(persona=self.persona, endpoint=endpoint,
                                     **{"learned": False, **values})
        statement = statement.on_conflict_do_update(index_elements=["persona", "endpoint"],
                                                    set_=values)
        with eng.begin() as conn:
            conn.execute(statement)


def learner(clock: Clock = REAL):  # type: ignore[no-untyped-def]
    """The rate observer every network is connected with: a window nearly used up goes into the
    persona's budget. Plenty left is not written: a stored window past its reset counts
    as fresh anyway, and a write per post would slow every post down."""
    def learn(persona: str, endpoint: str, limit: int, remaining: int, reset_at: float) -> None:
        if remaining <= max(limit // 10, 1):
            Budget(persona, {}, clock).learn(endpoint, limit, remaining, reset_at)
    return learn


def check(persona: str, handle: str, endpoint: str, clock: Clock = REAL,
          ready_at: float | None = None) -> None:
    """Raise `RateLimited` when the budget knows the window is used up: the call would be
    refused, so it is not made (the outbox retries the item at the reset time).
    `ready_at`: what `Budget.ready_at` said already, read with the item's own store."""
    if ready_at is None:
        ready_at = Budget(persona, {}, clock).ready_at(endpoint)
    if ready_at > clock.now():
        from personas.errors import RateLimited

        raise RateLimited(f"rate limited: the {endpoint} rate limit for @{handle} is used up "
                          f"until {until(ready_at)}; it is retried then", reset_at=ready_at)


def until(epoch: float) -> str:
    """A reset time as people read it."""
    return _at(epoch).strftime("%Y-%m-%d %H:%M:%S UTC")
