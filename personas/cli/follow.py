"""follow: follow-back sweeps (`persona follow sync`)."""

import sys
from typing import Annotated

import typer

from personas.cli.common import JsonOpt, complete_persona, context, emit_json, message

app = typer.Typer(help="Follow back followers or members, within the rate limits.\n\n"
                       "Example: persona follow sync you", no_args_is_help=True)


@app.command("sync")
def sync(
    ctx: typer.Context,
    persona: Annotated[str, typer.Argument(help="The persona whose sweep to run.",
                                                autocompletion=complete_persona)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be followed; "
                                          "follow nobody (followers are still read).")] = False,
    limit: Annotated[int | None, typer.Option("--limit", metavar="N", min=1, max=1_000_000,
                                              help="Follow or unfollow at most N accounts, "
                                              "then stop; the next run resumes.")] = None,
    full: Annotated[bool, typer.Option(
        "--full", help="Re-read every follower and followed account (notices unfollows); "
        "says the cost first.")] = False,
    json: JsonOpt = False,
) -> None:
    """Follow the followers (auto_follow = "followers") or approved members ("members")
    the persona does not follow yet, skipping the blocklist, likely spam, pending requests
    and anyone unfollowed by hand. Paced by the rate limits: it waits for the next window
    and says until when; an interrupted sweep resumes where it stopped.

    Examples:

      persona follow sync you

      persona follow sync you --limit 50 --json

      persona follow sync you --full --dry-run
    """
    from personas.following import sweep

    show = not json and sys.stdout.isatty()
    with _bar(show) as progress:
        report = sweep(context(ctx), persona, notify=message, progress=progress).run(
            full=full, dry_run=dry_run, limit=limit)
    if json:
        emit_json(report.to_json())
        return
    verb = "would follow" if dry_run else "followed"
    skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(report.skipped.items()))
    left = ("complete" if report.complete or dry_run
            else f"{report.queued} left: run it again to resume")
    print(f"{persona}: {verb} {report.followed} ({report.followed_back} back), unfollowed "
          f"{report.unfollowed}, skipped "
          f"{sum(report.skipped.values())}{f' ({skipped})' if skipped else ''}; read "
          f"{report.followers_read} followers in {report.requests} requests; {left}")


@app.command("reset")
def reset(
    ctx: typer.Context,
    persona: Annotated[str, typer.Argument(
        help="The persona whose follow state to reset.", autocompletion=complete_persona)],
    keep: Annotated[bool, typer.Option(
        "--keep", help="Keep the state for the account named now: it is the same account "
        "(renamed, or its network renamed in accounts.toml).")] = False,
    json: JsonOpt = False,
) -> None:
    """Clear a persona's follow state (whom it followed, its sweep) that was made for
    another account than the one accounts.toml names now, so that sweeps start afresh for
    this one; state of the current account is never touched. Sweeps refuse to use another
    account's state and name this command.

    Examples:

      persona follow reset you

      persona follow reset you --keep
    """
    from personas.following import reset as reset_follow

    c = context(ctx)
    done = reset_follow(c, persona, keep=keep)
    show_reset(done, keep, json, f"{persona}: nothing to reset: its follow state is for the "
               "account accounts.toml names")


def show_reset(done: list, keep: bool, json: bool, nothing: str) -> None:  # type: ignore[type-arg]
    """What `follow reset` or `community reset` did (personas.state_accounts)."""
    if json:
        emit_json({"reset": [m.to_json(keep) for m in done]})
        return
    for m in done:
        print(m.done(keep))
    if not done:
        print(nothing)


def _bar(show: bool):  # type: ignore[no-untyped-def]
    from contextlib import nullcontext

    if not show:
        return nullcontext(None)
    from personas.cli.follow_progress import Bar

    return Bar()
