"""What every command shares: the context, text input, checked numbers and post ids, and
output helpers."""

import json
import math
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from personas.errors import BadInput

if TYPE_CHECKING:
    from rich.text import Text

    from personas.context import Context

# The largest integer a database column holds (SQLite's INTEGER, PostgreSQL's bigint): no
# outbox item or post id is larger, so a larger one is refused here rather than overflowing
# a query. Every integer argument and option of the command line is bounded by it or less.
MAX_ID = 2**63 - 1


def post_ref(value: str | list[str] | None) -> str | list[str] | None:
    """A post given as digits or a URL (or a list of them), its id checked to fit MAX_ID.
    Whether the reference names a post at all is the router's to say."""
    for ref in [value] if isinstance(value, str) else value or []:
        path = re.split(r"[?#]", ref.strip(), maxsplit=1)[0]
        digits = re.findall(r"[0-9]+", path)
        if digits and int(digits[-1]) > MAX_ID:
            shown = digits[-1] if len(digits[-1]) <= 24 else digits[-1][:21] + "..."
            raise typer.BadParameter(f"post id {shown} is larger than any post id "
                                     f"({MAX_ID}); check the id or URL")
    return value


def finite(value: float | None) -> float | None:
    """A float option's callback: its range check lets nan through (every comparison with
    nan is false), and inf would overflow a sleep."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number of seconds; give one like 30")
    return value


ItemIdArg = Annotated[int, typer.Argument(
    metavar="ID", min=1, max=MAX_ID, help="The item's id (see `persona queue`).",
    show_default=False)]
PostRefArg = Annotated[str, typer.Argument(
    metavar="ID|URL", callback=post_ref, help="The post's id or URL.", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON to stdout.")]


def complete_persona(ctx: typer.Context, incomplete: str) -> list[str]:
    """The shell's completion of a persona's name: those in the configuration in use."""
    from personas import config

    explicit = ctx.find_root().params.get("config")  # as typed: completion converts nothing
    try:
        names = config.load(Path(explicit) if explicit else None).names()
    except Exception:  # noqa: BLE001 (a broken configuration completes nothing)
        return []
    return [name for name in names if name.startswith(incomplete)]


AsOpt = Annotated[
    str | None,
    typer.Option("--as", metavar="PERSONA", autocompletion=complete_persona,
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
    """The one way the CLI draws a table. Cells, headers and the title hold what users and
    networks wrote (post texts, introductions, errors the network sent): every one goes in
    as plain text, so Rich reads no markup, link or emoji code in it and the terminal gets
    no control sequence from it."""
    from rich.console import Console
    from rich.table import Column, Table

    # a title ends its line, as a string title would (a Text's end="" joins the border to it)
    heading = shown(title) if title else None
    if heading is not None:
        heading.end = "\n"
    t = Table(*(Column(header=shown(c)) for c in columns), title=heading,
              show_lines=False, header_style="bold")
    for row in rows:
        t.add_row(*map(shown, row))
    Console().print(t)


# C0 and C1 controls but newline and tab (ESC starts a terminal's control sequences), and
# the bidirectional overrides that make a text display other than it reads
_UNSHOWN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(value: object) -> "Text":
    """`value` as literal text for Rich: no markup, no emoji codes, controls made visible
    (ESC as \\x1b)."""
    from rich.text import Text

    text = _UNSHOWN.sub(lambda m: ascii(m.group())[1:-1], str(value))
    return Text(text, end="")
