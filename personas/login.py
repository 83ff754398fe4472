"""Logging personas in and out: app keys and account tokens to the keyring, each checked
with the network to belong to the configured account before anything is stored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from personas import credentials
from personas.context import Context
from personas.errors import BadInput, NotFound, PersonaError
from router.policy import Persona


class WrongAccount(PersonaError):
    """The credentials act for another account than the persona's: nothing is stored."""


@dataclass(frozen=True)
class LoggedIn:
    persona: str
    handle: str
    account_id: str

    def to_json(self) -> dict[str, object]:
        return {"persona": self.persona, "handle": self.handle, "account_id": self.account_id}


def x_network(ctx: Context, name: str):  # type: ignore[no-untyped-def]
    """The configured network `name`, which must be an X network."""
    networks = ctx.config.networks
    if name not in networks:
        raise NotFound(f"no network {name!r} in the configuration (have: "
                       f"{', '.join(networks) or 'none'}); add [networks.{name}] kind = \"x\"")
    if networks[name].kind != "x":
        raise BadInput(f"network {name!r} is a {networks[name].kind} network, which needs no "
                       "app keys or login")
    return networks[name]


def _x_persona(ctx: Context, name: str) -> Persona:
    persona = ctx.persona(name)
    x_network(ctx, persona.network)
    return persona


def _app(ctx: Context, network: str) -> credentials.AppKeys:
    app = credentials.get_app(network)
    if app is None:
        raise BadInput(f"no X app keys for network {network!r} yet: run "
                       f"`persona app set {network}` first")
    return app


def set_app(ctx: Context, network: str, keys: credentials.AppKeys) -> None:
    x_network(ctx, network)
    if not keys.consumer_key.strip() or not keys.consumer_secret.strip():
        raise BadInput("the consumer key and secret must not be empty; copy both from the "
                       "app's Keys and tokens page")
    credentials.set_app(network, keys)


def login_with_pin(ctx: Context, name: str, show_url: Callable[[str], None],
                   read_pin: Callable[[], str]) -> LoggedIn:
    """The PIN-based OAuth 1.0a flow: the user opens the URL, approves, types the PIN."""
    from personas.networks.x import login as x

    persona = _x_persona(ctx, name)
    network = ctx.config.networks[persona.network]
    app = _app(ctx, network.name)
    url, session = x.start_login(network.options, app, persona.handle)
    show_url(url)
    pin = read_pin().strip()
    if not pin.isdigit():
        raise BadInput("the PIN is the number X shows after you authorize the app; run "
                       f"`persona login {name}` again")
    return _verify_and_store(ctx, persona, app, x.finish_login(session, pin))


def login_with_tokens(ctx: Context, name: str, tokens: credentials.Tokens) -> LoggedIn:
    """Import an existing access token and secret, e.g. from the app's developer page."""
    persona = _x_persona(ctx, name)
    app = _app(ctx, persona.network)
    return _verify_and_store(ctx, persona, app, tokens)


def _verify_and_store(ctx: Context, persona: Persona, app: credentials.AppKeys,
                      tokens: credentials.Tokens) -> LoggedIn:
    """Store the tokens only if X says they act for the persona's configured handle."""
    from personas import verified
    from personas.networks.x import login as x

    network = ctx.config.networks[persona.network]
    account = x.whoami(persona, network.options, app, tokens)
    if account.handle.lower() != persona.handle.lower() or tokens.user_id != account.id:
        raise WrongAccount(
            f"these credentials act for @{account.handle}, not @{persona.handle} of persona "
            f"{persona.name!r}; nothing stored: log in as @{persona.handle}, or fix the "
            "handle in accounts.toml")
    credentials.set_tokens(network.name, persona.handle, tokens)
    verified.record(persona.name, network.name, persona.handle, account.id)
    from personas import outbox

    outbox.clear_login_errors(persona.name)  # what waited for this login is no longer stuck
    return LoggedIn(persona.name, account.handle, account.id)


def logout(ctx: Context, name: str) -> bool:
    """Remove the persona's tokens; False when it had none."""
    from personas import verified

    persona = _x_persona(ctx, name)
    removed = credentials.delete_tokens(persona.network, persona.handle)
    verified.forget(persona.name)
    return removed


def has_credentials(persona: Persona) -> bool:
    return credentials.get_tokens(persona.network, persona.handle) is not None


def verify(ctx: Context, persona: Persona) -> str:
    """'ok', or what is wrong with the persona's credentials, checked with X."""
    from personas import verified
    from personas.networks.x import login as x

    tokens = credentials.get_tokens(persona.network, persona.handle)
    app = credentials.get_app(persona.network)
    if tokens is None or app is None:
        return f"no credentials: run `persona login {persona.name}`" if app else \
            f"no app keys: run `persona app set {persona.network}`"
    try:
        account = x.whoami(persona, ctx.config.networks[persona.network].options, app, tokens)
    except PersonaError as e:
        return e.message
    if account.handle.lower() != persona.handle.lower() or tokens.user_id != account.id:
        return (f"wrong account: the credentials act for @{account.handle}; run "
                f"`persona login {persona.name}`")
    recorded = verified.account_id(persona.name, persona.network, persona.handle)
    if recorded is None:  # never verified on this database (a new or shared one): now it is
        verified.record(persona.name, persona.network, persona.handle, account.id)
    elif recorded != account.id:
        # @handle is now another account (renamed, or the credentials were replaced): what
        # `persona login` verified stays until the user says otherwise, so nothing is sent
        return (f"changed account: @{account.handle} is now X account {account.id}, not "
                f"{recorded} verified at login; nothing is sent until `persona login "
                f"{persona.name}`")
    return "ok"
