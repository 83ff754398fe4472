"""Posting to X through persona vs a bare tweepy loop, against the same loopback X API front.

Both sides post N items (default 200) over real HTTP to `persona sandbox serve`, which runs
in its own process and checks every OAuth signature. persona's side is what `persona post`
does for each item after start-up: route it, store it in the outbox, send it through
tweepy, record the result and the activity log (process start-up is bench/startup.sh's
business), in one process that posts one item after another, as the bench's 200 are:
each post's result is committed with the next post's store, and the last one's at the
end of the round, in persona's time. (No command posts many items in one process like
this: `persona post` sends one, the worker commits each result at once. The figure is
what persona adds to each of tweepy's requests.) The bare side is
`client.create_tweet(text=...)` in a loop.

Each side is set up once before anything is timed, as a run of persona or of the bare loop
is: the bare loop reads its credentials and makes its client; persona reads the keyring and
the verified account id at its first post, in the warm-up, where both sides also open their
connection to the front. The timed rounds measure only what each post costs.

Within a round the two sides take turns in blocks of --block posts (ABBA order), so that a
change in a shared machine's load falls on both alike rather than on whichever side ran
then; each side's round time is the sum of its blocks. The ratio is the median over the
rounds of each round's ratio (persona's time over the bare loop's in the same round: the
two sides are compared where they shared the machine's load); the ratio of all rounds'
totals is printed beside it. --block 200 runs each side's 200 posts in one go instead, the
two sides opening the rounds in turn. Target: persona <= 1.25x the bare loop.

Usage: python bench/x_post.py [--posts 200] [--rounds 5] [--block 10]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ACCOUNTS = """
[networks.x]
kind = "x"
api_base = "{url}"

