"""report, report events, sync metrics: what each persona did, and how it landed."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TextIO

import typer

from personas.cli.common import JsonOpt, complete_persona, context, emit_json, message, table

report_app = typer.Typer(
    invoke_without_command=True,
    rich_markup_mode=None,  # plain help: rich's costs more start-up than the command
)
sync_app = typer.Typer(
    help="Fetch what the networks know about your personas.\n\n"
         "Example: persona sync metrics --days 7",
    no_args_is_help=True,
    rich_markup_mode=None,
)

PersonasOpt = Annotated[list[str] | None, typer.Option(
    "--persona", "-p", metavar="PERSONA", autocompletion=complete_persona,
    help="Only this persona (repeat for several).")]
SinceOpt = Annotated[str | None, typer.Option(
    "--since", metavar="WHEN", help="Start: a date (2026-01-31) or a time (2026-01-31T09:00) "
    "on your clock, unless it ends in Z or +01:00; a span back from now (30d, 12h, 8w); or now. "
    "Default: 30 days before --until.")]
UntilOpt = Annotated[str | None, typer.Option(
    "--until", metavar="WHEN", help="End (exclusive; a date means the end of that day). "
    "Default: now.")]
OutputOpt = Annotated[Path | None, typer.Option(
    "--output", "-o", metavar="FILE", dir_okay=False, help="Write to FILE, not stdout.")]
PrivateOpt = Annotated[bool, typer.Option(
    "--include-private", help="Include the words only a private persona's members may see "
    "(its posts' texts, DMs, introductions). Counts are always included.")]


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
    app.add_typer(sync_app, name="sync")


@report_app.callback()
def report(
    ctx: typer.Context,
    persona: PersonasOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT",
                                     help="table, csv, json, md or html.")] = "table",
    output: OutputOpt = None,
    include_private: PrivateOpt = False,
    json: JsonOpt = False,
) -> None:
    """Report each persona's activity over a period, side by side.

    Per persona: items by kind, refusals by reason, engagement (totals, per post, by kind),
    top posts, follows made and followed back, requests / approvals / denials, members and
    introductions, follower growth. `persona sync metrics` keeps the engagement and follower
    numbers current. Formats: table (terminal), csv and json (stable schemas, see
    docs/reports.md), md (Markdown), html (one self-contained file with charts).

    Examples:

      persona report --since 30d

      persona report --persona me --persona you --since 2026-01-01 --until 2026-03-31 --format csv

      persona report --since 365d --format html -o report.html

      persona report events --format csv -o events.csv
    """
    if ctx.invoked_subcommand is not None:
        return
    from personas.reports import service

    fmt = "json" if json else service.check_format(fmt, service.FORMATS)
    if fmt == "html" and output is None and sys.stdout.isatty():
        from personas.errors import BadInput

        raise BadInput("an HTML report is a file: add -o report.html")
    data = service.build(context(ctx), persona, since, until, include_private=include_private)
    if fmt == "table" and output is None:
        _table(data)
        return
    fmt = "md" if fmt == "table" else fmt  # a table in a file is Markdown
    with _out(output, private=include_private) as out:
        service.write(data, fmt, out)
    if output is not None:
        message(f"wrote the {fmt} report to {output}")


def _table(report: dict) -> None:  # type: ignore[type-arg]
    from personas.reports.render import summary

    table(["", *report["personas"]], [[label, *cells] for label, cells in summary(report)],
          title=f"{report['since'][:16]} .. {report['until'][:16]} (UTC)")
    for name, p in report["personas"].items():
        for reason, n in p["refusals"].items():
            print(f"{name}: refused {n}x: {reason}")


@report_app.command("events")
def events(
    ctx: typer.Context,
    persona: PersonasOpt = None,
    since: Annotated[str | None, typer.Option(
        "--since", metavar="WHEN", help="Start, as for `persona report` (default: the "
        "beginning).")] = None,
    until: UntilOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT",
                                     help="csv or json.")] = "csv",
    output: OutputOpt = None,
    include_private: PrivateOpt = False,
) -> None:
    """Export the raw activity log, oldest first, streamed (any size, little memory).

    Columns: id, at, persona, action, kind, subject, item_id, remote_id, detail.

    Examples:

      persona report events > events.csv

      persona report events --format json --persona we --since 7d -o week.json
    """
    from personas.reports import service

    fmt = service.check_format(fmt, service.EVENT_FORMATS)
    with _out(output, private=include_private) as out:
        n = service.export_events(context(ctx), persona, since, until, fmt, out,
                                  include_private=include_private)
    if output is not None:
        message(f"wrote {n} events to {output}")


@contextmanager
def _out(path: Path | None, *, private: bool) -> Iterator[TextIO]:
    """stdout, or FILE written whole or not at all (see personas.files); 0600 when it holds
    private words."""
    from personas import files

    if path is None:
        with files.stdout_stream() as out:
            yield out
        return
    with files.replaced(path, private=private, fix="choose another -o FILE") as out:
        yield out


@sync_app.command("metrics")
def metrics(
    ctx: typer.Context,
    persona: PersonasOpt = None,
    days: Annotated[int, typer.Option("--days", min=1, max=3650,
                                      help="Posts of the last N days.")] = 7,
    json: JsonOpt = False,
) -> None:
    """Snapshot the public metrics of recent posts (likes, reposts, replies, quotes,
    impressions where the network gives them) and each persona's follower count.

    Every run adds a snapshot, so reports can show engagement and growth over time.

    Examples:

      persona sync metrics

      persona sync metrics --persona you --days 30 --json
    """
    from personas.metrics import sync
    from personas.reports import service

    c = context(ctx)
    done = sync(c, service.personas(c, persona), days)
    if json:
        emit_json([d.to_json() for d in done])
        return
    table(["persona", "posts", "followers", "following"],
          [[d.persona, str(d.posts), str(d.followers),
            "-" if d.following is None else str(d.following)] for d in done])
