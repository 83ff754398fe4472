"""community: the private persona's join requests, decisions, members and reminders."""

from typing import Annotated

import typer

from personas.cli.carry import community_import
from personas.cli.common import JsonOpt, complete_persona, context, emit_json, message, table

app = typer.Typer(
    help="The private community: join requests, approval, members, introductions, and "
         "carrying the best posts in.\n\n"
         "Example: persona community sync && persona community requests",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help: rich's costs more start-up than the command
)

PersonaOpt = Annotated[str | None, typer.Option(
    "--persona", "-p", metavar="PERSONA", autocompletion=complete_persona,
    help="The private persona (default: the only private one).")]
HandlesArg = Annotated[list[str] | None, typer.Argument(
    metavar="HANDLE...", help="Who, with or without @.", show_default=False)]


def _community(ctx: typer.Context, persona: str | None):  # type: ignore[no-untyped-def]
    from personas.community import community

    return community(context(ctx), persona, notify=message)


@app.command("sync")
def sync(ctx: typer.Context, persona: PersonaOpt = None, json: JsonOpt = False) -> None:
    """Pull new join requests (pending follow requests, and messages or mentions to any
    persona that say a join phrase), introductions, and members X has accepted. Running it
    twice changes nothing.

    Examples:

      persona community sync

      persona community sync --persona we --json
    """
    report = _community(ctx, persona).sync()
    for notice in report.notices:
        message(notice)
    failure = report.failure()
    if json:
        emit_json(report.to_json())
        if failure:
            raise failure
        return
    parts = [f"{len(report.new_requests)} new request(s)"
             + (f" ({', '.join('@' + h for h in report.new_requests)})"
                if report.new_requests else ""),
             f"{len(report.introductions)} introduction(s)",
             f"{len(report.confirmed)} member(s) confirmed"]
    if report.accepted:
        parts.append(f"{len(report.accepted)} member follow request(s) accepted")
    if report.sources_added:
        parts.insert(1, f"{report.sources_added} request(s) seen again elsewhere")
    print(f"{report.persona}: " + ", ".join(parts))
    if failure:
        raise failure


@app.command("add")
def add(ctx: typer.Context,
        handle: Annotated[str, typer.Argument(metavar="HANDLE", help="Who asks to join.",
                                              show_default=False)],
        intro: Annotated[str | None, typer.Option(
            "--intro", metavar="TEXT", help="Their introduction, as they gave it.")] = None,
        persona: PersonaOpt = None, json: JsonOpt = False) -> None:
    """Add a join request by hand (someone asked in person, by mail, or on X where the
    access level hides follow requests). A denied request is reopened.

    Examples:

      persona community add ana

      persona community add @ana --intro "Photographer in Lisbon, met at the meetup"
    """
    from personas.posting import check_text

    intro = check_text(intro) if intro is not None else None
    c = _community(ctx, persona)
    what, req = c.add(handle, intro)
    if json:
        emit_json({**c.row(req).to_json(), "result": what})
        return
    print(f"@{req.shown}: {what}" + (" (pending)" if what in ("added", "reopened") else ""))


_STATUSES = ("open", "pending", "awaiting_acceptance", "approved", "denied", "all")


@app.command("requests")
def requests(ctx: typer.Context,
             status: Annotated[str, typer.Option(
                 "--status", metavar="STATUS",
                 help="open (pending and awaiting acceptance), pending, awaiting_acceptance, "
                      "approved, denied or all.")] = "open",
             persona: PersonaOpt = None, json: JsonOpt = False) -> None:
    """Join requests with each requester's realness signals, score and the reasons behind
    it (the rule is in accounts.toml; see docs/community.md).

    Examples:

      persona community requests

      persona community requests --status all --json
    """
    from personas.community_tables import AWAITING, PENDING, STATUSES
    from personas.errors import BadInput

    if status not in _STATUSES:
        raise BadInput(f"unknown --status {status!r}; use one of: {', '.join(_STATUSES)}")
    wanted = {"open": (PENDING, AWAITING), "all": STATUSES}.get(status, (status,))
    c = _community(ctx, persona)
    rows = c.requests(wanted)
    if json:
        emit_json([r.to_json() for r in rows])
        return
    if not rows:
        print(f"{c.persona.name}: no {'' if status == 'all' else status + ' '}join requests")
        return
    threshold = c.settings.min_realness
    table(["handle", "status", "signals", "score", "why not 1"],
          [[f"@{r.request.shown}", r.request.status.replace("_", " "), _signals(r.signals),
            "unknown" if not r.profile_read
            else f"{r.score:.2f}" + ("" if r.score >= threshold else " low"),
            "; ".join(r.reasons) or "-"] for r in rows],
          title=f"{c.persona.name}: join requests (real at {threshold:.2f} or more)")


