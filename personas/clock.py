"""Time, injectable: the real clock by default, a simulated one where waiting would be slow.

Rate windows last 15 minutes; a sweep that paces itself waits for them. Tests and the
benchmark give it a `SimulatedClock`, whose `sleep` moves time forward at once.
"""

from __future__ import annotations

import threading
import time


class Clock:
    """The real clock: epoch seconds, and sleeping for real."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class SimulatedClock(Clock):
    """A clock that only moves when told to (or when someone sleeps on it)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()  # the sandbox front reads it from its own threads

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += max(seconds, 0.0)


REAL = Clock()
