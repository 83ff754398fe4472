"""queue: what is in the outbox, and changing what has not gone out yet."""

from typing import Annotated

import typer

from personas.cli.common import (
    MAX_ID,
    ItemIdArg,
    JsonOpt,
    complete_persona,
    context,
    emit_json,
    message,
    table,
)

STATUSES = ("queued", "sending", "sent", "failed", "cancelled", "held")

app = typer.Typer(
    help="Show the outbox, and cancel, retry or edit items that have not gone out.\n\n"
         "Example: persona queue --status all --json",
    invoke_without_command=True,
    rich_markup_mode=None,
)


@app.callback()
def queue(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", metavar="STATUS",
                                               help="queued, sending, sent, failed, cancelled, "
                                               "held or all (default: not yet sent).")] = None,
    persona: Annotated[str | None, typer.Option("--persona", metavar="PERSONA",
                                                autocompletion=complete_persona,
                                                help="Only this persona's items.")] = None,
    json: JsonOpt = False,
) -> None:
    """Show the outbox: by default what is not yet sent (queued, sending, failed, held).

    An item is held when its persona's network or account changed after it was queued: it
    goes only where it was routed. `persona queue retarget ID` queues it for the persona's
    account now; `persona queue cancel ID` drops it.

    Examples:

      persona queue

      persona queue --status all --persona you --json

      persona queue cancel 12
    """
    if ctx.invoked_subcommand is not None:
        return
    from personas import outbox
    from personas.errors import BadInput

    if status is not None and status not in (*STATUSES, "all"):
        raise BadInput(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}, all")
    if persona is not None:
        context(ctx).persona(persona)
    wanted = None if status is None else STATUSES if status == "all" else (status,)
    outbox.hold_moved(list(context(ctx).config.personas))  # what the worker would hold
    rows = [_row(item) for item in outbox.pending(persona, wanted)]
    if json:
        emit_json(rows)
        return
    if not rows:
        print("the outbox is empty" if status is None else f"no items with status {status}")
        return
    table(["id", "persona", "kind", "status", "when", "tries", "text", "last error / url"],
          [[str(r["id"]), r["persona"], r["kind"], r["status"], _when(r), str(r["attempts"]),
            _short(r["text"]), r["last_error"] or r["url"] or ""] for r in rows])
    # what stops a whole persona deserves a line of its own, whatever the table's width
    stopped = {r["persona"]: r["last_error"] for r in rows
               if r["status"] == "queued" and "persona login" in (r["last_error"] or "")}
    for name, error in stopped.items():
        message(f"{name} is not sending: {error}")


@app.command("cancel")
def cancel(ctx: typer.Context, item: ItemIdArg, json: JsonOpt = False) -> None:
    """Cancel an item that has not gone out (queued, failed or held).

    Example: persona queue cancel 12
    """
    from personas import outbox

    _done(outbox.cancel(item), json, "cancelled")


@app.command("retry")
def retry(ctx: typer.Context, item: ItemIdArg, json: JsonOpt = False) -> None:
    """Send a failed or cancelled item again at the next chance (`persona worker` sends it).

    Example: persona queue retry 12
    """
    from personas import outbox

    _done(outbox.retry(item), json, "queued again")


@app.command("retarget")
def retarget(
    ctx: typer.Context,
    items: Annotated[list[int], typer.Argument(metavar="ID...", show_default=False,
                                               min=1, max=MAX_ID,
                                               help="Held items' ids (see `persona queue "
                                               "--status held`).")],
    json: JsonOpt = False,
) -> None:
    """Queue held items for their persona's account now (`persona worker` sends them).

    An item is held when its persona's network or account changed after it was queued
    (a persona moved from the sandbox to X, a new handle): it was meant for the old one.
    Retarget it to send it as the persona is now; cancel it to drop it. An item held while
    it was being sent may have gone out on the old account: look there first.

    Examples:

      persona queue --status held

      persona queue retarget 12 13
    """
    from personas import outbox

    c = context(ctx)
    done = []
    for item_id in items:
        row = outbox.get(item_id)
        if row.status == "held" and outbox.IN_FLIGHT_WARNING in (row.last_error or ""):
            message(f"item {row.id} was being sent to {row.account} when its worker stopped "
                    "and may have gone out there; it is queued for the new account all the "
                    "same, as asked")
        done.append(outbox.retarget(item_id, c.persona(row.persona)))
    if json:
        emit_json([_row(r) for r in done])
        return
    for row in done:
        message(f"item {row.id} ({row.persona}) queued for {row.account}; `persona worker` "
                "sends it")


@app.command("edit")
def edit(
    ctx: typer.Context, item: ItemIdArg,
    text: Annotated[str | None, typer.Option("--text", metavar="TEXT",
                                             help="New text; routed again as its persona.")] = None,
    at: Annotated[str | None, typer.Option("--at", metavar="WHEN",
                                           help='New time: "in 2h", "tomorrow 9:00", an ISO '
                                           'time, or "next".')] = None,
    json: JsonOpt = False,
) -> None:
    """Change the text or the time of an item that has not gone out.

    Examples:

      persona queue edit 12 --text "Fixed a typo"

      persona queue edit 12 --at "friday 17:30"
    """
    from personas import posting
    from personas.cli.common import read_text
    from personas.errors import BadInput

    if text is None and at is None:
        raise BadInput("nothing to change; give --text and/or --at")
    new_text = posting.check_text(read_text(text)) if text is not None else None
    _done(posting.edit(context(ctx), item, text=new_text, at=at), json, "changed")


def _done(row, json: bool, verb: str) -> None:  # type: ignore[no-untyped-def]
    if json:
        emit_json(_row(row))
    else:
        message(f"item {row.id} ({row.persona}) {verb}")


def _row(item) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "id": item.id, "persona": item.persona, "kind": item.kind, "text": item.text,
        "status": item.status, "scheduled_at": item.scheduled_at, "attempts": item.attempts,
        "last_error": item.last_error, "remote_id": item.remote_id, "url": item.url,
        "target": item.target, "created_at": item.created_at,
        "next_attempt_at": item.next_attempt_at, "account": item.account,
    }


def _when(row: dict[str, object]) -> str:
    from personas.when import show

    for key in ("scheduled_at", "next_attempt_at"):
        if row[key] is not None and row["status"] == "queued":
            return show(row[key])  # type: ignore[arg-type]
    return ""


def _short(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
