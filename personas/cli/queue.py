"""queue: what is in the outbox."""

from typing import Annotated

import typer

from personas.cli.common import JsonOpt, context, emit_json, table

STATUSES = ("queued", "sending", "sent", "failed", "cancelled")


def register(app: typer.Typer) -> None:
    app.command("queue")(queue)


def queue(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", metavar="STATUS",
                                               help="queued, sending, sent, failed, cancelled "
                                               "or all (default: not yet sent).")] = None,
    persona: Annotated[str | None, typer.Option("--persona", metavar="PERSONA",
                                                help="Only this persona's items.")] = None,
    json: JsonOpt = False,
) -> None:
    """Show the outbox: by default what is not yet sent (queued, sending, failed).

    Examples:

      persona queue

      persona queue --status all --persona you --json
    """
    from personas import outbox
    from personas.errors import BadInput

    if status is not None and status not in (*STATUSES, "all"):
        raise BadInput(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}, all")
    if persona is not None:
        context(ctx).persona(persona)
    wanted = None if status is None else STATUSES if status == "all" else (status,)
    rows = [_row(item) for item in outbox.pending(persona, wanted)]
    if json:
        emit_json(rows)
        return
    if not rows:
        print("the outbox is empty" if status is None else f"no items with status {status}")
        return
    table(["id", "persona", "kind", "status", "attempts", "text", "last error / url"],
          [[str(r["id"]), r["persona"], r["kind"], r["status"], str(r["attempts"]),
            _short(r["text"]), r["last_error"] or r["url"] or ""] for r in rows])


def _row(item) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "id": item.id, "persona": item.persona, "kind": item.kind, "text": item.text,
        "status": item.status, "scheduled_at": item.scheduled_at, "attempts": item.attempts,
        "last_error": item.last_error, "remote_id": item.remote_id, "url": item.url,
        "target": item.target, "created_at": item.created_at,
    }


def _short(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
