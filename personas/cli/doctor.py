"""doctor: where persona stands on this machine, and what to fix."""

import typer

from personas.cli.common import JsonOpt, emit_json


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)


def doctor(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Check the setup: config, database, keyring, logins, networks, worker, versions.

    Each problem is printed with its fix; exit 1 when there is one. Nothing is changed:
    the database is not migrated, no secret is shown.

    Examples:

      persona doctor

      persona doctor --json
    """
    from personas import doctor as checks
    from personas.cli.common import context

    report = checks.examine(context(ctx).config_path)
    if json:
        emit_json(report.to_json())
    else:
        area = None
        for c in report.checks:
            if c.area != area:
                area = c.area
                print(f"{area}:")
            print(f"  {'ok' if c.ok else 'PROBLEM'}  {c.name}: {c.detail}")
            if c.fix:
                print(f"      fix: {c.fix}")
        problems = len(report.problems)
        print(f"{problems} problem{'s' if problems != 1 else ''} found" if problems
              else "no problem found")
    if report.problems:
        raise typer.Exit(1)
