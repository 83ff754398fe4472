"""Report speed, as ratios against baselines measured in the same run.

1. `persona report events --format csv` over 1,000,000 events vs the sqlite3 command-line
   tool exporting the same rows to CSV: time ratio (target <= 3) and persona's peak memory
   (max RSS from /usr/bin/time -v, target < 150 MB).
2. `persona report --format html` vs `--format csv` over one year of 3 personas' activity
   (target < 2), on a year of everyday use and on the million-event year.

Usage: python bench/reports_export.py [--events N] [--runs R]
Needs sqlite3 and /usr/bin/time (apt-get install sqlite3 time); installs sqlite3 when missing.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERSONAS = ("me", "you", "we")
ACTIONS = {  # action -> weight; an everyday mix
    "posted": 30, "replied": 20, "reposted": 10, "quoted": 5, "imported": 2, "followed": 15,
    "unfollowed": 2, "request_received": 5, "approved": 4, "denied": 1, "dm_sent": 3,
    "introduction_received": 3,
}
KINDS = {"posted": "original", "replied": "reply", "reposted": "repost", "quoted": "quote",
         "imported": "repost"}
SQLITE_QUERY = ("SELECT id, replace(at, ' ', 'T') || 'Z', persona, action, kind, subject,"
                " item_id, remote_id, detail FROM events ORDER BY id")


def ensure_tools() -> None:
    if shutil.which("sqlite3") is None:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "sqlite3"], check=True)
    if not Path("/usr/bin/time").exists():
        sys.exit("bench: /usr/bin/time is missing (apt-get install time)")


def env(home: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("PERSONA_")}
    e.update(PERSONA_HOME=str(home), PYTHONPATH=str(ROOT))
    return e


def make_home(base: Path, name: str) -> Path:
    home = base / name
    home.mkdir()
    subprocess.run([sys.executable, "-c", "import personas.db as d; d.engine()"],
                   env=env(home), cwd=ROOT, check=True)
    return home


def fill(home: Path, events: int, start: datetime, days: int, seed: int) -> None:
    """`events` events spread over `days` days, plus daily metrics: bulk, with sqlite3."""
    rng = random.Random(seed)
    actions, weights = zip(*ACTIONS.items(), strict=True)
    span = days * 86400

    def rows():  # type: ignore[no-untyped-def]
        offsets = sorted(rng.random() * span for _ in range(events))
        chosen = rng.choices(actions, weights, k=events)
        base = start.timestamp()
        for i, (off, action) in enumerate(zip(offsets, chosen, strict=True)):
            at = datetime.fromtimestamp(base + off, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            detail = None
            if action == "followed":
                detail = '{"back": true}' if i % 5 < 3 else '{"back": false}'
            elif action in ("dm_sent", "introduction_received"):
                detail = json.dumps({"text": f"Hello, this is message {i}, a few words long"})
            published = action in KINDS
            yield (at, PERSONAS[i % 3], action, KINDS.get(action), f"user{i % 5000}",
                   i if published else None, str(1_000_000_000 + i) if published else None,
                   detail)

    db = sqlite3.connect(home / "persona.db")
    with db:
        db.executemany("INSERT INTO events (at, persona, action, kind, subject, item_id,"
                       " remote_id, detail) VALUES (?,?,?,?,?,?,?,?)", rows())
        db.executemany(
            "INSERT INTO follower_counts (at, persona, network, followers, following)"
            " VALUES (?,?,?,?,?)",
            [((start + timedelta(days=d)).strftime("%Y-%m-%d %H:%M:%S.%f"), p, "sandbox",
              100 + d * (i + 1), 50) for d in range(days) for i, p in enumerate(PERSONAS)])
        db.executemany(
            "INSERT INTO metric_snapshots (at, persona, network, remote_id, kind, posted_at,"
            " likes, reposts, replies, quotes, impressions) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [((start + timedelta(days=d, hours=1)).strftime("%Y-%m-%d %H:%M:%S.%f"), p,
              "sandbox", f"{d}-{i}-{n}", rng.choice(["original", "link", "reply", "quote"]),
              (start + timedelta(days=d)).strftime("%Y-%m-%d %H:%M:%S.%f"),
              rng.randint(0, 50), rng.randint(0, 10), rng.randint(0, 10), rng.randint(0, 3),
              rng.randint(100, 5000))
             for d in range(days) for i, p in enumerate(PERSONAS) for n in range(3)])
    db.close()


def timed(cmd: list[str] | str, home: Path, out: Path | None = None) -> tuple[float, int]:
    """Wall seconds and max RSS (kB) of one run, output to `out` (or nowhere)."""
    shell = isinstance(cmd, str)
    full = f"/usr/bin/time -v {cmd}" if shell else ["/usr/bin/time", "-v", *cmd]
    with open(out or os.devnull, "w") as sink:
        t0 = time.perf_counter()
        proc = subprocess.run(full, shell=shell, env=env(home), cwd=ROOT, stdout=sink,
                              stderr=subprocess.PIPE, text=True)
        elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"bench: {cmd} failed:\n{proc.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    return elapsed, rss


def interleaved(cmds: list[tuple[list[str] | str, Path | None]], home: Path,
                runs: int) -> list[tuple[float, int]]:
    """Median seconds and peak RSS of each command, runs alternating between them so that
    a busy machine weighs on each alike."""
    results: list[list[tuple[float, int]]] = [[] for _ in cmds]
    for _ in range(runs):
        for i, (cmd, out) in enumerate(cmds):
            results[i].append(timed(cmd, home, out))
    return [(statistics.median(t for t, _ in r), max(m for _, m in r)) for r in results]


def persona(*args: str) -> list[str]:
    return [sys.executable, "-m", "personas", *args]


def export_bench(base: Path, n: int, runs: int) -> Path:
    home = make_home(base, "million")
    t0 = time.perf_counter()
    fill(home, n, datetime(2025, 1, 1, tzinfo=UTC), 365, seed=1)
    print(f"generated {n:,} events over a year in {time.perf_counter() - t0:.1f} s")
    db = home / "persona.db"
    ours, theirs = base / "persona.csv", base / "sqlite3.csv"
    (sqlite_t, _), (full_t, full_rss), (red_t, red_rss) = interleaved([
        (f"sqlite3 -csv -header {db} \"{SQLITE_QUERY}\"", theirs),
        (persona("report", "events", "--format", "csv", "--include-private"), ours),
        (persona("report", "events", "--format", "csv"), None),
    ], home, runs)
    same = _same_rows(ours, theirs)
    print(f"events export, {n:,} rows (median of {runs}):")
    print(f"  sqlite3 CLI              {sqlite_t:6.2f} s")
    print(f"  persona (all words)      {full_t:6.2f} s   ratio {full_t / sqlite_t:4.2f}x"
          f" (target <= 3)   max RSS {full_rss / 1024:5.1f} MB (target < 150)")
    print(f"  persona (private redacted){red_t:5.2f} s   ratio {red_t / sqlite_t:4.2f}x"
          f"                  max RSS {red_rss / 1024:5.1f} MB")
    print(f"  same rows as sqlite3: {same}")
    return home


def _same_rows(a: Path, b: Path) -> str:
    """Read both back with the csv module (the quoting styles differ), row by row."""
    with a.open(newline="") as fa, b.open(newline="") as fb:
        ra, rb = csv.reader(fa), csv.reader(fb)
        next(ra), next(rb)  # the headers name the columns differently
        n = 0
        for n, (x, y) in enumerate(itertools.zip_longest(ra, rb), 1):
            if x != y:
                return f"NO: row {n} differs: {x} vs {y}"
    return f"yes ({n:,} rows, every field)"


def report_bench(home: Path, label: str, runs: int, base: Path) -> None:
    period = ["--since", "2025-01-01", "--until", "2025-12-31"]
    (csv_t, _), (html_t, html_rss) = interleaved([
        (persona("report", *period, "-f", "csv", "-o", str(base / "r.csv")), None),
        (persona("report", *period, "-f", "html", "-o", str(base / "r.html")), None),
    ], home, runs)
    size = (base / "r.html").stat().st_size / 1e6
    print(f"report over one year of 3 personas, {label} (median of {runs}):")
    print(f"  csv {csv_t:5.2f} s   html {html_t:5.2f} s ({size:.1f} MB, max RSS "
          f"{html_rss / 1024:.0f} MB)   ratio {html_t / csv_t:4.2f}x (target < 2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ensure_tools()
    subprocess.run([sys.executable, "-m", "compileall", "-q", "personas", "router"],
                   cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        everyday = make_home(base, "everyday")
        fill(everyday, 3 * 365 * 30, datetime(2025, 1, 1, tzinfo=UTC), 365, seed=2)
        report_bench(everyday, "30 events a day each (32,850 events)", args.runs, base)
        million = export_bench(base, args.events, args.runs)
        report_bench(million, f"{args.events:,} events", args.runs, base)


if __name__ == "__main__":
    main()
