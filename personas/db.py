"""One engine for the process, sessions per unit of work, and migrations on open.

SQLite in the data directory by default; `PERSONA_DATABASE_URL` selects another database
(PostgreSQL to share one outbox across machines). A database is brought up to date by
Alembic; when it already is, Alembic is not even imported.
"""

from __future__ import annotations

import atexit
import os
import re
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from personas.config import data_dir
from personas.errors import ConfigError, StorageError
from personas.files import full, make_private_dir
from personas.migrations import HEAD

if TYPE_CHECKING:
    from sqlmodel import Session


def database_url() -> str:
    url = os.environ.get("PERSONA_DATABASE_URL")
    if url:
        # Plain postgresql:// URLs get the psycopg 3 driver that persona installs.
        return re.sub(r"^postgres(?:ql)?://", "postgresql+psycopg://", url)
    directory = data_dir()
    try:
        make_private_dir(directory)
        (directory / "persona.db").touch(mode=0o600, exist_ok=True)
    except OSError as e:
        fix = (f"free some space on the disk holding {directory}" if full(directory, e)
               else "set PERSONA_HOME to a writable directory")
        raise StorageError(f"cannot use the data directory {directory} ({e.strerror}); "
                           f"{fix}") from None
    # created yours alone (above): its -wal and -shm files take the same mode
    return f"sqlite:///{directory / 'persona.db'}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # WAL + NORMAL: a commit survives the process being killed at any moment; see
    # docs/reliability.md for what it does not survive
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A checkpoint (WAL -> database, two fsyncs) every 4,000 pages (16 MB of WAL), not 1,000:
    # posts rewrite the same few pages, so each copies little more, and fsyncs come 4x rarer.
    cursor.execute("PRAGMA wal_autocheckpoint=4000")
    cursor.close()


@cache
def engine() -> Engine:
    url = database_url()
    try:
        if url.startswith("sqlite"):
            # LIFO: the connection used last has the pages in its cache. Taking the pooled
            # connections in turn, each re-reads what the other wrote (19 pages a post).
            eng = create_engine(url, connect_args={"timeout": 30}, pool_use_lifo=True)
            event.listen(eng, "connect", _sqlite_pragmas)
        else:
            eng = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    except (ArgumentError, ImportError, ValueError, TypeError):
        # The message would repeat the URL, password and all: say what is wrong instead.
        raise ConfigError("PERSONA_DATABASE_URL is not a database URL persona can use; write "
                          "postgresql://USER@HOST/DATABASE (or sqlite:///PATH)") from None
    migrate(eng)
    # Whatever opens a connection through SQLAlchemy (a session, engine().connect()) reads
    # the writes `later` holds as committed: they are committed first.
    event.listen(eng, "engine_connect", lambda _conn: flush())
    return eng


def session() -> Session:
    # sqlmodel loads pydantic: worth half a second that raw SQL work (report events) skips.
    from sqlmodel import Session

    return Session(engine(), expire_on_commit=False)


# --- the hot path, below SQLAlchemy -----------------------------------------------------------
# What every post runs (store the item, check the rate budget, record the result and its
# event) goes to the driver directly: SQLAlchemy's statement and result machinery cost
# several times the SQL itself on SQLite. Statements are written once, with :name
# parameters, and `sql()` gives each dialect its own form. Everything else uses the ORM.


class _Own(threading.local):
    """SQLite: each thread's own connection for `raw()`, kept open for the thread's life.
    Taking one from the pool and giving it back costs more than a post's own SQL; a
    connection per thread is what SQLite wants anyway (one writer at a time, WAL readers
    alongside)."""

    engine: Engine | None = None
    conn: Any = None


_own = _Own()
_inherited: list[Any] = []  # a forked child's copy of its parent's connection: never used


def _after_fork_in_child() -> None:
    """Connections must not cross a fork: the child opens its own, its pool too. The
    parent's are left as they are (referenced, never closed), so nothing of the parent's
    is touched from here."""
    if _own.conn is not None:
        _inherited.append(_own.conn)
    _own.engine = _own.conn = None
    _later.forget()  # the parent's to commit, not the child's too
    if engine.cache_info().currsize:
        engine().dispose(close=False)  # SQLAlchemy's way: a new pool, the old one left alone