[personas.you]
network = "x"
handle = "BenchLinks"
policy = "auto-follow"
accepts = ["original", "link", "repost", "quote"]
"""


def start_front(home: Path, config: Path) -> tuple[subprocess.Popen, str]:  # type: ignore[type-arg]
    env = {**os.environ, "PERSONA_HOME": str(home)}
    server = subprocess.Popen(
        [sys.executable, "-m", "personas", "--config", str(config), "sandbox", "serve",
         "--port", "0", "--limit", "create_post=1000000"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT, env=env)
    return server, server.stdout.readline().strip()  # type: ignore[union-attr]


def log_in(config: Path, server_home: Path) -> None:
    """Register a sandbox app and log the persona in with the PIN flow, as a user would."""
    import requests

    from personas import login
    from personas.context import Context

    subprocess.run([sys.executable, "-m", "personas", "--config", str(config), "sandbox",
                    "app", "x"], check=True, cwd=ROOT, capture_output=True,
                   env={**os.environ, "PERSONA_HOME": str(server_home)})
    pin: list[str] = []
    login.login_with_pin(
        Context(config), "you",
        show_url=lambda url: pin.append(re.search(r"PIN: (\d+)", requests.get(
            url, timeout=10).text).group(1)),  # type: ignore[union-attr]
        read_pin=lambda: pin[0])


def persona_side(config: Path):  # type: ignore[no-untyped-def]
    """What `persona post TEXT` does for each item after start-up, in a process that posts
    one item after another: each post's result is committed with the next post's store,
    and `flush` commits the last one (timed, at the end of each round)."""
    from personas import outbox, posting
    from personas.context import Context

    ctx = Context(config)

    def post(text: str) -> None:
        result = posting.post(ctx, posting.route(ctx, text))
        assert result.status == "sent", result
    return post, outbox.flush


def tweepy_side(config: Path):  # type: ignore[no-untyped-def]
    """The bare loop's body: tweepy's create_tweet, nothing else."""
    from personas import credentials
    from personas.context import Context
    from personas.networks.x.transport import make_client

    network = Context(config).config.networks["x"]
    client = make_client(credentials.get_app("x"),  # type: ignore[arg-type]
                         credentials.get_tokens("x", "BenchLinks"),  # type: ignore[arg-type]
                         network.options)
    return lambda text: client.create_tweet(text=text, user_auth=True)


def one_round(sides: dict[str, Callable[[str], object]], tag: str, count: int,
              block: int, persona_first: bool = False,
              finish: dict[str, Callable[[], object]] | None = None) -> dict[str, float]:
    """Both sides post `count` items, in alternating blocks of `block` posts (ABBA order),
    so a change in the machine's load falls on both alike; each side's time is the sum of
    its blocks, and of its `finish` (persona: committing the last post's result). With
    block = count, each side posts its whole 200 in one go. Which side opens the round is
    `persona_first`: the rounds take turns."""
    spent = {"persona": 0.0, "tweepy": 0.0}
    order = ["persona", "tweepy"] if persona_first else ["tweepy", "persona"]
    for b, first in enumerate(range(0, count, block)):
        for name in order if b % 2 == 0 else reversed(order):
            post = sides[name]
            start = time.perf_counter()
            for i in range(first, min(first + block, count)):
                post(f"{name} {tag} post {i}")
            spent[name] += time.perf_counter() - start
    for name, done in (finish or {}).items():
        start = time.perf_counter()
        done()
        spent[name] += time.perf_counter() - start
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200)
    # a round is half a second here, and a shared host's load comes in bursts: one round's
    # ratio moves by up to 0.1, and the median of five is steadier than that of three
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--block", type=int, default=10,
                        help="posts per alternating block (the --posts value: whole rounds)")
    args = parser.parse_args()
    from tests.x import secret_service

    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        address, stop_keyring = secret_service.start(work_dir / "keyring")
        os.environ.update(DBUS_SESSION_BUS_ADDRESS=address,
                          PYTHON_KEYRING_BACKEND="keyring.backends.SecretService.Keyring")
        server_home, client_home = work_dir / "server", work_dir / "client"
        os.environ["PERSONA_HOME"] = str(client_home)
        config = work_dir / "accounts.toml"
        config.write_text(ACCOUNTS.format(url="http://127.0.0.1:1"))
        server, url = start_front(server_home, config)
        try:
            config.write_text(ACCOUNTS.format(url=url))
            log_in(config, server_home)
            # Each side is set up once and warmed up before anything is timed: the bare loop
            # reads its credentials and makes its client above, persona reads the keyring and
            # the verified account id at its first post; both open their connection then.
            persona_post, persona_flush = persona_side(config)
            sides = {"persona": persona_post, "tweepy": tweepy_side(config)}
            finish = {"persona": persona_flush}
            one_round(sides, "warm-up", 5, 5, finish=finish)
            times: dict[str, list[float]] = {"persona": [], "tweepy": []}
            for r in range(args.rounds):
                spent = one_round(sides, f"r{r}", args.posts,
                                  max(1, min(args.block, args.posts)), persona_first=r % 2 == 1,
                                  finish=finish)
                for name, seconds in spent.items():
                    times[name].append(seconds)
        finally:
            server.terminate()
            server.wait(10)
            secret_service.clear(address)
            stop_keyring()
    persona, bare = statistics.median(times["persona"]), statistics.median(times["tweepy"])
    # each round's sides ran in the same spell, in alternating blocks: compare them there
    per_round = [p / t for p, t in zip(times["persona"], times["tweepy"], strict=True)]
    ratio = statistics.median(per_round)
    # every round counted, the one where SQLite checkpoints its WAL (every ~370 posts) too
    of_totals = sum(times["persona"]) / sum(times["tweepy"])
    print(json.dumps({"posts": args.posts, "rounds": args.rounds, "block": args.block,
                      "persona_s": round(persona, 3), "tweepy_s": round(bare, 3),
                      "ratio": round(ratio, 3), "round_ratios": [round(r, 3) for r in per_round],
                      "ratio_of_totals": round(of_totals, 3),
                      "target": 1.25}))
    print(f"{args.posts} posts: persona {persona:.2f}s, bare tweepy {bare:.2f}s, "
          f"ratio {ratio:.2f} (target <= 1.25; of all rounds' totals {of_totals:.2f})",
          file=sys.stderr)
    sys.exit(0 if ratio <= 1.25 else 1)


if __name__ == "__main__":
    main()
