"""init and accounts: write the configuration, and show what it says."""

from pathlib import Path
from typing import Annotated

import typer

from personas.cli.common import JsonOpt, context, emit_json, message, table


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("accounts")(accounts)


def init(
    sandbox: Annotated[bool, typer.Option("--sandbox", help="Personas on the built-in sandbox "
                                          "network instead of X.")] = False,
    path: Annotated[Path | None, typer.Option("--path", metavar="PATH", dir_okay=False,
                                              help="Where to write (default: the config "
                                              "directory, or $PERSONA_HOME).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write accounts.toml with the me / you / we personas, annotated.

    Examples:

      persona init

      persona init --sandbox --path ./accounts.toml
    """
    from personas import config, files
    from personas.errors import BadInput

    target = path or config.default_config_path()
    if target.exists() and not force:
        raise BadInput(f"{target} already exists; edit it, or pass --force to replace it")
    try:
        files.make_private_dir(target.parent)
    except OSError as e:
        raise BadInput(f"cannot write {target} ({e.strerror}); choose another --path, or "
                       "set PERSONA_HOME to a writable directory") from None
    # yours alone: it says which accounts are yours and how each is used
    files.write_text(target, config.example_text(sandbox=sandbox), private=True,
                     fix="choose another --path, or set PERSONA_HOME to a writable directory")
    print(target)
    hint = "post with `persona post TEXT`" if sandbox else (
        "set your handles in it, then run `persona login NAME` for each persona")
    message(f"wrote {target}: {hint}")


def accounts(ctx: typer.Context,
             verify: Annotated[bool, typer.Option("--verify", help="Ask X whether each "
                                                  "persona's credentials work and belong to "
                                                  "its handle.")] = False,
             json: JsonOpt = False) -> None:
    """List the personas: network, handle, what their policy takes, and credentials.

    Examples:

      persona accounts

      persona accounts --verify --json
    """
    cfg = context(ctx).config
    rows = [_describe(p, cfg.networks[p.network].kind) for p in cfg.personas]
    _credentials(ctx, rows, verify)
    if json:
        emit_json(rows)
    else:
        table(
            ["persona", "account", "policy", "takes", "links", "visibility", "credentials"],
            [[r["name"], f'@{r["handle"]} on {r["network"]}', r["policy"],
              ", ".join(r["traits"]["accepts"]), _links(r), r["traits"]["visibility"],
              _credential_cell(r)]
             for r in rows],
        )
    if any(r.get("verified", "ok") != "ok" for r in rows):
        raise typer.Exit(1)


def _credential_cell(row: dict) -> str:  # type: ignore[type-arg]
    if "verified" not in row or row["credentials"] != "stored":
        return row["credentials"]
    return f'stored ({row["verified"]})'


def _credentials(ctx: typer.Context, rows: list[dict], verify: bool) -> None:  # type: ignore[type-arg]
    """Say, per persona, whether the keyring holds its credentials (and, asked, if X agrees)."""
    needs = [r for r in rows if r["network_kind"] == "x"]
    for row in rows:
        row["credentials"] = "not needed" if row["network_kind"] != "x" else "missing"
    if not needs:
        return
    from personas import login
    from personas.credentials import NoKeyring

    c = context(ctx)
    for row in needs:
        persona = c.persona(row["name"])
        try:
            row["credentials"] = "stored" if login.has_credentials(persona) else "missing"
            if verify:
                row["verified"] = login.verify(c, persona)
        except NoKeyring as e:
            # the list needs no secret: it is shown, the login state said to be unknown
            for rest in needs:
                rest["credentials"] = "unknown (no keyring)"
                if verify:
                    rest["verified"] = "not checked: no keyring"
            message(f"login state unknown: {e.message}")
            return


def _links(row: dict) -> str:  # type: ignore[type-arg]
    links = row["traits"]["links"]
    if links == "own" and row["own_domains"]:
        return f'own ({", ".join(row["own_domains"])})'
    return links


def _describe(p, network_kind: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    from router.items import Kind

    t = p.traits
    return {
        "name": p.name, "network": p.network, "network_kind": network_kind,
        "handle": p.handle, "policy": p.policy,
        "own_domains": sorted(p.own_domains),
        "traits": {
            "accepts": [k.value for k in Kind if k in t.accepts], "links": t.links,
            "replies": t.replies, "visibility": t.visibility, "auto_follow": t.auto_follow,
            "membership": t.membership, "require_introduction": t.require_introduction,
            "import_from": list(t.import_from), "max_length": p.max_length,
        },
    }
