"""post, reply, repost, route: one item through the router, and out."""

from pathlib import Path
from typing import Annotated

import typer

from personas.cli.common import (
    AsOpt,
    JsonOpt,
    PostRefArg,
    context,
    emit_json,
    message,
    post_ref,
    read_text,
)
from personas.errors import ExitCode

TextArg = Annotated[str, typer.Argument(metavar="TEXT", help="What to post; - reads stdin.",
                                        show_default=False)]
ReplyOpt = Annotated[str | None, typer.Option("--reply-to", metavar="ID|URL", callback=post_ref,
                                              help="Reply to this post.")]
AtOpt = Annotated[str | None, typer.Option(
    "--at", metavar="WHEN",
    help='Schedule instead of posting now: "2026-12-01T09:00", "in 2h", "tomorrow 9:00", '
         '"friday 17:30" (your time zone), or "next" for the persona\'s next free slot. '
         "`persona worker` sends it.")]
MediaOpt = Annotated[list[Path] | None, typer.Option(
    "--media", metavar="FILE", dir_okay=False,
    help="Attach an image (PNG, JPEG or WebP up to 5 MB), repeat for up to 4; or one GIF "
         "(up to 15 MB) or video (MP4 or MOV, up to 512 MB). X networks only.")]
AltOpt = Annotated[list[str] | None, typer.Option(
    "--alt", metavar="TEXT", help="Alt text for the media, one per --media, in order.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Route it and stop: nothing is "
                                         "stored or sent.")]


def register(app: typer.Typer) -> None:
    app.command("post")(post)
    app.command("reply")(reply)
    app.command("repost")(repost)
    app.command("route")(route)


def post(ctx: typer.Context, text: TextArg, as_: AsOpt = None, reply_to: ReplyOpt = None,
         at: AtOpt = None, media: MediaOpt = None, alt: AltOpt = None,
         dry_run: DryRunOpt = False, json: JsonOpt = False) -> None:
    """Route TEXT to the persona whose policy takes it, and post it there.

    The item is stored in the outbox before anything is sent, so a failure keeps it
    queued (exit 1); a refusal stores nothing (exit 2).

    Examples:

      persona post "Hello from persona"

      persona post "Worth reading: https://example.org/essay"

      persona post --as we "Welcome, everyone"

      persona post --at "tomorrow 9:00" "Good morning"

      persona post "Our new office" --media office.jpg --alt "A sunny room with plants"

      echo "from a script" | persona post -
    """
    _send(ctx, read_text(text), as_=as_, reply_to=reply_to, at=at, dry_run=dry_run, json=json,
          media=media or [], alt=alt or [])


def reply(ctx: typer.Context, target: PostRefArg, text: TextArg, as_: AsOpt = None,
          dry_run: DryRunOpt = False, json: JsonOpt = False) -> None:
    """Reply to a post; replies go to the persona whose policy takes them.

    Examples:

      persona reply 1000000001 "Thanks, good point"

      persona reply https://sandbox.invalid/we/status/1000000001 "Agreed"
    """
    _send(ctx, read_text(text), as_=as_, reply_to=target, dry_run=dry_run, json=json)


def repost(ctx: typer.Context, target: PostRefArg, as_: AsOpt = None,
           dry_run: DryRunOpt = False, json: JsonOpt = False) -> None:
    """Repost someone's post from the persona whose policy takes reposts.

    Examples:

      persona repost 1000000001

      persona repost https://sandbox.invalid/someone/status/1000000001 --json
    """
    _send(ctx, "", as_=as_, repost_of=target, dry_run=dry_run, json=json)


def route(ctx: typer.Context, text: TextArg, as_: AsOpt = None, reply_to: ReplyOpt = None,
          json: JsonOpt = False) -> None:
    """Show where TEXT would go and every persona's reason; nothing is posted.

    Exits 0 when a persona takes it, 2 when every persona refuses it.

    Examples:

      persona route "Just shipped a new essay on my blog https://example.com/essay"

      persona route --json "see https://other.example/x"
    """
    from personas import posting

    routed = posting.route(context(ctx), read_text(text), as_=as_, reply_to=reply_to)
    if json:
        emit_json(routed.to_json())
    else:
        _explain(routed)
    if routed.decision.refused:
        raise typer.Exit(ExitCode.REFUSED)


