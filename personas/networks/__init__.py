"""One module per network behind one interface (`personas.networks.base.Network`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from personas.config import Config, NetworkConfig
    from personas.networks.base import Network


def connect(config: Config, network: NetworkConfig) -> Network:
    """The client for one configured network; imports only that network's module."""
    if network.kind == "sandbox":
        from personas.networks.sandbox import SandboxNetwork

        return SandboxNetwork(network)
    if network.kind == "x":
        from personas.networks.x import XNetwork

        return XNetwork(network)
    from personas.errors import ConfigError

    raise ConfigError(
        f"network {network.name!r}: kind {network.kind!r} is not available in this version; "
        "use the sandbox network meanwhile (`persona init --sandbox`)"
    )

