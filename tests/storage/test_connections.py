"""SQLite: `db.raw()` runs on a connection each thread keeps for itself, and a forked child
opens its own rather than using its parent's."""

from __future__ import annotations

import os
import threading

from personas import db, outbox
from tests.storage.test_outbox import routed


def test_threads_store_at_once_each_on_a_connection_of_its_own(persona_home):
    item, decision, persona = routed("from many threads at once")
    db.engine()  # opened (and migrated) once, before the threads
    seen: dict[int, object] = {}
    errors: list[BaseException] = []

    def store(n: int) -> None:
        try:
            for _ in range(20):
                outbox.enqueue(item, decision, persona)
            seen[n] = db._own.conn
        except BaseException as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    threads = [threading.Thread(target=store, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({id(c) for c in seen.values()}) == 4
    with db.raw() as cursor:
        cursor.execute("SELECT count(*) FROM items")
        assert cursor.fetchone()[0] == 80


def test_a_new_database_gets_a_new_connection(persona_home, tmp_path, monkeypatch):
    from tests.conftest import _reset_engine

    item, decision, persona = routed("first database")
    outbox.enqueue(item, decision, persona)
    first = db._own.conn
    monkeypatch.setenv("PERSONA_HOME", str(tmp_path / "elsewhere"))
    _reset_engine()
    with db.raw() as cursor:
        cursor.execute("SELECT count(*) FROM items")
        assert cursor.fetchone()[0] == 0  # the new database, not the first one
    assert db._own.conn is not first


def test_a_forked_child_opens_its_own_connection(persona_home):
    item, decision, persona = routed("before the fork")
    outbox.enqueue(item, decision, persona)
    outbox.pending()  # the pool holds a connection of the parent's too
    parent = db._own.conn
    with db.engine().connect() as conn:
        pooled = conn.connection.driver_connection
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: store one item, say whether it used a connection of its own
        code = 1
        try:
            outbox.enqueue(item, decision, persona)
            code = 0 if db._own.conn is not parent and db._own.conn is not pooled else 2
        finally:
            os.write(write, bytes([code]))
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == bytes([0])
    outbox.enqueue(item, decision, persona)  # the parent's connection still works
    assert db._own.conn is parent
    with db.raw() as cursor:
        cursor.execute("SELECT count(*) FROM items")
        assert cursor.fetchone()[0] == 3


def test_a_block_whose_rollback_fails_leaves_nothing_for_the_next_block(persona_home):
    import sqlite3

    import pytest

    item, decision, persona = routed("kept")
    outbox.enqueue(item, decision, persona)

    class RollbackFails:  # the thread's connection, but its rollback fails (a disk error)
        def __init__(self, real: sqlite3.Connection) -> None:
            self.real = real

        def __getattr__(self, name: str) -> object:
            return getattr(self.real, name)

        def rollback(self) -> None:
            raise sqlite3.OperationalError("disk I/O error")

    real = db._own.conn
    db._own.conn = RollbackFails(real)
    with pytest.raises(sqlite3.OperationalError):
        with db.raw() as cursor:
            cursor.execute("DELETE FROM items")
            raise ValueError("the block failed")
    assert db._own.conn is None  # thrown away, not kept inside its transaction
    with db.raw() as cursor:  # a new connection: the delete was never committed
        cursor.execute("SELECT count(*) FROM items")
        assert cursor.fetchone()[0] == 1