def _log_refusal(routed) -> None:  # type: ignore[no-untyped-def]
    """The refusal in the activity log; the refusal itself stands if the log cannot take
    it (a database that is down makes it no less refused)."""
    from personas import posting
    from personas.errors import PersonaError

    try:
        posting.record_refusal(routed)
    except PersonaError as e:
        message(f"warning: the refusal was not logged: {e.message}")


def _explain(routed) -> None:  # type: ignore[no-untyped-def]
    decision = routed.decision
    head = (f"{decision.kind.value} -> {decision.persona}" if not decision.refused
            else f"{decision.kind.value}: refused by every persona")
    print(head)
    for name, reason in decision.reasons.items():
        mark = "*" if name == decision.persona else " "
        print(f" {mark} {name}: {reason}")
    for warning in routed.warnings:
        message(f"warning: {warning}")


def _send(ctx: typer.Context, text: str, *, as_: str | None, reply_to: str | None = None,
          repost_of: str | None = None, at: str | None = None, dry_run: bool,
          json: bool, media: list[Path] = [], alt: list[str] = []) -> None:  # noqa: B006 (never mutated)
    from personas import media as media_module
    from personas import posting

    c = context(ctx)
    routed = posting.route(c, text, as_=as_, reply_to=reply_to, repost_of=repost_of)
    decision = routed.decision
    if decision.refused:
        if not dry_run:
            _log_refusal(routed)
        if json:
            emit_json({**routed.to_json(), "status": "refused"})
        message(f"refused, nothing posted: {_refusal(routed)}")
        raise typer.Exit(ExitCode.REFUSED)
    images = media_module.check(media, alt, c.persona(decision.persona))  # type: ignore[arg-type]
    if dry_run:
        if json:
            emit_json({**routed.to_json(), "status": "dry-run"})
        else:
            _explain(routed)
        return
    for warning in routed.warnings:
        message(f"warning: {warning}")
    when = posting.when_for(c, decision.persona, at) if at is not None else None
    result = posting.post(c, routed, at=when, media=images or None)
    _record(result)
    if json:
        emit_json({**result.to_json(), "warnings": list(routed.warnings)})
    elif when is not None:
        from personas.when import show, until

        print(f"{result.kind} -> {result.persona}: scheduled for {show(when)} ({until(when)}), "
              f"item {result.id}")
        print(f"  why: {decision.reasons[result.persona]}")
    elif result.behind:
        print(f"{result.kind} -> {result.persona}: queued, item {result.id}")
    elif result.error is None:
        print(f"{result.kind} -> {result.persona}: {result.url}")
        print(f"  why: {decision.reasons[result.persona]}")
    if result.behind:
        message(f"another process is sending an item of {result.persona} now, and a persona's "
                f"items go out one at a time: item {result.id} waits its turn, and "
                "`persona worker` sends it")
    if result.error is not None:
        message(f"{result.error.message}; item {result.id} is kept in the outbox "
                f"({result.status}), see `persona queue`")
        raise typer.Exit(result.error.exit_code)


def _record(result) -> None:  # type: ignore[no-untyped-def]
    """Commit the post's result before it is reported. If the database fails now, the post
    is out all the same: say so, once, and leave the item to the worker's reconciling."""
    from personas import db

    try:
        db.flush()
    except Exception as e:  # noqa: BLE001 (the driver's error, whichever database)
        db.drop_later()  # not again at exit: the item stays `sending` for the worker
        message(f"posted at {result.url}, but not recorded: database error "
                f"({db.first_line(e)}); "
                f"item {result.id} stays `sending` until `persona worker` reconciles it")
        raise typer.Exit(ExitCode.FAILED) from None


def _refusal(routed) -> str:  # type: ignore[no-untyped-def]
    reasons = routed.decision.reasons
    return "; ".join(f"{name}: {reason}" for name, reason in reasons.items())
