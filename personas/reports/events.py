"""`persona report events`: the raw activity log as CSV or JSON, streamed.

Rows go from a server-side (PostgreSQL) or stepping (SQLite) cursor to the output in
batches, so memory stays flat whatever the size of the log. Times are formatted by the
database and rows are written by the csv module, to keep Python's work per row small.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from personas import activity

COLUMNS = ("id", "at", "persona", "action", "kind", "subject", "item_id", "remote_id",
           "detail")
BATCH = 5000


def batches(*, personas: Sequence[str] | None, since: datetime | None, until: datetime | None,
            public: set[str], include_private: bool,
            batch: int = BATCH) -> Iterator[list[Sequence[Any]]]:
    """The log in id order, `batch` rows at a time, private words redacted unless asked."""
    from personas import db

    eng = db.engine()
    dialect = eng.dialect.name
    sql, params = _query(dialect, personas, since, until)
    with eng.connect() as conn:
        cursor = open_cursor(conn.connection.dbapi_connection, dialect)
        try:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(batch):
                yield rows if include_private else _redacted(rows, public)
        finally:
            cursor.close()


def open_cursor(dbapi_connection: Any, dialect: str) -> Any:
    """A cursor that reads as it goes: named (server-side) on PostgreSQL; SQLite's cursor
    steps through the statement on each fetch."""
    if dialect == "postgresql":
        return dbapi_connection.cursor(name="persona_events_export")
    return dbapi_connection.cursor()


def _query(dialect: str, personas: Sequence[str] | None, since: datetime | None,
           until: datetime | None) -> tuple[str, list[Any]]:
    """Plain SQL on the driver's cursor: the rows need no conversion, so none is paid for
    (a million rows through the ORM's result objects cost twice the time)."""
    mark = "%s" if dialect == "postgresql" else "?"
    # Times are stored as naive UTC; SQLite keeps them as "YYYY-MM-DD HH:MM:SS.ffffff" text.
    at = ("to_char(at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')" if dialect == "postgresql"
          else "replace(at, ' ', 'T') || 'Z'")
    where, params = [], []
    if personas:
        where.append(f"persona IN ({', '.join([mark] * len(personas))})")
        params += list(personas)
    for op, bound in ((">=", since), ("<", until)):
        if bound is not None:
            naive = bound.astimezone(UTC).replace(tzinfo=None)
            where.append(f"at {op} {mark}")
            params.append(naive if dialect == "postgresql"
                          else naive.isoformat(" ", "microseconds"))
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return (f"SELECT id, {at}, persona, action, kind, subject, item_id, remote_id, detail"
            f" FROM events{clause} ORDER BY id", params)


def _redacted(rows: list[Sequence[Any]], public: set[str]) -> list[Sequence[Any]]:
    """Rows of private personas and private actions lose the words in their detail."""
    private = activity.PRIVATE_ACTIONS
    out: list[Sequence[Any]] = []
    for row in rows:
        if row[8] is not None and (row[2] not in public or row[3] in private):
            row = (*row[:8], activity.redact(row[8]))
        out.append(row)
    return out


def write_csv(out: TextIO, parts: Iterator[list[Sequence[Any]]]) -> int:
    """One write per batch: stdout may be unbuffered (PYTHONUNBUFFERED), and a write per
    row would then cost a system call per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    out.write(buffer.getvalue())
    n = 0
    for rows in parts:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(rows)
        out.write(buffer.getvalue())
        n += len(rows)
    return n


def write_json(out: TextIO, parts: Iterator[list[Sequence[Any]]]) -> int:
    """A JSON array of objects, written as it is read; `detail` is an object, not text."""
    out.write("[")
    n = 0
    for rows in parts:
        records = []
        for row in rows:
            record = dict(zip(COLUMNS, row, strict=True))
            record["detail"] = _detail(record["detail"])
            records.append(json.dumps(record, ensure_ascii=False))
        out.write(("\n" if n == 0 else ",\n") + ",\n".join(records))
        n += len(rows)
    out.write("\n]\n" if n else "]\n")
    return n


def _detail(detail: str | None) -> object:
    if detail is None:
        return None
    try:
        return json.loads(detail)
    except ValueError:
        return detail
