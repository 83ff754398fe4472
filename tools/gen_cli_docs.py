"""Write docs/cli.md from the commands' own --help; `--check` fails when it has drifted.

Usage: python tools/gen_cli_docs.py [--check]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Plain, fixed-width help: the same text on every machine and terminal.
os.environ["TYPER_USE_RICH"] = "0"
os.environ["COLUMNS"] = "100"
os.environ["TERM"] = "dumb"

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "cli.md"
sys.path.insert(0, str(ROOT))


def commands():  # type: ignore[no-untyped-def]
    """Every command, depth first, as (path, click command, click context)."""
    import typer

    from personas.cli.main import app

    root = typer.main.get_command(app)

    def walk(cmd, parent, path):  # type: ignore[no-untyped-def]
        ctx = type(parent)(cmd, info_name=path[-1], parent=parent) if parent else \
            cmd.context_class(cmd, info_name="persona")
        yield " ".join(path), cmd, ctx
        for name in getattr(cmd, "list_commands", lambda _: [])(ctx):
            yield from walk(cmd.get_command(ctx, name), ctx, [*path, name])

    yield from walk(root, None, ["persona"])


def render() -> str:
    parts = [
        "# Command reference\n",
        "Generated from each command's `--help` by `python tools/gen_cli_docs.py`; a test "
        "fails when this file and the help drift apart.\n",
    ]
    for path, cmd, ctx in commands():
        parts.append(f"## `{path}`\n\n```text\n{cmd.get_help(ctx).rstrip()}\n```\n")
    return "\n".join(parts)


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print("docs/cli.md is out of date: run `python tools/gen_cli_docs.py`",
                  file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
