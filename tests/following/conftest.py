"""A sandbox world for sweeps: the you/we personas, an audience, a simulated clock."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from personas.clock import SimulatedClock
from personas.sandbox.store import Store

YEAR = 365 * 86_400.0

CONFIG = """
[networks.sandbox]
kind = "sandbox"
{limits}

[personas.me]
network = "sandbox"
handle = "me_h"
policy = "content-only"

[personas.you]
network = "sandbox"
handle = "you_h"
policy = "auto-follow"
{follow}

[personas.we]
network = "sandbox"
handle = "we_h"
policy = "private-community"
"""


def config_text(limits: str = "", follow: str = "") -> str:
    return CONFIG.format(limits=limits, follow=follow)


@dataclass
class World:
    store: Store
    clock: SimulatedClock
    serial: int = 0

    def people(self, n: int, prefix: str = "p", **profile: object) -> list[str]:
        """n new accounts that look real unless `profile` says otherwise."""
        handles = []
        for _ in range(n):
            self.serial += 1
            handle = f"{prefix}{self.serial}"
            values = {"name": handle, "bio": "I write about birds", "default_avatar": False,
                      "created_at": self.clock.now() - YEAR, "posts": 200, "followers": 150,
                      "following": 120}
            values.update(profile)
            self.store.add_account(handle, **values)  # type: ignore[arg-type]
            handles.append(handle)
        return handles

    def follow(self, followers: list[str], followee: str) -> None:
        """Each follows `followee`, one second apart: the last is the newest follower."""
        self.store.ensure_account(followee, private=followee == "we_h")
        for handle in followers:
            self.clock.advance(1)
            self.store.follow(handle, followee)

    def followers_of_you(self, n: int, **profile: object) -> list[str]:
        handles = self.people(n, **profile)
        self.follow(handles, "you_h")
        return handles

    def following(self, handle: str = "you_h") -> list[str]:
        return self.store.following(handle)


@pytest.fixture
def world(persona_home):  # type: ignore[no-untyped-def]
    from personas.networks.sandbox import store_path

    clock = SimulatedClock()
    store = Store(store_path("sandbox"), clock=clock.now)
    store.ensure_account("you_h")
    yield World(store, clock)
    store.close()


@pytest.fixture
def sweeper(world, write_config):  # type: ignore[no-untyped-def]
    """sweeper(persona, config=...) -> a Sweep on the world's clock, fresh each call."""
    from personas.context import Context
    from personas.following import sweep

    path = None

    def make(persona: str = "you", *, config: str | None = None, notes: list[str] | None = None):  # type: ignore[no-untyped-def]
        nonlocal path
        if config is not None or path is None:
            path = write_config(config if config is not None else config_text())
        notify = notes.append if notes is not None else (lambda m: None)
        return sweep(Context(path, clock=world.clock), persona, notify=notify)

    return make