def _signals(s: dict[str, object]) -> str:
    def known(key: str, text: str) -> str | None:
        return None if s[key] is None else text

    parts = [known("account_age_days", f"{s['account_age_days']}d old"),
             known("posts", f"{s['posts']} posts"),
             None if s["followers"] is None else
             f"{s['followers']} followers / {s['following']} following",
             known("default_avatar", "default avatar" if s["default_avatar"] else "own avatar"),
             known("empty_bio", "empty bio" if s["empty_bio"] else "bio"),
             "introduced" if s["introduced"] else "no introduction"]
    return ", ".join(p for p in parts if p)


@app.command("approve")
def approve(ctx: typer.Context, handles: HandlesArg = None,
            all_real: Annotated[bool, typer.Option(
                "--all-real", help="Every pending request at or above the realness "
                "threshold (shows the list and asks first).")] = False,
            yes: Annotated[bool, typer.Option("--yes", "-y",
                                              help="Do not ask before --all-real.")] = False,
            persona: PersonaOpt = None, json: JsonOpt = False) -> None:
    """Approve join requests: follow each person from the private persona, accept their
    follow request (on X, accept it in X's app: the command lists whom), and send the
    welcome message, asking for an introduction unless they gave one. Approving twice does
    nothing the second time.

    Examples:

      persona community approve ana ben

      persona community approve --all-real

      persona community approve --all-real --yes --json
    """
    from personas.errors import BadInput

    c = _community(ctx, persona)
    names = list(handles or [])
    if all_real:
        rows = c.real_pending()
        if not rows and not names:
            message(f"{c.persona.name}: no pending request scores "
                    f"{c.settings.min_realness:.2f} or more")
        if rows and not yes:
            for r in rows:
                message(f"  @{r.request.shown}  score {r.score:.2f}")
            try:
                ok = typer.confirm(f"approve these {len(rows)}?", default=False, err=True)
            except typer.Abort:
                ok = False
            if not ok:
                raise BadInput("nothing approved; answer y, or add --yes to approve the list "
                               "without asking")
        names += [r.request.shown for r in rows]
    elif not names:
        raise BadInput("name who to approve, or use --all-real; see `persona community "
                       "requests`")
    # every handle is checked before anyone is approved: a typo changes nothing
    shown = {req.handle: req.shown for req in map(c.check_approvable, names)}
    results = [{"handle": who, "result": c.approve(who)} for who in shown.values()]
    if json:
        emit_json(results)
        return
    words = {"approved": "approved: followed and welcomed; their follow request is let in "
                         "(now, or by the next sync once they send one)",
             "awaiting": "followed and welcomed; accept their request in the app",
             "already": "already approved: nothing to do"}
    for r in results:
        print(f"@{r['handle']}: {words[r['result']]}")
    waiting = [r["handle"] for r in results if r["result"] == "awaiting"]
    if waiting:
        message(f"{c.persona.network} has no API to accept follow requests: open "
                f"@{c.persona.handle}'s follower requests in its app and accept "
                f"{', '.join('@' + h for h in waiting)}; `persona community sync` confirms "
                "them once they follow")


@app.command("deny")
def deny(ctx: typer.Context, handles: HandlesArg = None,
         block: Annotated[bool, typer.Option("--block", help="Block them too.")] = False,
         reason: Annotated[str | None, typer.Option(
             "--reason", metavar="TEXT", help="Why, for your own records.")] = None,
         persona: PersonaOpt = None, json: JsonOpt = False) -> None:
    """Deny join requests (the follow request is rejected where the network can). Denying
    twice does nothing the second time; `persona community add` reopens one.

    Examples:

      persona community deny deals0001

      persona community deny deals0001 promo0002 --block --reason spam
    """
    from personas.errors import BadInput

    if not handles:
        raise BadInput("name who to deny; see `persona community requests`")
    c = _community(ctx, persona)
    # every handle is checked before anyone is denied: a typo changes nothing
    shown = {req.handle: req.shown for req in map(c.check_deniable, handles)}
    results = [{"handle": who, "result": c.deny(who, block=block, reason=reason)}
               for who in shown.values()]
    if json:
        emit_json(results)
        return
    words = {"denied": "denied" + (" and blocked" if block else ""),
             "already": "already denied: nothing to do", "blocked": "already denied; blocked"}
    for r in results:
        print(f"@{r['handle']}: {words[r['result']]}")


