"""worker: send scheduled and retried items."""

import sys
from typing import Annotated

import typer

from personas.cli.common import JsonOpt, context, emit_json, finite


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)


def worker(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Send what is due now, then exit "
                                       "(for cron).")] = False,
    interval: Annotated[float, typer.Option("--interval", metavar="SECONDS", min=0.1,
                                            max=86_400, callback=finite,
                                            help="How long to wait when nothing is due.")] = 30.0,
    json: JsonOpt = False,
) -> None:
    """Send due items, persona by persona, in order, until stopped (SIGTERM or Ctrl-C).

    Items a crash left half-sent are first looked for on the network: recorded if they
    went out, sent if they did not. Several workers may share one database.

    Examples:

      persona worker

      persona worker --once --json
    """
    from personas.worker import Worker

    w = Worker(context(ctx), log=lambda line: print(f"persona worker: {line}", file=sys.stderr,
                                                     flush=True))
    w.install_signal_handlers()
    tally = w.run(once=once, interval=interval)
    if json:
        emit_json(tally.to_json())
