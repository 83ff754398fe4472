"""What the report commands do, reachable without the CLI: pick personas and a period,
build, and write in a format."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from personas.errors import BadInput

if TYPE_CHECKING:
    from personas.context import Context
    from router.policy import Persona

FORMATS = ("table", "csv", "json", "md", "html")
EVENT_FORMATS = ("csv", "json")


def check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise BadInput(f"--format: unknown format {fmt!r}; use one of: {', '.join(allowed)}")
    return fmt


def personas(ctx: Context, names: list[str] | None) -> list[Persona]:
    """The named personas (each checked), or all of them in config order."""
    if not names:
        return list(ctx.config.personas)
    return [ctx.persona(name) for name in dict.fromkeys(names)]


def bounds(since: str | None, until: str | None) -> tuple[datetime, datetime]:
    from personas.models import utcnow
    from personas.reports.period import period

    return period(since, until, utcnow())


def build(ctx: Context, names: list[str] | None, since: str | None, until: str | None, *,
          include_private: bool = False) -> dict[str, Any]:
    from personas.reports import build as builder

    chosen = personas(ctx, names)
    start, end = bounds(since, until)
    return builder.build(chosen, start, end, include_private=include_private)


def write(report: dict[str, Any], fmt: str, out: TextIO) -> None:
    """Every format but `table`, which goes to the terminal."""
    if fmt == "json":
        import json

        json.dump(report, out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "csv":
        from personas.reports.render import write_csv

        write_csv(report, out)
    elif fmt == "md":
        from personas.reports.render import markdown

        out.write(markdown(report))
    elif fmt == "html":
        from personas.reports.html import render

        out.write(render(report))


def export_events(ctx: Context, names: list[str] | None, since: str | None,
                  until: str | None, fmt: str, out: TextIO, *,
                  include_private: bool = False) -> int:
    """Stream the activity log; returns the number of rows written."""
    from datetime import UTC, datetime

    from personas.reports import events
    from personas.reports.period import parse_when

    now = datetime.now(UTC)
    chosen = [p.name for p in personas(ctx, names)] if names else None
    start = parse_when(since, "--since", now) if since else None
    end = parse_when(until, "--until", now, end=True) if until else None
    if start and end and start >= end:
        raise BadInput("--since is not before --until; swap them or widen the period")
    query = events.Query(personas=chosen, since=start, until=end, include_private=include_private,
                         public={p.name for p in ctx.config.personas if not p.private})
    if fmt == "csv":
        return events.write_csv(out, events.csv_batches(query))
    return events.write_json(out, events.batches(query))
