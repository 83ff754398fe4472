"""An item goes only to the account it was routed to; a post stopped by Ctrl-C says what
it left behind, and the next command settles it before sending anything else."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime

from personas import db
from tests.conftest import ROOT, persona_env

REHEARSAL = """
[networks.rehearsal]
kind = "sandbox"

[networks.live]
kind = "sandbox"

[personas.me]
network = "{network}"
handle = "{handle}"
policy = "content-only"
"""


def _config(write_config, network: str, handle: str = "jesse"):  # type: ignore[no-untyped-def]
    return str(write_config(REHEARSAL.format(network=network, handle=handle)))


def _posts(home, network: str) -> list[str]:
    path = home / f"sandbox-{network}.db"
    if not path.exists():
        return []
    with sqlite3.connect(path) as conn:
        return [t for (t,) in conn.execute("SELECT text FROM posts ORDER BY id")]


def test_an_item_queued_for_a_rehearsal_is_held_when_the_persona_moves(
    cli, write_config, persona_home
):
    config = _config(write_config, "rehearsal")
    queued = cli("--config", config, "post", "--at", "in 1h", "Rehearsed words", "--json")
    assert queued.code == 0, queued.err
    item = queued.json()["id"]
    config = _config(write_config, "live")  # the persona now posts somewhere else
    with db.raw() as cursor:  # its time has come
        cursor.execute(db.sql("UPDATE items SET scheduled_at = NULL WHERE id = :id"), {"id": item})
    run = cli("--config", config, "worker", "--once", "--json")
    assert run.code == 0, run.err
    assert run.json()["sent"] == 0
    assert _posts(persona_home, "live") == [] and _posts(persona_home, "rehearsal") == []
    said = run.err + run.out
    assert (
        f"item {item} was queued for sandbox:rehearsal/@jesse, but persona 'me' now "
        "posts as sandbox:live/@jesse: held; `persona queue retarget"
    ) in said
    shown = cli("--config", config, "queue", "--json").json()
    assert [(r["id"], r["status"]) for r in shown] == [(item, "held")]
    assert cli("--config", config, "queue", "retry", str(item)).code == 2  # not the way on
    again = cli("--config", config, "worker", "--once", "--json")
    assert again.json()["sent"] == 0 and "held" not in again.err  # said once, stays held
    moved = cli("--config", config, "queue", "retarget", str(item), "--json")
    assert moved.code == 0, moved.err
    assert moved.json()[0]["account"] == "sandbox:live/@jesse"
    assert cli("--config", config, "worker", "--once", "--json").json()["sent"] == 1
    assert _posts(persona_home, "live") == ["Rehearsed words"]
    assert _posts(persona_home, "rehearsal") == []


def test_a_new_handle_holds_too_and_cancel_drops(cli, write_config, persona_home):
    config = _config(write_config, "live", "jesse")
    item = cli("--config", config, "post", "--at", "in 1h", "For the old handle", "--json").json()[
        "id"
    ]
    config = _config(write_config, "live", "jesse_new")
    shown = cli("--config", config, "queue")
    assert "held" in shown.out
    assert cli("--config", config, "queue", "cancel", str(item)).code == 0
    assert cli("--config", config, "queue", "retarget", str(item)).code == 2


def test_the_same_account_under_a_renamed_network_is_not_held(cli, write_config):
    from personas.config import account_key, load

    a = load(
        write_config(
            '[networks.x]\nkind = "x"\n[personas.me]\nnetwork = "x"\n'
            'handle = "Jesse"\npolicy = "content-only"\n',
            "a.toml",
        )
    )
    b = load(
        write_config(
            '[networks.twitter]\nkind = "x"\n[personas.me]\n'
            'network = "twitter"\nhandle = "jesse"\npolicy = "content-only"\n',
            "b.toml",
        )
    )
    c = load(
        write_config(
            '[networks.x]\nkind = "x"\napi_base = "http://127.0.0.1:9"\n'
            '[personas.me]\nnetwork = "x"\nhandle = "Jesse"\npolicy = "content-only"\n',
            "c.toml",
        )
    )
    assert a.persona("me").account == b.persona("me").account == "x:https://api.twitter.com/@jesse"
    assert c.persona("me").account == "x:http://127.0.0.1:9/@jesse"  # the loopback front
    assert account_key(a.networks["x"], "Other") != a.persona("me").account


def test_an_item_in_flight_for_a_moved_account_is_held_not_looked_for_elsewhere(
    cli, write_config, persona_home
):
    config = _config(write_config, "rehearsal")
    item = cli("--config", config, "post", "--at", "in 1h", "Mid-flight", "--json").json()["id"]
    with db.raw() as cursor:  # a worker claimed it and died
        cursor.execute(
            db.sql("UPDATE items SET status = 'sending', claimed_by = :by WHERE id = :id"),
            {"by": f"{os.uname().nodename}:999999999", "id": item},
        )
    config = _config(write_config, "live")
    run = cli("--config", config, "worker", "--once")
    assert run.code == 0, run.err
    said = run.err + run.out
    assert said.count(f"item {item} was queued for") == 1  # once
    assert "it was being sent there when its worker stopped, so it may have gone out" in said
    [shown] = cli("--config", config, "queue", "--json").json()
    assert shown["status"] == "held" and "may have gone out there" in shown["last_error"]
    assert _posts(persona_home, "live") == []
    config = _config(write_config, "rehearsal")  # back: it still waits for its owner
    assert cli("--config", config, "queue", "--json").json()[0]["status"] == "held"
    config = _config(write_config, "live")
    moved = cli("--config", config, "queue", "retarget", str(item))
    assert moved.code == 0 and "may have gone out there; it is queued" in moved.err


def test_items_held_for_a_change_that_is_undone_are_queued_again(cli, write_config,
                                                                 persona_home):
    config = _config(write_config, "rehearsal")
    item = cli("--config", config, "post", "--at", "in 1h", "Back home", "--json").json()["id"]
    config = _config(write_config, "live")
    assert cli("--config", config, "queue", "--json").json()[0]["status"] == "held"
    doctor = cli("--config", config, "doctor", "--json")
    [check] = [c for c in doctor.json()["checks"] if c["area"] == "held"]
    assert doctor.code == 1 and not check["ok"] and check["data"]["held"] == [item]
    assert f"`persona queue retarget {item}`" in check["fix"]
    config = _config(write_config, "rehearsal")  # the change undone
    [shown] = cli("--config", config, "queue", "--json").json()
    assert (shown["id"], shown["status"], shown["last_error"]) == (item, "queued", None)
    doctor = cli("--config", config, "doctor", "--json").json()
    assert [c["ok"] for c in doctor["checks"] if c["area"] == "held"] == [True]


def test_ctrl_c_while_a_post_is_out_says_so_and_the_next_post_settles_it(
    write_config, persona_home
):
    config = write_config(
        '[networks.sandbox]\nkind = "sandbox"\nlatency = 30\n'
        '[personas.me]\nnetwork = "sandbox"\nhandle = "jesse"\n'
        'policy = "content-only"\n'
    )
    env = persona_env(persona_home, PERSONA_CONFIG=str(config))
    proc = subprocess.Popen(
        [sys.executable, "-m", "personas", "post", "Out there"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "Out there" not in _posts_default(persona_home):
        time.sleep(0.05)  # the network has it; its answer is 30 s away
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert "interrupted while item 1 was being sent to me: it may have gone out" in lines[0]
    with db.raw() as cursor:
        cursor.execute("SELECT status FROM items")
        assert cursor.fetchall() == [("sending",)]
    write_config(
        '[networks.sandbox]\nkind = "sandbox"\n[personas.me]\nnetwork = "sandbox"\n'
        'handle = "jesse"\npolicy = "content-only"\n'
    )
    after = subprocess.run(
        [sys.executable, "-m", "personas", "post", "Next words"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert after.returncode == 0, after.stderr
    assert "item 1, left sending earlier, was found on the network and recorded" in after.stderr
    assert _posts_default(persona_home) == ["Out there", "Next words"]  # not sent twice
    with db.raw() as cursor:
        cursor.execute("SELECT id, status, remote_id IS NOT NULL FROM items ORDER BY id")
        assert cursor.fetchall() == [(1, "sent", 1), (2, "sent", 1)]


def _posts_default(home) -> list[str]:
    path = home / "sandbox.db"
    if not path.exists():
        return []
    try:
        with sqlite3.connect(path) as conn:
            return [t for (t,) in conn.execute("SELECT text FROM posts ORDER BY id")]
    except sqlite3.OperationalError:  # not made yet
        return []


def test_a_claim_whose_pid_now_belongs_to_another_process_is_settled(cli, write_config,
                                                                     persona_home):
    """A pid is used again (after a reboot): the process now alive under it started after
    the claim, so it is not the claimer, and the item is settled rather than left blocking
    its persona forever."""
    config = _config(write_config, "live")
    first = cli("--config", config, "post", "--at", "in 1h", "Claimed long ago", "--json")
    second = cli("--config", config, "post", "--at", "in 1h", "Waiting behind it", "--json")
    with db.raw() as cursor:
        cursor.execute(db.sql("UPDATE items SET scheduled_at = NULL"))
        cursor.execute(db.sql("UPDATE items SET status = 'sending', claimed_by = :by, "
                              "claimed_at = :at WHERE id = :id"),
                       {"by": f"{os.uname().nodename}:1", "id": first.json()["id"],
                        "at": db.to_db(datetime(2020, 1, 1, tzinfo=UTC))})
    assert os.path.exists("/proc/1/stat")  # pid 1 is alive, and started after 2020
    run = cli("--config", config, "worker", "--once", "--json")
    assert run.code == 0, run.err
    assert run.json()["sent"] == 2
    assert _posts(persona_home, "live") == ["Claimed long ago", "Waiting behind it"]
    assert second.code == 0
