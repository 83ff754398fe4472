"""The `persona` command: the root app, global options, and the error boundary."""

import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from personas import __version__
from personas.cli import (
    accounts,
    carry,
    community,
    doctor,
    follow,
    login,
    posting,
    queue,
    reports,
    sandbox,
    worker,
)
from personas.errors import ExitCode, PersonaError


def _new_app() -> typer.Typer:
    return typer.Typer(
        name="persona",
        help=(
            "Route every post to the right one of your accounts.\n\n"
            "Each persona has a role (content-only, auto-follow, private-community, or traits "
            "you set); persona picks the one whose policy takes an item, posts it there, and "
            "says why.\n\n"
            "Example: persona post \"Hello from persona\""
        ),
        no_args_is_help=True,
        rich_markup_mode=None,  # plain help: rich's costs more start-up than the command
        add_completion=True,  # --install-completion, --show-completion
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )


def _version(value: bool) -> None:
    if value:
        print(f"persona {__version__}")
        raise typer.Exit()


def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", metavar="PATH", dir_okay=False,
                     help="accounts.toml to use (default: $PERSONA_CONFIG, ./accounts.toml, "
                          "then the config directory)."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True,
                           help="Show the version and exit.")
    ] = False,
) -> None:
    from personas.cli.common import message
    from personas.context import Context

    ctx.obj = Context(config, notify=message)


def _queue(app: typer.Typer) -> None:
    app.add_typer(queue.app, name="queue")


def _sandbox(app: typer.Typer) -> None:
    app.add_typer(sandbox.app, name="sandbox")


def _follow(app: typer.Typer) -> None:
    app.add_typer(follow.app, name="follow")



# The registration that brings each top-level command. Turning every command into the
# command-line parser costs start-up time, so a run builds only the command it was given.
_COMMANDS: dict[str, Callable[[typer.Typer], None]] = {
    "post": posting.register, "reply": posting.register, "repost": posting.register,
    "route": posting.register, "init": accounts.register, "accounts": accounts.register,
    "worker": worker.register, "login": login.register, "logout": login.register,
    "app": login.register, "queue": _queue, "report": reports.register,
    "sync": reports.register, "sandbox": _sandbox, "follow": _follow,
    "community": community.register, "star": carry.register, "doctor": doctor.register,
}


def make_app(only: str | None = None) -> typer.Typer:
    """The `persona` app: every command, or only the one named (and its siblings)."""
    made = _new_app()
    made.callback()(root)
    wanted = [_COMMANDS[only]] if only in _COMMANDS else list(dict.fromkeys(_COMMANDS.values()))
    for register in wanted:
        register(made)
    return made


def _command(argv: list[str]) -> str | None:
    """The top-level command in a command line, past the global options."""
    args = iter(argv)
    for arg in args:
        if arg in ("-c", "--config"):
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return None


app = make_app()  # every command: for the docs and the help tests

# typer vendors click in newer releases and imports it in older ones: find its usage error
# class through a public name rather than a private module path.
_USAGE_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


def run() -> None:
    """Entry point: every failure becomes one line on stderr and an exit status."""
    try:
        code = make_app(_command(sys.argv[1:]))(prog_name="persona", standalone_mode=False)
        sys.stdout.flush()  # here, not at exit: a full disk behind a redirect is said below
    except _USAGE_ERROR as e:  # type: ignore[misc]
        if type(e).__name__ == "NoArgsIsHelpError":  # `persona` or `persona sandbox` alone
            print(e.ctx.get_help())
            sys.exit(ExitCode.OK)
        hint = f"; see `{e.ctx.command_path} --help`" if getattr(e, "ctx", None) else ""
        print(f"persona: {e.format_message().rstrip('.')}{hint}", file=sys.stderr)
        sys.exit(ExitCode.REFUSED)
    except PersonaError as e:
        print(f"persona: {e.message}", file=sys.stderr)
        sys.exit(e.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        print("persona: interrupted", file=sys.stderr)
        sys.exit(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(ExitCode.FAILED)
    except Exception as e:  # the last line of defence: one line, never a traceback
        if os.environ.get("PERSONA_DEBUG"):
            raise
        if type(e).__module__.startswith(("sqlalchemy", "sqlite3", "psycopg")):
            first = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
            print(f"persona: database error ({first}); {_database_fix(e)}", file=sys.stderr)
            sys.exit(ExitCode.FAILED)
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            from personas.files import forget_stdout

            try:
                sys.stdout.flush()
            except OSError:
                forget_stdout()  # stdout is what failed: it would fail again at exit
            what = f"writing {e.filename}" if e.filename else "writing the output"
            print(f"persona: {e.strerror} {what}; free some space, then run it again",
                  file=sys.stderr)
            sys.exit(ExitCode.FAILED)
        print(f"persona: unexpected error ({type(e).__name__}: {e}); rerun with "
              "PERSONA_DEBUG=1 to see where, and report it", file=sys.stderr)
        sys.exit(ExitCode.FAILED)
    sys.exit(code if isinstance(code, int) else 0)


def _database_fix(e: Exception) -> str:
    """Free space when the disk holding the SQLite outbox is full (never "move it aside":
    that throws the outbox away), else where to look."""
    from personas import db
    from personas.files import full

    path = db.sqlite_path()
    if path is not None and full(path.parent, e):
        return db.sqlite_fix(path, e)
    return "check the database, or PERSONA_DATABASE_URL"