os.register_at_fork(after_in_child=_after_fork_in_child)


def _own_connection(eng: Engine) -> Any:
    if _own.engine is not eng:  # first use in this thread, or the engine was replaced
        if _own.conn is not None:
            _forget_own()
        pooled = eng.raw_connection()  # made by the pool: same arguments, same pragmas
        conn = pooled.driver_connection
        pooled.detach()  # ... but not the pool's to hand out or to close
        _own.engine, _own.conn = eng, conn
    return _own.conn


class _Transaction:
    """`raw()`'s block: the cursor in, commit or rollback out. The writes `later` holds go
    first, in the same transaction (unless `with_held` is off); if it does not commit, they
    are held again."""

    __slots__ = ("conn", "pooled", "cursor", "engine", "carried", "with_held")

    def __init__(self, with_held: bool) -> None:
        self.with_held = with_held

    def __enter__(self) -> Any:
        self.pooled = None
        self.engine = eng = engine()
        if eng.dialect.name == "sqlite":
            self.conn = _own_connection(eng)
        else:
            self.pooled = eng.raw_connection()
            self.conn = self.pooled.driver_connection
        self.cursor = self.conn.cursor()
        self.carried = _later.take(eng) if _later.writes and self.with_held else ()
        if self.carried:
            try:
                for write in self.carried:
                    write(self.cursor)
            except BaseException:
                self.__exit__(*sys.exc_info())
                raise
        return self.cursor

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        committed = False
        try:
            if kind is None:
                try:
                    self.conn.commit()
                    committed = True
                except BaseException:
                    self.conn.rollback()
                    raise
            else:
                self.conn.rollback()
        finally:
            if self.carried and not committed:
                _later.put_back(self.engine, self.carried)
            self.cursor.close()
            if self.pooled is not None:
                self.pooled.close()  # back to the pool (which rolls back again, or drops it)
            elif self.conn is _own.conn and self.conn.in_transaction:
                # the rollback failed: kept, the connection would commit what this block
                # wrote with the next one. Closing it rolls back; the thread opens another.
                _forget_own()


def _forget_own() -> None:
    conn, _own.engine, _own.conn = _own.conn, None, None
    try:
        conn.close()
    except Exception:  # noqa: BLE001 (it is being thrown away)
        pass


def raw(with_held: bool = True) -> _Transaction:
    """A DBAPI cursor in one transaction: committed, with the writes `later` holds, when
    the block ends (the commit has reached the database when this returns, see
    docs/reliability.md); rolled back when it raises. On SQLite the connection is the
    thread's own; elsewhere one from the pool. `with_held=False` leaves the held writes
    held, for the next transaction: a read made before each post (`outbox.stale`) does not
    cost a commit of its own, the post's store takes them."""
    return _Transaction(with_held)


# --- writes that go with the next transaction ---------------------------------------------
# A post's result (its item marked sent, its event) need not cost a commit of its own: it
# is committed with the next transaction the process opens (the next post's store, most
# often), before anything of this process reads the database, and at exit. A crash loses
# only what is held then, the result of the last post: its item is found in `sending` and
# reconciled against the network, as after a crash between the network's answer and the
# record (docs/reliability.md).


Write = Callable[[Any], None]  # given a DBAPI cursor, inside the transaction


