"""One module (or package) per network, each offering the capabilities of
`personas.networks.capabilities` it has."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from personas.clock import Clock
    from personas.config import Config, NetworkConfig
    from personas.networks.base import RateObserver
    from personas.networks.capabilities import Posting


def connect(config: Config, network: NetworkConfig, *, clock: Clock | None = None,
            observers: Iterable[RateObserver] = ()) -> Posting:
    """The client for one configured network; imports only that network's module. Every
    network posts: one that cannot is refused here, the other capabilities where used.
    `observers` are told each rate window the network learns of (more may listen later,
    through `network.observers.listening`); `clock` is the sandbox's time (X keeps its
    own)."""
    from personas.networks.base import RateObservers
    from personas.networks.capabilities import Posting, require

    listeners = RateObservers(observers)
    made: object
    if network.kind == "sandbox":
        from personas.clock import REAL
        from personas.networks.sandbox import SandboxNetwork

        made = SandboxNetwork(network, clock=clock or REAL, observers=listeners)
    elif network.kind == "x":
        from personas.networks.x.client import XNetwork

        made = XNetwork(network, observers=listeners)
    else:
        from personas.errors import ConfigError

        raise ConfigError(
            f"network {network.name!r}: kind {network.kind!r} is not available in this "
            "version; use the sandbox network meanwhile (`persona init --sandbox`)")
    return require(made, Posting, f"network {network.name!r}: kind {network.kind!r} cannot "
                   "post in this version")

