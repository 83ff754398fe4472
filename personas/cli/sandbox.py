"""sandbox: look at the simulated network, and make other people act on it."""

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

app = typer.Typer(
    help="The built-in simulated network: see what landed, and rehearse offline.\n\n"
         "Example: persona sandbox timeline me",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help: rich's costs more start-up than the command
)
simulate_app = typer.Typer(
    help="Make other people act on the sandbox, seeded and deterministic.\n\n"
         "Example: persona sandbox simulate follow you --count 20 --spammy 3",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help: rich's costs more start-up than the command
)
app.add_typer(simulate_app, name="simulate")

PersonaArg = Annotated[str, typer.Argument(metavar="PERSONA", autocompletion=complete_persona,
                                           help="A persona on a sandbox "
                                           "network.", show_default=False)]
PostArg = Annotated[str, typer.Argument(metavar="POST", callback=post_ref,
                                        help="A sandbox post id or URL.", show_default=False)]
HandleOpt = Annotated[str, typer.Option("--handle", metavar="HANDLE",
                                        help="Who acts (created when new).")]
TextOpt = Annotated[str, typer.Option("--text", metavar="TEXT", help="What they write.")]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, max=999_999_999,
                                      help="Seed for the simulated people.")]


def _store(ctx: typer.Context, persona_name: str):  # type: ignore[no-untyped-def]
    """The sandbox store behind a persona, with the persona's account in it."""
    from personas.errors import BadInput

    c = context(ctx)
    persona = c.persona(persona_name)
    if persona.network_kind != "sandbox":
        raise BadInput(f"persona {persona.name!r} is on {persona.network} "
                       f"({persona.network_kind}), not a sandbox network")
    network = c.network_for(persona)
    network.store.ensure_account(persona.handle, private=persona.private)  # type: ignore[attr-defined]
    return persona, network.store  # type: ignore[attr-defined]


def _who(ctx: typer.Context, handle: str) -> str:
    """A simulated person's handle: well formed, and not one of the user's own personas."""
    import re

    from personas.errors import BadInput

    if not re.fullmatch(r"@?[A-Za-z0-9_]{1,30}", handle):
        raise BadInput(f"not a valid handle: {handle[:40]!r}; use letters, digits and _")
    handle = handle.lstrip("@")
    own = [p.name for p in context(ctx).config.personas if p.handle.lower() == handle.lower()]
    if own:
        raise BadInput(f"@{handle} is your persona {own[0]!r}; simulate other people, and "
                       f"post as {own[0]} with `persona post --as {own[0]}`")
    return handle


def _text(text: str) -> str:
    from personas.posting import check_text

    return check_text(text)


def _as_bad_input(action):  # type: ignore[no-untyped-def]
    """What the sandbox refuses a simulated person is the command line's mistake."""
    from personas.errors import BadInput, RemoteRefused

    try:
        return action()
    except RemoteRefused as e:
        raise BadInput(e.message) from None


def _first_sandbox(ctx: typer.Context) -> str:
    from personas.errors import BadInput

    for p in context(ctx).config.personas:
        if p.network_kind == "sandbox":
            return p.name
    raise BadInput("no persona is on a sandbox network; run `persona init --sandbox`")


def _post_id(post: str) -> int:
    from personas.posting import parse_post_ref

    return int(parse_post_ref(post, "sandbox"))


@app.command("timeline")
def timeline(ctx: typer.Context, persona: PersonaArg,
             limit: Annotated[int, typer.Option("--limit", min=1, max=1_000_000,
                                                 help="How many posts.")] = 50,
             json: JsonOpt = False) -> None:
    """Show what landed on a persona's sandbox account, newest first.

    Examples:

      persona sandbox timeline me

      persona sandbox timeline we --json
    """
    from personas.networks.sandbox import remote

    p, store = _store(ctx, persona)
    posts = [remote(post) for post in store.timeline(p.handle, limit)]
    if json:
        emit_json([post.to_json() for post in posts])
        return
    if not posts:
        print(f"@{p.handle} has not posted yet")
        return
    table(["id", "kind", "created", "text", "refers to"],
          [[post.id, post.kind, post.created_at.strftime("%Y-%m-%d %H:%M"), post.text,
            post.in_reply_to or post.quote_of or post.repost_of or ""] for post in posts],
          title=f"@{p.handle}")


