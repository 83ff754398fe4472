"""star, community import: carrying the best posts of the public personas into the
private one."""

from typing import Annotated

import typer

from personas.cli.common import (
    JsonOpt,
    complete_persona,
    context,
    emit_json,
    message,
    post_ref,
    table,
)


def register(app: typer.Typer) -> None:
    app.command("star")(star)


def star(
    ctx: typer.Context,
    posts: Annotated[list[str] | None, typer.Argument(
        metavar="[POST]...", callback=post_ref,
        help="Post ids or URLs of the personas carried in from.", show_default=False)] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Unstar them instead.")] = False,
    json: JsonOpt = False,
) -> None:
    """Star posts as among the best, so `persona community import` carries them into the
    private persona whatever their likes; with no POST, list the starred posts.

    Only posts of the personas a private persona imports from (`import_from`) can be
    starred, and only their own posts (not their replies or reposts).

    Examples:

      persona star 1000000001

      persona star https://x.com/Jesse/status/1850000000000000000

      persona star --remove 1000000001

      persona star --json
    """
    from personas import carry

    c = context(ctx)
    if not posts:
        if remove:
            message("name the posts to unstar: persona star --remove POST")
            raise typer.Exit(2)
        starred = carry.stars()
        if json:
            emit_json(starred)
        elif not starred:
            print("no starred posts; `persona star POST` stars one")
        else:
            table(["persona", "post", "starred"],
                  [[str(s["persona"]), str(s["post_id"]), str(s["starred_at"])[:16]]
                   for s in starred])
        return
    done = [carry.star(c, ref, remove=remove) for ref in posts]
    if json:
        emit_json([{"persona": p, "post_id": i, "changed": changed} for p, i, changed in done])
        return
    for persona, post_id, changed in done:
        if remove:
            print(f"unstarred {post_id}" if changed else f"{post_id} was not starred")
        else:
            print(f"starred {post_id} of {persona}" if changed
                  else f"{post_id} of {persona} was already starred")


def community_import(
    ctx: typer.Context,
    persona: Annotated[str | None, typer.Option(
        "--persona", "-p", metavar="NAME", autocompletion=complete_persona,
        help="The private persona to carry into (default: every private persona with "
             "import_from).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Say what would be carried; carry nothing.")] = False,
    json: JsonOpt = False,
) -> None:
    """Carry the best posts of the import_from personas into the private persona, as
    reposts (or quotes, with carry_as = "quote"), each post once.

    The best: at least [personas.NAME.import] min_likes likes or min_reposts reposts
    within the last `days` days, or starred with `persona star POST`. Exits 1 when a carry
    could not be sent (it stays in the outbox for `persona worker`).

    Examples:

      persona community import --dry-run

      persona community import

      persona community import --persona we --json
    """
    from personas import carry

    done = carry.run(context(ctx), persona, dry_run=dry_run)
    if json:
        emit_json([c.to_json() for c in done])
    elif not done:
        print("nothing to carry in: no new post reaches the thresholds or is starred")
    else:
        verb = {"planned": "would carry", "carried": "carried", "queued": "queued",
                "failed": "failed to carry", "waiting": "left to the worker"}
        for c in done:
            where = f": {c.url}" if c.url else ""
            print(f"{c.persona}: {verb[c.status]} post {c.post.post_id} of {c.post.source} as a "
                  f"{c.how} ({c.why}){where}")
            if c.error:
                message(f"{c.post.post_id}: {c.error}")
    if any(c.status in ("queued", "failed") for c in done):
        raise typer.Exit(1)
