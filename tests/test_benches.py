"""The benches in bench/ still run: each at a tiny size, its figures read back.

A bench that breaks quietly leaves a speed claim nobody can re-measure; these runs say
nothing about speed (the sizes are far too small), only that every script runs to the end
and prints what its docs say it prints.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    # 0: within target, 1: a figure misses it (at these sizes it may); anything else is a crash
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return proc


def test_x_post_bench_prints_its_ratio() -> None:
    proc = run("bench/x_post.py", "--posts", "6", "--rounds", "2", "--block", "3")
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    assert figures["posts"] == 6 and figures["rounds"] == 2 and figures["target"] == 1.25
    assert figures["persona_s"] > 0 and figures["tweepy_s"] > 0
    assert figures["ratio_of_totals"] > 0
    # the ratio is the median of the rounds' own ratios (of two: their mean)
    [first, second] = figures["round_ratios"]
    assert abs(figures["ratio"] - (first + second) / 2) < 0.002
    assert "ratio" in proc.stderr


def test_follow_sweep_bench_holds_its_targets_on_a_small_audience() -> None:
    proc = run("bench/follow_sweep.py", "--audience", "300", "--new", "60")
    scenarios = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert [s["scenario"] for s in scenarios] == ["uninterrupted", "interrupted and resumed"]
    for s in scenarios:
        assert s["complete"] and s["followed"] == 60
        assert s["b_refused_for_rate"] == 0 and s["d_duplicate_or_wrong"] == 0
        assert s["c_followers_read"] <= s["c_target"]
    assert proc.returncode == 0


def test_reports_export_bench_matches_sqlite3_row_for_row() -> None:
    proc = run("bench/reports_export.py", "--events", "2000", "--runs", "1")
    assert "same rows as sqlite3: yes (2,000 rows, every field)" in proc.stdout
    assert "html" in proc.stdout and "max RSS" in proc.stdout


def test_worker_drain_bench_prints_its_ratio() -> None:
    proc = run("bench/worker_drain.py", "--small", "20", "--large", "60", "--rounds", "1")
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    assert figures["small"] == 20 and figures["large"] == 60 and figures["goal"] == 0.9
    assert figures["small_rate"] > 0 and figures["large_rate"] > 0 and figures["ratio"] > 0
    assert "drain rate at 60 over 20" in proc.stderr
