"""What a command needs, resolved lazily: the configuration, and a client per network."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from personas import config as config_module
from personas.clock import REAL, Clock

if TYPE_CHECKING:
    from personas.config import Config
    from personas.networks.capabilities import Posting
    from router.policy import Persona


class Context:
    """`clock`: the time of everything a command does, the sandbox network's included (a
    simulated clock in tests and the benches)."""

    def __init__(self, config_path: Path | None = None,
                 notify: Callable[[str], None] = lambda message: None, *,
                 clock: Clock = REAL) -> None:
        self.config_path = config_path
        self.notify = notify
        self.clock = clock
        self._networks: dict[str, Posting] = {}

    @cached_property
    def config(self) -> Config:
        cfg = config_module.load(self.config_path)
        if cfg.builtin:
            self.notify(config_module.BUILTIN_NOTICE)
        return cfg

    def persona(self, name: str) -> Persona:
        return self.config.persona(name)

    def network(self, name: str) -> Posting:
        if name not in self._networks:
            from personas.networks import connect
            from personas.ratelimit import learner

            # one rate budget for every call: what the network learns goes into it
            self._networks[name] = connect(self.config, self.config.networks[name],
                                           clock=self.clock, observers=[learner(self.clock)])
        return self._networks[name]

    def network_for(self, persona: Persona) -> Posting:
        return self.network(persona.network)
