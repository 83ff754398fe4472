"""What a command needs, resolved lazily: the configuration, and a client per network."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from personas import config as config_module

if TYPE_CHECKING:
    from personas.config import Config
    from personas.networks.base import Network
    from router.policy import Persona


class Context:
    def __init__(self, config_path: Path | None = None,
                 notify: Callable[[str], None] = lambda message: None) -> None:
        self.config_path = config_path
        self.notify = notify
        self._networks: dict[str, Network] = {}

    @cached_property
    def config(self) -> Config:
        cfg = config_module.load(self.config_path)
        if cfg.builtin:
            self.notify(config_module.BUILTIN_NOTICE)
        return cfg

    def persona(self, name: str) -> Persona:
        return self.config.persona(name)

    def network(self, name: str) -> Network:
        if name not in self._networks:
            from personas.networks import connect

            self._networks[name] = connect(self.config, self.config.networks[name])
            if hasattr(self._networks[name], "on_rate"):  # one rate budget for every call
                from personas.ratelimit import learner

                self._networks[name].on_rate = learner()  # type: ignore[attr-defined]
        return self._networks[name]

    def network_for(self, persona: Persona) -> Network:
        return self.network(persona.network)
