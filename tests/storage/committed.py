"""What another client of the database sees: committed rows only. For tests that watch
when a post's result is committed (a plain sqlite3 connection to the test's SQLite file,
or another SQLAlchemy engine on the PostgreSQL server)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def db_file() -> Path:
    return Path(os.environ["PERSONA_HOME"]) / "persona.db"


def outside(query: str) -> list[tuple[object, ...]]:
    """The query's rows, read through a SQLite connection of its own."""
    conn = sqlite3.connect(db_file())
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def status(item_id: int) -> tuple[str, int]:
    """An item's committed status, and how many events it has."""
    [(state,)] = outside(f"SELECT status FROM items WHERE id = {item_id}")
    [(n,)] = outside(f"SELECT count(*) FROM events WHERE item_id = {item_id}")
    return state, n  # type: ignore[return-value]


def on_postgresql() -> tuple[dict[int, str], int]:
    """Every item's committed status, and the number of events, as another client of the
    PostgreSQL server (PERSONA_DATABASE_URL) sees them."""
    from sqlalchemy import create_engine, text

    url = os.environ["PERSONA_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
    other = create_engine(url)
    try:
        with other.connect() as conn:
            states = dict(conn.execute(text("SELECT id, status FROM items")).all())
            events = conn.execute(text("SELECT count(*) FROM events")).scalar()
    finally:
        other.dispose()
    return states, events  # type: ignore[return-value]
