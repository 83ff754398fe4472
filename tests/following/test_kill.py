"""A sweep killed with SIGKILL in the middle resumes where it stopped: nobody is followed
twice, nobody is missed, and the followers are not read again."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

from tests.conftest import ROOT, persona_env
from tests.following.conftest import config_text


def sweep_process(home, config) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    return subprocess.Popen([sys.executable, "-m", "personas", "--config", str(config), "follow",
                             "sync", "you", "--json"], cwd=ROOT, env=persona_env(home),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def followed_events(home) -> list[str]:  # type: ignore[no-untyped-def]
    try:
        with sqlite3.connect(home / "persona.db") as conn:
            return [r[0] for r in conn.execute(
                "SELECT subject FROM events WHERE action = 'followed'")]
    except sqlite3.OperationalError:  # not created yet
        return []


def test_a_killed_sweep_resumes_without_duplicates_or_gaps(world, write_config, persona_home):
    fans = world.followers_of_you(1500)
    config = write_config(config_text())
    proc = sweep_process(persona_home, config)
    deadline = time.monotonic() + 60
    while len(followed_events(persona_home)) < 100:
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the sweep did not start following"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    done_before = len(followed_events(persona_home))
    assert done_before < len(fans), "killed too late to test a resume"

    resumed = sweep_process(persona_home, config)
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    import json

    report = json.loads(out)
    assert report["complete"] is True and report["followers_read"] == 0
    assert report["followed"] <= len(fans) - done_before + 1  # at most the one in flight
    events = followed_events(persona_home)
    assert sorted(set(events)) == sorted(fans)
    assert max(Counter(events).values()) == 1
    assert sorted(world.following()) == sorted(fans)