class _Later:
    """The writes `later` holds, for the engine they were made for."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.engine: Engine | None = None
        self.writes: list[Write] = []

    def add(self, eng: Engine, write: Write) -> None:
        with self.lock:
            if self.engine is not eng:
                # another database (only tests replace the engine): what was held for the
                # old one cannot go to this one
                self.engine, self.writes = eng, []
            self.writes.append(write)

    def take(self, eng: Engine) -> list[Write]:
        with self.lock:
            taken, self.writes = (self.writes if self.engine is eng else []), []
        return taken

    def put_back(self, eng: Engine, writes: Any) -> None:
        with self.lock:
            if self.engine is eng:
                self.writes[:0] = writes

    def drop(self) -> None:
        with self.lock:
            self.writes = []

    def forget(self) -> None:
        """In a forked child: the parent's writes are the parent's to commit. (The lock is
        new too: another thread of the parent may have held it at the fork.)"""
        self.lock, self.engine, self.writes = threading.Lock(), None, []


_later = _Later()


def later(write: Write) -> None:
    """Run `write(cursor)` in the next transaction this process opens, whatever opens it: a
    `raw()` block, a session, `flush()`, exit. It may run more than once (a commit whose
    outcome is unknown is tried again): write what still holds then, conditionally."""
    _later.add(engine(), write)


def flush() -> None:
    """Commit what `later` holds, now. Raises what the database raised; the writes are
    held again then."""
    if _later.writes:
        with raw():
            pass


def drop_later() -> None:
    """Forget what `later` holds: its caller has said it is not recorded."""
    _later.drop()


def _flush_at_exit() -> None:
    try:
        flush()
    except Exception as e:  # noqa: BLE001 (at exit: say it in one line)
        print(f"persona: could not record the last result ({first_line(e)}); the item stays "
              "`sending` until `persona worker` reconciles it with the network",
              file=sys.stderr)


atexit.register(_flush_at_exit)


@cache
def _sql(statement: str, dialect: str) -> str:
    if dialect == "postgresql":  # psycopg: %(name)s, and a literal % doubled
        return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", statement.replace("%", "%%"))
    return statement  # sqlite3 takes :name as it is


def sql(statement: str) -> str:
    """A statement with :name parameters, in the form the database's driver takes."""
    return _sql(statement, engine().dialect.name)


def postgres() -> bool:
    return engine().dialect.name == "postgresql"


def to_db(value: datetime | None) -> object:
    """An aware time as the UTCDateTime columns store it: naive UTC; on SQLite, the text
    SQLAlchemy writes there, so that both read each other's rows."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    naive = value.replace(tzinfo=None)
    if postgres():
        return naive
    return naive.isoformat(" ", "microseconds")  # SQLAlchemy's form: microseconds always


def from_db(value: datetime | str | None) -> datetime | None:
    """A stored UTCDateTime value read through the driver, as an aware UTC time."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


def current_revision(eng: Engine) -> str | None:
    try:
        with eng.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as e:
        if _missing_table(e):
            return None
        raise _unreachable(eng, e) from None


def _missing_table(e: DBAPIError) -> bool:
    message = str(e.orig).lower()
    return "no such table" in message or "does not exist" in message


def first_line(e: BaseException) -> str:
    """The first line of a database error (the driver's own, under SQLAlchemy's wrapper)."""
    lines = str(getattr(e, "orig", None) or e).strip().splitlines()
    return lines[0] if lines else type(e).__name__


def _unreachable(eng: Engine, e: Exception) -> StorageError:
    first = first_line(e)
    where = eng.url.render_as_string(hide_password=True)
    if eng.dialect.name != "sqlite":
        fix = "check PERSONA_DATABASE_URL, or that the server is running"
    else:
        fix = sqlite_fix(Path(eng.url.database or "persona.db"), e)
    return StorageError(f"cannot use the database at {where} ({first}); {fix}")


def sqlite_path() -> Path | None:
    """The SQLite file of the outbox; None when it is in another database."""
    url = os.environ.get("PERSONA_DATABASE_URL")
    if not url:
        return data_dir() / "persona.db"
    return Path(url.split("///", 1)[1]) if url.startswith("sqlite:///") else None


def sqlite_fix(path: Path, e: BaseException) -> str:
    """What to do about a SQLite database that fails. Moving the file aside throws its
    outbox away: said only of a file that is not a database at all, never of a full disk
    or a failing one."""
    if full(path.parent, e):
        return (f"the disk holding {path.parent} is full: free some space there and run it "
                "again; the outbox in the file is kept")
    message = first_line(e).lower()
    if "not a database" in message or "malformed" in message:
        return "move the file aside to start afresh, or set PERSONA_HOME elsewhere"
    return (f"check the disk and permissions of {path.parent} and run it again; keep the "
            "file, it holds the outbox")


def migrate(eng: Engine) -> None:
    """Bring the schema to HEAD. Concurrent first runs are serialised by the database."""
    if current_revision(eng) == HEAD:
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "personas:migrations")
    try:
        with eng.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(7023511)"))
            elif conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except OperationalError as e:
        raise _unreachable(eng, e) from None
