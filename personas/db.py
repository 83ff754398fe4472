"""One engine for the process, sessions per unit of work, and migrations on open.

SQLite in the data directory by default; `PERSONA_DATABASE_URL` selects another database
(PostgreSQL to share one outbox across machines). A database is brought up to date by
Alembic; when it already is, Alembic is not even imported.
"""

from __future__ import annotations

import os
import re
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from personas.config import data_dir
from personas.errors import StorageError
from personas.migrations import HEAD

if TYPE_CHECKING:
    from sqlmodel import Session


def database_url() -> str:
    url = os.environ.get("PERSONA_DATABASE_URL")
    if url:
        # Plain postgresql:// URLs get the psycopg 3 driver that persona installs.
        return re.sub(r"^postgres(?:ql)?://", "postgresql+psycopg://", url)
    directory = data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'persona.db'}"


def redact(url: str) -> str:
    """The URL without its password, fit for a message."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@cache
def engine() -> Engine:
    url = database_url()
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"timeout": 30})
        event.listen(eng, "connect", _sqlite_pragmas)
    else:
        eng = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    migrate(eng)
    return eng


def session() -> Session:
    # sqlmodel loads pydantic: worth half a second that raw SQL work (report events) skips.
    from sqlmodel import Session

    return Session(engine(), expire_on_commit=False)


def current_revision(eng: Engine) -> str | None:
    try:
        with eng.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError) as e:
        if _missing_table(e):
            return None
        raise _unreachable(eng, e) from None


def _missing_table(e: DBAPIError) -> bool:
    message = str(e.orig).lower()
    return "no such table" in message or "does not exist" in message


def _unreachable(eng: Engine, e: Exception) -> StorageError:
    first = str(getattr(e, "orig", e)).strip().splitlines()[0] if str(e) else type(e).__name__
    return StorageError(
        f"cannot use the database at {redact(str(eng.url.render_as_string(hide_password=True)))}"
        f" ({first}); check PERSONA_DATABASE_URL, or that the server is running"
    )


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
