"""Files persona writes: whole or not at all, on a real full disk (a small tmpfs), a
read-only one and /dev/full; a full data directory is never answered with "move the
database aside"; and file modes: the data directory 0700, accounts.toml from `persona init`
0600, reports and exports with private words 0600.

Mounting needs root (or a user namespace); without it those tests skip, the rest run."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_bad_input import one_line
from tests.conftest import ROOT, persona_env

EXPORTS = [["report", "-f", "json"], ["report", "-f", "csv"], ["report", "-f", "md"],
           ["report", "-f", "html"], ["report"], ["report", "events", "-f", "csv"],
           ["report", "events", "-f", "json"], ["report", "-f", "json", "--include-private"],
           ["report", "events", "--include-private"]]


def mount(where: Path, *options: str) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs",
                           str(where)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip() or proc.returncode}")
    return where


@pytest.fixture
def disks(tmp_path):
    mounted: list[Path] = []

    def make(name: str, *options: str) -> Path:
        mounted.append(mount(tmp_path / name, *options))
        return mounted[-1]

    yield make
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(disk: Path, leave: int = 0) -> None:
    """Fill the disk to the last byte, then give `leave` bytes back."""
    with open(disk / "fill", "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass
    if leave:
        size = (disk / "fill").stat().st_size
        os.truncate(disk / "fill", max(0, size - leave))


@pytest.fixture
def story(cli):
    """Enough activity that every report is more than a few kilobytes."""
    for i in range(12):
        assert cli("post", f"post number {i} with some words to fill a report").code == 0
    assert cli("post", "--as", "we", "members only words").code == 0
    assert cli("sync", "metrics").code == 0


def exported(cli, args: list[str], target: Path):  # type: ignore[no-untyped-def]
    return cli(*args, "-o", str(target))


@pytest.mark.parametrize("args", EXPORTS, ids=" ".join)
def test_a_full_disk_keeps_the_old_file_and_leaves_no_partial_one(cli, story, disks, args):
    disk = disks("small", "size=16m")  # the HTML report is 5 MB
    target = disk / "out"
    assert exported(cli, args, target).code == 0
    size = target.stat().st_size
    target.write_text("the report of last week\n")
    fill(disk, leave=size // 2 // 4096 * 4096)  # room to start writing (pages), not to finish
    r = exported(cli, args, target)
    assert r.code == 1, (r.code, r.err)
    line = one_line(r.err)
    assert f"cannot write {target}: No space left on device" in line
    assert "nothing was written: free some space there, or choose another -o FILE" in line
    assert target.read_text() == "the report of last week\n"  # not truncated, not replaced
    assert sorted(p.name for p in disk.iterdir()) == ["fill", "out"]  # no temporary left
    (disk / "fill").unlink()
    r = exported(cli, args, target)  # with room again, the same export goes through
    assert r.code == 0, r.err
    assert target.stat().st_size == size and sorted(p.name for p in disk.iterdir()) == ["out"]


@pytest.mark.parametrize("args", [EXPORTS[0], EXPORTS[5]], ids=" ".join)
def test_no_byte_left_leaves_no_empty_file(cli, story, disks, args):
    disk = disks("small", "size=128k")
    fill(disk)
    r = exported(cli, args, disk / "new.json")
    assert r.code == 1 and "No space left on device" in one_line(r.err)
    assert sorted(p.name for p in disk.iterdir()) == ["fill"]


@pytest.mark.parametrize("args", [EXPORTS[0], EXPORTS[5]], ids=" ".join)
def test_a_read_only_target_is_one_line_and_exit_1(cli, story, disks, args):
    disk = disks("readonly", "size=64k", "ro")
    r = exported(cli, args, disk / "report")
    assert r.code == 1, r.err
    assert f"cannot write {disk / 'report'}: Read-only file system" in one_line(r.err)
    assert list(disk.iterdir()) == []


@pytest.mark.parametrize("args", [["report", "events"], ["report", "-f", "json"],
                                  ["report", "-f", "csv"], ["queue", "--json"],
                                  ["sandbox", "timeline", "me", "--json"]], ids=" ".join)
def test_stdout_on_a_full_device_is_one_line_and_exit_1(persona_home, args):
    env = persona_env(persona_home)
    subprocess.run([sys.executable, "-m", "personas", "post", "hello"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "personas", *args], cwd=ROOT, env=env,
                              stdout=full, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 1, proc.stderr
    line = one_line(proc.stderr)
    assert "No space left on device" in line and "unexpected error" not in line
    assert "Exception ignored" not in proc.stderr


@pytest.mark.parametrize(("args", "writes"), [
    (("post", "hello again"), True), (("post", "--at", "in 2h", "later"), True),
    (("queue", "cancel", "2"), True), (("sandbox", "simulate", "follow", "you"), True),
    (("queue",), False), (("report",), False), (("worker", "--once"), False),
    (("report", "events"), False),
], ids=lambda value: " ".join(value) if isinstance(value, tuple) else None)
def test_a_full_data_directory_is_never_told_to_move_the_database(cli, disks, args, writes):
    """Moving persona.db aside would throw the outbox away: the fix for a full disk is
    space, and once there is some, the outbox is all there. Each command runs as its own
    process, which opens the database on the full disk."""
    home = disks("data", "size=1m") / "home"
    env = persona_env(home)

    def persona(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "personas", *command], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=60)

    assert persona("post", "first").returncode == 0
    assert persona("post", "--at", "in 2h", "queued before the disk filled").returncode == 0
    fill(home.parent)
    proc = persona(*args)
    assert proc.returncode in ((1,) if writes else (0, 1)), proc.stderr
    if proc.returncode:
        # the worker logs as it goes: its last line is the command's
        line = proc.stderr.splitlines()[-1] if args[0] == "worker" else one_line(proc.stderr)
        assert "aside" not in proc.stderr and "afresh" not in proc.stderr
        assert f"the disk holding {home} is full: free some space there" in line
    (home.parent / "fill").unlink()
    items = json.loads(persona("queue", "--status", "all", "--json").stdout)
    assert [(i["text"], i["status"]) for i in items][:2] == [
        ("first", "sent"), ("queued before the disk filled", "queued")]


# --- file modes --------------------------------------------------------------------------

def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_directory_is_created_yours_alone(cli, tmp_path, monkeypatch):
    home = tmp_path / "new" / "data"
    monkeypatch.setenv("PERSONA_HOME", str(home))
    assert cli("post", "hello").code == 0
    assert mode(home) == 0o700
    assert mode(home / "persona.db") == 0o600 and mode(home / "sandbox.db") == 0o600


def test_the_sandbox_creates_the_data_directory_yours_alone_too(cli, tmp_path, monkeypatch):
    home = tmp_path / "fresh"
    monkeypatch.setenv("PERSONA_HOME", str(home))
    assert cli("sandbox", "timeline", "me").code == 0  # the sandbox's store comes first
    assert mode(home) == 0o700


def test_init_writes_accounts_toml_yours_alone(cli, tmp_path, monkeypatch):
    home = tmp_path / "config-home"
    monkeypatch.setenv("PERSONA_HOME", str(home))
    assert cli("init").code == 0
    assert mode(home) == 0o700 and mode(home / "accounts.toml") == 0o600
    elsewhere = tmp_path / "accounts.toml"
    elsewhere.write_text("old")
    elsewhere.chmod(0o644)
    assert cli("init", "--sandbox", "--path", str(elsewhere), "--force").code == 0
    assert mode(elsewhere) == 0o600 and "[personas.we]" in elsewhere.read_text()


@pytest.mark.parametrize("args", [["report", "-f", "json"], ["report", "-f", "html"],
                                  ["report", "events"]], ids=" ".join)
def test_reports_with_private_words_are_yours_alone(cli, story, tmp_path, args):
    old = os.umask(0o022)
    try:
        public, private = tmp_path / "public", tmp_path / "private"
        assert cli(*args, "-o", str(public)).code == 0
        private.write_text("")
        private.chmod(0o644)  # replaced by a file only you can read, not written into
        assert cli(*args, "--include-private", "-o", str(private)).code == 0
    finally:
        os.umask(old)
    assert mode(public) == 0o644
    assert mode(private) == 0o600 and private.stat().st_size > 0
    if "events" not in args:  # the log has no post texts; reports do
        assert "members only words" in private.read_text()


def test_a_link_as_target_keeps_the_link_and_replaces_its_file(cli, story, tmp_path):
    real = tmp_path / "reports" / "latest.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    assert cli("report", "-f", "json", "-o", str(link)).code == 0
    assert link.is_symlink() and json.loads(real.read_text())["personas"]
    assert sorted(p.name for p in real.parent.iterdir()) == ["latest.json"]
