"""The database goes away mid-run: the worker waits and goes on, and nothing is lost or
doubled. PostgreSQL here is a server of the test's own (initdb in a temporary directory,
on a free port), never the machine's shared one."""

import glob
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from tests.conftest import _reset_engine
from tests.worker.test_exactly_once import enqueue, worker, write_accounts


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name)]
    if not found[-1]:
        pytest.fail(f"{name} not found: install postgresql (scripts/test.sh does)")
    return found[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A throw-away PostgreSQL cluster, run as the postgres user (initdb refuses root)."""

    def __init__(self) -> None:
        # pytest's own temporary directories are private to root; the server's user must
        # reach this one
        self.root = Path(tempfile.mkdtemp(prefix="persona-pg-"))
        self.root.chmod(0o777)
        self.dir, self.port = self.root / "pgdata", _free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self._run(_pg_bin("initdb"), "-D", str(self.dir), "-A", "trust", "-U", "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True)

    def start(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.dir), "-w", "-l", str(self.dir / "log"),
                  "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.dir), "-w", "-m", "fast", "stop")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture
def server():
    srv = Server()
    srv.start()
    with psycopg.connect(srv.url("postgres"), autocommit=True) as conn:
        conn.execute("CREATE DATABASE persona")
    yield srv
    try:
        srv.stop()
    except subprocess.CalledProcessError:
        pass
    shutil.rmtree(srv.root, ignore_errors=True)


def test_worker_waits_out_a_postgres_outage(server, persona_home, monkeypatch):
    monkeypatch.setenv("PERSONA_DATABASE_URL", server.url("persona"))
    _reset_engine()
    write_accounts(persona_home, latency=0.05)
    texts = enqueue(80)
    proc = worker(persona_home, "--interval", "0.3")
    try:
        _wait(lambda: _landed(persona_home) >= 10, "the worker to start sending")
        server.stop()
        time.sleep(2)
        assert proc.poll() is None, "the worker gave up while the database was down"
        server.start()
        _wait(lambda: _all_sent(server, len(texts)), "the queue to drain after the outage")
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-2000:]
    assert "database unavailable, waiting" in err
    with sqlite3.connect(persona_home / "sandbox.db") as conn:
        landed = sorted(t for (t,) in conn.execute("SELECT text FROM posts"))
    assert landed == sorted(texts)


def _landed(home: Path) -> int:
    try:
        with sqlite3.connect(home / "sandbox.db") as conn:
            return conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    except sqlite3.Error:
        return 0


def _all_sent(server: Server, count: int) -> bool:
    with psycopg.connect(server.url("persona")) as conn:
        return conn.execute("SELECT count(*) FROM items WHERE status = 'sent'"
                            ).fetchone()[0] == count


def _wait(condition, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_worker_waits_out_a_locked_sqlite(persona_home):
    write_accounts(persona_home)
    texts = enqueue(5)
    lock = sqlite3.connect(persona_home / "persona.db", isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    proc = worker(persona_home, "--once", "--json")
    time.sleep(3)
    assert proc.poll() is None  # waiting on the lock, not failing
    lock.execute("ROLLBACK")
    lock.close()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-2000:]
    import json

    assert json.loads(out)["sent"] == len(texts)
