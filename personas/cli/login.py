"""app set, login, logout: the X app's keys and each persona's tokens, in the OS keyring."""

import json as json_module
import re
import sys
from typing import Annotated

import typer

from personas.cli.common import JsonOpt, complete_persona, context, emit_json, message

app_app = typer.Typer(
    help="The X developer app whose keys persona signs requests with.\n\n"
         "Example: persona app set x",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help: rich's costs more start-up than the command
)

PersonaArg = Annotated[str, typer.Argument(metavar="PERSONA", help="A persona on an X network.",
                                           autocompletion=complete_persona,
                                           show_default=False)]
StdinOpt = Annotated[bool, typer.Option("--stdin", help="Read the secrets as JSON from stdin "
                                        "instead of prompting.")]


def register(app: typer.Typer) -> None:
    app.add_typer(app_app, name="app")
    app.command("login")(login)
    app.command("logout")(logout)


def _shape(*keys: str) -> str:
    return "{" + ", ".join(f'"{k}": ...' for k in keys) + "}"


def _stdin_json(*keys: str) -> dict[str, str]:
    from personas.errors import BadInput

    text = sys.stdin.read(64 * 1024)
    if not text.strip():
        raise BadInput(f"stdin is empty: --stdin expects a JSON object {_shape(*keys)}, e.g. "
                       "from a file with `< keys.json`")
    try:
        data = json_module.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) and data[k]
                                             for k in keys):
        raise BadInput(f"stdin must be a JSON object {_shape(*keys)}")
    return {k: _well_formed(k.replace("_", " "), data[k]) for k in keys}


_TOKEN = re.compile(r"[!-~]{1,512}")  # what X's keys and tokens are made of


def _well_formed(what: str, value: str) -> str:
    """A key or token as X issues them: visible ASCII, no spaces. Anything else was pasted
    wrong, and would only fail later, at the first signed request. (The value is never
    repeated: it is a secret.)"""
    from personas.errors import BadInput

    if not _TOKEN.fullmatch(value):
        raise BadInput(f"the {what} has a space, a control character or a letter X's keys "
                       "never have; copy it again from your X app's \"Keys and tokens\" page")
    return value


def _secret(label: str, what: str, keys: tuple[str, ...]) -> str:
    """A secret typed at the terminal (not echoed), or a line of piped input (no prompt:
    nobody reads it). Input that ends first is a mistake to say (exit 2), not an
    interruption: only Ctrl-C is one."""
    from getpass import getpass

    from personas.errors import BadInput

    tty = sys.stdin.isatty()
    try:
        value = getpass(f"{label}: ", stream=sys.stderr) if tty else sys.stdin.readline()
        if not tty and not value:
            raise EOFError
    except EOFError:
        if tty:
            print(file=sys.stderr)  # end the prompt's line
        raise BadInput(f"expected the {what} on stdin and got the end of input; type it at "
                       f"the prompt, or pass --stdin with a JSON object {_shape(*keys)}") from None
    value = value.strip()
    if not value:
        raise BadInput(f"the {what} is empty; give the one on your X app's \"Keys and "
                       "tokens\" page")
    return _well_formed(what, value)


@app_app.command("set")
def app_set(ctx: typer.Context,
            network: Annotated[str, typer.Argument(metavar="NETWORK", help="An X network of "
                                                   "accounts.toml.", show_default=False)] = "x",
            stdin: StdinOpt = False) -> None:
    """Store the X app's consumer key and secret in the OS keyring.

    Prompts for both (hidden input), or reads {"consumer_key": ..., "consumer_secret": ...}
    from stdin with --stdin. Never pass them as arguments.

    Examples:

      persona app set x

      persona app set x --stdin < app-keys.json
    """
    from personas import login
    from personas.credentials import AppKeys

    keys = ("consumer_key", "consumer_secret")
    if stdin:
        values = _stdin_json(*keys)
    else:
        values = {"consumer_key": _secret("Consumer key (API key)", "consumer key", keys),
                  "consumer_secret": _secret("Consumer secret", "consumer secret", keys)}
    login.set_app(context(ctx), network, AppKeys(**values))
    message(f"stored the X app keys for network {network!r} in the OS keyring")


def login(ctx: typer.Context, persona: PersonaArg, stdin: StdinOpt = False,
          json: JsonOpt = False) -> None:
    """Log a persona in to X and keep its token in the OS keyring.

    Opens X's PIN-based authorization: open the printed URL, sign in as the persona's
    account, approve the app, and type the PIN shown. With --stdin, imports an existing
    {"access_token": ..., "access_token_secret": ...} instead. Either way X is asked whose
    credentials they are, and they are refused unless they belong to the persona's handle.

    Examples:

      persona login we

      persona login we --stdin < we-tokens.json
    """
    from personas import login as service
    from personas.credentials import Tokens

    c = context(ctx)
    if stdin:
        logged = service.login_with_tokens(
            c, persona, Tokens(**_stdin_json("access_token", "access_token_secret")))
    else:
        logged = service.login_with_pin(
            c, persona, show_url=lambda url: message(f"open this URL, sign in as the persona's "
                                                     f"account and approve the app:\n{url}"),
            read_pin=_read_pin)
    if json:
        emit_json(logged.to_json())
    else:
        print(f"{logged.persona}: logged in as @{logged.handle} (id {logged.account_id})")


def _read_pin() -> str:
    """The PIN from the terminal; the prompt goes to stderr so stdout stays data."""
    print("PIN: ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline()


def logout(ctx: typer.Context, persona: PersonaArg, json: JsonOpt = False) -> None:
    """Remove a persona's X token from the OS keyring.

    Example: persona logout we
    """
    from personas import login as service

    removed = service.logout(context(ctx), persona)
    if json:
        emit_json({"persona": persona, "removed": removed})
    else:
        print(f"{persona}: logged out" if removed else f"{persona}: had no credentials")
