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
        from personas.networks.x.client import XNetwork

        return XNetwork(network)
    from personas.errors import ConfigError

    raise ConfigError(
        f"network {network.name!r}: kind {network.kind!r} is not available in this version; "
        "use the sandbox network meanwhile (`persona init --sandbox`)"
    )


def account_key(network: NetworkConfig, handle: str) -> str:
    """Which account on which service a persona posts as, in one string an outbox item
    keeps: `x:https://api.twitter.com/@jesse`, `sandbox:sandbox/@jesse`. A different
    service (another `api_base`: the loopback front or X) or handle is a different account;
    renaming the network in accounts.toml is not. Each sandbox network is a world of its
    own, named by its network."""
    if network.kind == "sandbox":
        where = f"sandbox:{network.name}"
    elif network.kind == "x":
        base = str(network.options.get("api_base") or "https://api.twitter.com").rstrip("/")
        where = f"x:{base}"
    else:
        where = f"{network.kind}:{network.name}"
    return f"{where}/@{handle.lower()}"
