"""The worker's drain at two queue lengths: does choosing the next item cost the same
whatever is queued?

For each size, a fresh data directory gets SIZE due items (stored in bulk, as many
`persona post --at` would leave them, outside the timing), then `persona worker --once`
drains them, whole process, the real command, to the sandbox network. The time of a
`persona worker --once` with nothing to do, measured in the same round, is taken off, so the
rate is that of the drain itself. Each size is drained
ROUNDS times; the figure is the median items/s, and the ratio is the large queue's rate
over the small one's (goal >= 0.9: a claim whose cost grew with the queue made it 0.4 at
10,000). Sizes alternate round by round, so both see the same load of a shared machine.

Usage: python bench/worker_drain.py [--small 1000] [--large 10000] [--rounds 3]
       [--postgres URL]   (a database of its own is made there and dropped after)
Prints one JSON line last: {"small", "large", "small_rate", "large_rate", "ratio",
"goal", "rounds"}. Exit 0 when the ratio meets the goal, 1 when it misses.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOAL = 0.9
PERSONAS = 3
ACCOUNTS = "[networks.sandbox]\nkind = \"sandbox\"\n" + "".join(
    f'[personas.p{i}]\nnetwork = "sandbox"\nhandle = "p{i}"\naccepts = ["original"]\n'
    for i in range(PERSONAS))


def fill(home: Path, size: int, database: str | None) -> dict[str, str]:
    """A data directory with `size` due items, stored in one transaction."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERSONA_")}
    env.update(PERSONA_HOME=str(home))
    if database:
        env["PERSONA_DATABASE_URL"] = database
    (home / "accounts.toml").write_text(ACCOUNTS)
    code = f"""
import sys
from personas import db, outbox
from personas.config import load
from personas.models import utcnow
from router.decide import decide
from router.items import classify
cfg = load()
rows = []
now = db.to_db(utcnow())
for n in range({size}):
    persona = cfg.persona(f"p{{n % {PERSONAS}}}")
    text = f"queued item {{n}} of the drain"
    item = classify(text, network_kind="sandbox")
    rows.append(dict(key=outbox.new_key(), persona=persona.name, network=persona.network,
        kind="original", text=text, target=None,
        reason=decide(item, [persona]).reasons[persona.name],
        status="queued", created_at=now, updated_at=now, scheduled_at=None, attempts=0,
        claimed_by=None, claimed_at=None, media=None, account=persona.account, unsure=False))
with db.raw() as cursor:
    cursor.executemany(db.sql(outbox._INSERT_ITEM), rows)
"""
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    return env


def drain(env: dict[str, str], size: int) -> float:
    """Seconds of one `persona worker --once` draining the whole queue."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "personas", "worker", "--once", "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"the worker failed: {proc.stderr[-2000:]}")
    sent = json.loads(proc.stdout)["sent"]
    if sent != size:
        sys.exit(f"the worker sent {sent} of {size}")
    return took


def pg_database(admin: str) -> tuple[str, callable]:  # type: ignore[valid-type]
    import psycopg

    name = f"persona_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return admin.rsplit("/", 1)[0] + "/" + name, drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="an admin URL of a PostgreSQL server")
    args = parser.parse_args()
    rates: dict[int, list[float]] = {args.small: [], args.large: []}
    for round_ in range(args.rounds):
        order = (args.small, args.large) if round_ % 2 == 0 else (args.large, args.small)
        with tempfile.TemporaryDirectory() as tmp:  # the same command with nothing to do
            database, drop = (pg_database(args.postgres) if args.postgres
                              else (None, lambda: None))
            try:
                idle = drain(fill(Path(tmp), 0, database), 0)
            finally:
                drop()
        for size in order:
            with tempfile.TemporaryDirectory() as tmp:
                database, drop = (pg_database(args.postgres) if args.postgres
                                  else (None, lambda: None))
                try:
                    env = fill(Path(tmp), size, database)
                    took = drain(env, size)
                finally:
                    drop()
            rate = size / max(took - idle, 1e-9)
            rates[size].append(rate)
            print(f"round {round_ + 1}: {size:,} queued, drained in {took:.2f} s, of which "
                  f"{idle:.2f} s start-up and shut-down (an empty drain): {rate:,.0f} items/s",
                  file=sys.stderr)
    small, large = (statistics.median(rates[args.small]), statistics.median(rates[args.large]))
    ratio = large / small
    print(f"drain rate at {args.large:,} over {args.small:,}: {ratio:.2f} (goal >= {GOAL})",
          file=sys.stderr)
    print(json.dumps({"small": args.small, "large": args.large, "small_rate": round(small, 1),
                      "large_rate": round(large, 1), "ratio": round(ratio, 3), "goal": GOAL,
                      "rounds": args.rounds, "database": "postgres" if args.postgres
                      else "sqlite"}))
    return 0 if ratio >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
