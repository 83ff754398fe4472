"""Posting to X through persona vs a bare tweepy loop, against the same loopback X API front.

Both sides post N items (default 200) over real HTTP to `persona sandbox serve`, which runs
in its own process and checks every OAuth signature. persona's side is what `persona post`
does for each item after start-up: route it, store it in the outbox, send it through
tweepy, record the result and the activity log (process start-up is bench/startup.sh's
business). The bare side is `client.create_tweet(text=...)` in a loop. Rounds alternate
which side goes first, and the median of each side is compared; target: persona <= 1.25x
the bare loop.

Usage: python bench/x_post.py [--posts 200] [--rounds 3]
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


def persona_round(config: Path, tag: str, count: int) -> float:
    from personas import posting
    from personas.context import Context

    ctx = Context(config)
    start = time.perf_counter()
    for i in range(count):
        result = posting.post(ctx, posting.route(ctx, f"persona {tag} post {i}"))
        assert result.status == "sent", result
    return time.perf_counter() - start


def tweepy_round(config: Path, tag: str, count: int) -> float:
    from personas import credentials
    from personas.context import Context
    from personas.networks.x import make_client

    ctx = Context(config)
    network = ctx.config.networks["x"]
    client = make_client(credentials.get_app("x"),  # type: ignore[arg-type]
                         credentials.get_tokens("x", "BenchLinks"),  # type: ignore[arg-type]
                         network.options)
    start = time.perf_counter()
    for i in range(count):
        client.create_tweet(text=f"tweepy {tag} post {i}", user_auth=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
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
            persona_round(config, "warm-up", 5)
            tweepy_round(config, "warm-up", 5)
            times: dict[str, list[float]] = {"persona": [], "tweepy": []}
            for r in range(args.rounds):
                # alternate who goes first: the front's database grows as rounds go on
                sides = [("tweepy", tweepy_round), ("persona", persona_round)]
                for name, round_ in sides if r % 2 == 0 else reversed(sides):
                    times[name].append(round_(config, f"r{r}", args.posts))
        finally:
            server.terminate()
            server.wait(10)
            secret_service.clear(address)
            stop_keyring()
    persona, bare = statistics.median(times["persona"]), statistics.median(times["tweepy"])
    ratio = persona / bare
    print(json.dumps({"posts": args.posts, "rounds": args.rounds,
                      "persona_s": round(persona, 3), "tweepy_s": round(bare, 3),
                      "ratio": round(ratio, 3), "target": 1.25}))
    print(f"{args.posts} posts: persona {persona:.2f}s, bare tweepy {bare:.2f}s, "
          f"ratio {ratio:.2f} (target <= 1.25)", file=sys.stderr)
    sys.exit(0 if ratio <= 1.25 else 1)


if __name__ == "__main__":
    main()