@simulate_app.command("follow")
def follow(ctx: typer.Context, persona: PersonaArg,
           count: Annotated[int, typer.Option("--count", min=0, max=100_000,
                                              help="New followers.")] = 1,
           spammy: Annotated[int, typer.Option("--spammy", min=0, max=100_000,
                                               help="How many of them look like spam.")] = 0,
           seed: SeedOpt = 0, json: JsonOpt = False) -> None:
    """COUNT new people follow PERSONA (or ask to, when it is private).

    Example: persona sandbox simulate follow you --count 20 --spammy 3
    """
    from personas.sandbox.simulate import Simulator

    p, store = _store(ctx, persona)
    people = Simulator(store, seed).follow(p.handle, count, spammy)
    _report(json, [x.to_json() for x in people],
            f"{len(people)} new followers of @{p.handle} ({spammy} spam-like)")


@simulate_app.command("request")
def request(ctx: typer.Context, persona: PersonaArg, handle: HandleOpt,
            intro: Annotated[str | None, typer.Option("--intro", metavar="TEXT",
                                                      help="Their introduction.")] = None,
            spammy: Annotated[bool, typer.Option("--spammy", help="A spam-like account.")] = False,
            seed: SeedOpt = 0, json: JsonOpt = False) -> None:
    """HANDLE asks to join the private PERSONA.

    Example: persona sandbox simulate request we --handle ana --intro "Hi, I'm Ana"
    """
    from personas.sandbox.simulate import Simulator

    p, store = _store(ctx, persona)
    handle = _who(ctx, handle)
    intro = _text(intro) if intro is not None else None
    Simulator(store, seed).request(p.handle, handle, intro, spammy)
    _report(json, {"handle": handle, "persona": p.name, "intro": intro},
            f"@{handle} asked to join @{p.handle}")


@simulate_app.command("reply")
def reply(ctx: typer.Context, post: PostArg, handle: HandleOpt, text: TextOpt,
          json: JsonOpt = False) -> None:
    """HANDLE replies to POST.

    Example: persona sandbox simulate reply 1000000001 --handle ana --text "Love this"
    """
    from personas.sandbox.simulate import Simulator

    _, store = _store(ctx, _first_sandbox(ctx))
    who, text = _who(ctx, handle), _text(text)
    made = _as_bad_input(lambda: Simulator(store).reply(_post_id(post), who, text))
    _report(json, {"id": str(made.id), "handle": made.author, "in_reply_to": post},
            f"@{made.author} replied to {post}: post {made.id}")


@simulate_app.command("mention")
def mention(ctx: typer.Context, persona: PersonaArg, handle: HandleOpt, text: TextOpt,
            json: JsonOpt = False) -> None:
    """HANDLE mentions PERSONA in a post.

    Example: persona sandbox simulate mention we --handle ana --text "can I join?"
    """
    from personas.sandbox.simulate import Simulator

    p, store = _store(ctx, persona)
    who, text = _who(ctx, handle), _text(text)
    made = _as_bad_input(lambda: Simulator(store).mention(p.handle, who, text))
    _report(json, {"id": str(made.id), "handle": made.author, "text": made.text},
            f"@{made.author} mentioned @{p.handle}: post {made.id}")


@simulate_app.command("dm")
def dm(ctx: typer.Context, persona: PersonaArg, handle: HandleOpt, text: TextOpt,
       json: JsonOpt = False) -> None:
    """HANDLE sends PERSONA a direct message.

    Example: persona sandbox simulate dm we --handle ana --text "Hi! I'm Ana from Lisbon"
    """
    from personas.sandbox.simulate import Simulator

    p, store = _store(ctx, persona)
    who, text = _who(ctx, handle), _text(text)
    message_id = Simulator(store).dm(p.handle, who, text)
    _report(json, {"id": message_id, "handle": who, "to": p.handle},
            f"@{who} sent @{p.handle} a message")