@app.command("members")
def members(ctx: typer.Context,
            no_intro: Annotated[bool, typer.Option(
                "--no-intro", help="Only members who have not introduced themselves.")] = False,
            persona: PersonaOpt = None, json: JsonOpt = False) -> None:
    """The approved members, when they were approved, and their introductions (private
    words: shown to you, never in reports unless --include-private).

    Examples:

      persona community members

      persona community members --no-intro --json
    """
    c = _community(ctx, persona)
    found = c.members(without_intro=no_intro)
    shown = {r.request.handle: r.request.shown for r in c.requests(("approved",))}
    data = [{"handle": shown.get(m.handle, m.handle), "approved_at": m.approved_at,
             "introduced": m.introduction is not None, "introduction": m.introduction,
             "reminders": m.reminders, "reminded_at": m.reminded_at,
             "more_reminders": m.introduction is None and not c.reminded_enough(m)}
            for m in found]
    if json:
        emit_json(data)
        return
    if not data:
        print(f"{c.persona.name}: no members" + (" without an introduction" if no_intro else ""))
        return
    table(["handle", "approved", "introduction", "reminders"],
          [[f"@{d['handle']}", d["approved_at"].strftime("%Y-%m-%d"),  # type: ignore[attr-defined]
            str(d["introduction"] or "-"), _reminders(d)] for d in data],
          title=f"{c.persona.name}: {len(data)} member(s)")


def _reminders(member: dict[str, object]) -> str:
    done = not member["introduced"] and not member["more_reminders"]
    return f"{member['reminders']}" + (" (no more)" if done else "")


@app.command("remind")
def remind(ctx: typer.Context, persona: PersonaOpt = None, json: JsonOpt = False) -> None:
    """Message the members who have not introduced themselves, at most once per member per
    remind_every (accounts.toml, default 7 days, counted from approval) and at most
    max_reminders times each (default 2); says who will get no more.

    Examples:

      persona community remind

      persona community remind --json
    """
    c = _community(ctx, persona)
    sent = c.remind()
    shown = {r.request.handle: r.request.shown for r in c.requests(("approved",))}
    done = [shown.get(m.handle, m.handle) for m in c.done_reminding()]
    if json:
        emit_json({"persona": c.persona.name, "reminded": sent, "no_more_reminders": done})
        return
    print(f"{c.persona.name}: reminded {len(sent)}"
          + (f" ({', '.join('@' + h for h in sent)})" if sent else ""))
    if done:
        print(f"{c.persona.name}: no more reminders for {len(done)} "
              f"({', '.join('@' + h for h in done)}): max_reminders = "
              f"{c.settings.max_reminders} reached")


@app.command("reset")
def reset(ctx: typer.Context,
          keep: Annotated[bool, typer.Option(
              "--keep", help="Keep the state for the accounts named now: they are the same "
              "accounts (renamed, or their network renamed in accounts.toml).")] = False,
          persona: PersonaOpt = None, json: JsonOpt = False) -> None:
    """Clear the community's state that was made for another account than the one
    accounts.toml names now: its requests and members when the private persona's account
    changed, its read cursors of a persona whose account changed, the private persona's
    follow records. State of the current accounts is never touched. Community commands
    refuse to use another account's state and name this command.

    Examples:

      persona community reset

      persona community reset --persona we --keep
    """
    from personas.cli.follow import show_reset
    from personas.community import reset as reset_community

    done = reset_community(context(ctx).config, persona, keep=keep)
    show_reset(done, keep, json, "nothing to reset: the community's state is for the "
               "accounts accounts.toml names")


# carrying the best posts in: personas/cli/carry.py
app.command("import")(community_import)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="community")
