"""What every command shares: the context, text input, and output helpers."""

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from personas.errors import BadInput

if TYPE_CHECKING:
    from personas.context import Context

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON to stdout.")]
AsOpt = Annotated[
    str | None,
    typer.Option("--as", metavar="PERSONA",
                 help="Post as this persona; its policy still applies."),
]


def context(ctx: typer.Context) -> "Context":
    return ctx.find_root().obj  # set by the root callback


def message(text: str) -> None:
    """A message for the person at the terminal (stderr); data goes to stdout."""
    print(f"persona: {text}", file=sys.stderr)


def read_text(text: str) -> str:
    """TEXT as given, or stdin when it is `-`. Invalid UTF-8 is refused, not guessed."""
    if text != "-":
        return text
    data = sys.stdin.buffer.read(10 * 1024 * 1024 + 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadInput(f"stdin is not valid UTF-8 (byte {e.start}); pass UTF-8 text") from None


def emit_json(value: object) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=_plain)
    sys.stdout.write("\n")


def _plain(value: object) -> object:
    """JSON for what json does not know: times as ISO 8601."""
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[attr-defined]
    return str(value)


def table(columns: list[str], rows: list[list[str]], title: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(*columns, title=title, show_lines=False, header_style="bold")
    for row in rows:
        t.add_row(*row)
    Console().print(t)