@simulate_app.command("like")
def like(ctx: typer.Context, post: PostArg,
         count: Annotated[int, typer.Option("--count", min=1, max=1_000_000,
                                              help="How many likes.")] = 1,
         json: JsonOpt = False) -> None:
    """COUNT people like POST.

    Example: persona sandbox simulate like 1000000001 --count 25
    """
    from personas.sandbox.simulate import Simulator

    _, store = _store(ctx, _first_sandbox(ctx))
    made = Simulator(store).like(_post_id(post), count)
    _report(json, {"id": str(made.id), "likes": made.likes, "impressions": made.impressions},
            f"post {made.id} now has {made.likes} likes")


def _report(json: bool, data: object, line: str) -> None:
    if json:
        emit_json(data)
    else:
        print(line)


@app.command("serve")
def serve(ctx: typer.Context,
          port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                            help="Port on 127.0.0.1 (0: any free port).")] = 8787,
          limit: Annotated[list[str] | None, typer.Option(
              "--limit", metavar="NAME=N", help="Calls per user per 15 minutes for one "
              "endpoint, e.g. create_post=5 (default: X's documented limits); NAME/24h=N "
              "for a 24-hour limit, sent in X's x-user-limit-24hour-* headers, e.g. "
              "create_post/24h=17.")] = None,
          fault: Annotated[list[str] | None, typer.Option(
              "--fault", metavar="SPEC", help="Fail requests instead of answering: "
              "status=503, delay=SECONDS, reset or lose_answer, with path=PREFIX, "
              "times=N (default 1) and after=N (matching requests answered first), "
              "comma-separated; repeat for more.")] = None,
          ) -> None:
    """Serve the sandbox network as X's API on 127.0.0.1.

    Point an X network at it with api_base = "http://127.0.0.1:PORT" in accounts.toml,
    register a sandbox app with `persona sandbox app`, then `persona login NAME`. It checks
    OAuth 1.0a signatures and enforces X's rate limits, length and duplicate rules.
    Ctrl-C stops it.

    Examples:

      persona sandbox serve --port 8787

      persona sandbox serve --port 0 --limit create_post=5

      persona sandbox serve --limit create_post/24h=17

      persona sandbox serve --fault status=503,path=/2/tweets,times=2
    """
    from personas.config import data_dir
    from personas.errors import BadInput
    from personas.sandbox.front import Front

    limits = _limits(limit or [])
    faults = [_fault(spec) for spec in fault or []]
    cfg = context(ctx).config
    try:
        front = Front(data_dir() / "sandbox.db", port=port, limits=limits,
                      ready_personas=[(p.handle, p.private) for p in cfg.personas])
    except OSError as e:
        raise BadInput(f"cannot listen on 127.0.0.1:{port} ({e.strerror}); pick another "
                       "port with --port, or 0 for any free one") from None
    for made in faults:
        front.inject(**made)
    print(front.url, flush=True)
    message(f"X API front on {front.url} serving {data_dir() / 'sandbox.db'}; "
            "Ctrl-C stops it")
    try:
        front.serve()
    except KeyboardInterrupt:
        message("stopped")
    finally:
        front.server.server_close()


def _limits(values: list[str]) -> dict[str, int]:
    import re

    from personas.errors import BadInput
    from personas.sandbox.front import DAY_SUFFIX, LIMITS

    out = {}
    for value in values:
        name, _, number = value.partition("=")
        if (name.removesuffix(DAY_SUFFIX) not in LIMITS
                or not re.fullmatch(r"[0-9]{1,7}", number) or int(number) < 1):
            raise BadInput(f"--limit {value!r}: write NAME=N (15 minutes) or NAME/24h=N "
                           f"(24 hours) with N from 1 to 9999999 and NAME one of "
                           f"{', '.join(sorted(LIMITS))}")
        out[name] = int(number)
    return out


def _fault(spec: str) -> dict[str, object]:
    """`status=503,path=/2/tweets,times=2` -> the arguments of `Front.inject`."""
    from personas.errors import BadInput

    out: dict[str, object] = {}
    for part in filter(None, spec.split(",")):
        name, _, value = part.partition("=")
        try:
            if name in ("reset", "lose_answer") and not value:
                out[name] = True
            elif name == "status" and value.isascii() and 100 <= int(value) <= 599:
                out[name] = int(value)
            elif name == "after" and value.isascii() and 0 <= int(value) <= 1_000_000:
                out[name] = int(value)
            elif name == "times" and value.isascii() and 1 <= int(value) <= 1_000_000:
                out[name] = int(value)
            elif name == "delay" and 0 <= float(value) <= 3600:  # nan and inf fail it too
                out[name] = float(value)
            elif name == "path" and value.startswith("/"):
                out[name] = value
            else:
                raise ValueError(name)
        except ValueError:
            raise BadInput(f"--fault {spec!r}: unknown part {part!r}; use status=CODE (100-599), "
                           "delay=SECONDS (up to 3600), reset, lose_answer, path=/PREFIX, "
                           "times=N (up to 1000000), after=N") from None
    if not {"status", "delay", "reset", "lose_answer"} & set(out):
        raise BadInput(f"--fault {spec!r} says what to match but not what to do; add status=, "
                       "delay=, reset or lose_answer")
    return out


@app.command("app")
def sandbox_app(ctx: typer.Context,
                network: Annotated[str, typer.Argument(metavar="NETWORK", help="The X "
                                                       "network whose api_base is the front.",
                                                       show_default=False)] = "x",
                level: Annotated[str, typer.Option("--level", help="Access level: free "
                                                   "(posting only), basic (no incoming "
                                                   "requests), read-write (no DMs) or "
                                                   "read-write-dm.")] = "read-write-dm") -> None:
    """Register an app on the sandbox's X front and store its keys for NETWORK.

    The keys go straight to the OS keyring, as `persona app set` would store them.

    Example: persona sandbox app x
    """
    from personas import login
    from personas.config import data_dir
    from personas.credentials import AppKeys
    from personas.errors import BadInput
    from personas.sandbox.oauth import OAuthStore
    from personas.sandbox.store import Store

    if level not in ("free", "basic", "read-write", "read-write-dm"):
        raise BadInput(f"unknown access level {level!r}; use free, basic, read-write or "
                       "read-write-dm")
    login.x_network(context(ctx), network)
    key, secret = OAuthStore(Store(data_dir() / "sandbox.db")).register_app(level)
    login.set_app(context(ctx), network, AppKeys(key, secret))
    message(f"registered a sandbox X app ({level}) and stored its keys for network "
            f"{network!r} in the OS keyring")


@app.command("accept")
def accept(ctx: typer.Context, persona: PersonaArg,
           handle: Annotated[str, typer.Argument(metavar="HANDLE", help="Who asked to follow.",
                                                 show_default=False)],
           json: JsonOpt = False) -> None:
    """Accept HANDLE's follow request to the private PERSONA by hand, as its owner does in
    X's app (X has no API for it): rehearses the manual step of approving on X against
    `persona sandbox serve`.

    Example: persona sandbox accept we ana
    """
    from personas.config import data_dir
    from personas.errors import BadInput
    from personas.sandbox.store import Store

    p = context(ctx).persona(persona)
    who = _who(ctx, handle)
    store = Store(data_dir() / "sandbox.db")
    if not store.accept(p.handle, who):
        raise BadInput(f"@{who} has no pending follow request to @{p.handle}; see "
                       "`persona community requests`")
    _report(json, {"persona": p.name, "accepted": who},
            f"@{p.handle} accepted @{who}'s follow request")


@app.command("revoke")
def revoke(ctx: typer.Context, persona: PersonaArg, json: JsonOpt = False) -> None:
    """Revoke every X token of PERSONA's account on the sandbox front, as when its owner
    removes the app: the next request with them is answered 401.

    Example: persona sandbox revoke we
    """
    from personas.config import data_dir
    from personas.sandbox.oauth import OAuthStore
    from personas.sandbox.store import Store

    p = context(ctx).persona(persona)
    store = Store(data_dir() / "sandbox.db")
    count = OAuthStore(store).revoke(store.account(p.handle).id)
    _report(json, {"persona": p.name, "revoked": count},
            f"revoked {count} token(s) of @{p.handle} on the sandbox")
