"""`persona report events`: the raw activity log as CSV or JSON, streamed.

Memory stays flat whatever the size of the log: rows are read a batch at a time and
written before the next batch is read. Speed comes from letting the database do the
per-row work, since a Python object per value costs more than the database's whole export:

- CSV on SQLite: each batch is one keyset query (`id > last ... LIMIT n`) whose result is the
  batch's CSV text, lines formatted by `printf` and joined by `group_concat`; private words
  are removed by `json_remove`.
- CSV on PostgreSQL: a server-side cursor yields one formatted line per row; Python redacts
  the few rows with private words.
- JSON (both): a cursor (server-side on PostgreSQL) yields plain rows.

CSV quoting: every text field is quoted ("me"), numbers and times are not; a `"` inside a
field is doubled. Any CSV reader reads it; empty and missing text both read as "".
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from personas import activity

COLUMNS = ("id", "at", "persona", "action", "kind", "subject", "item_id", "remote_id",
           "detail")
BATCH = 5000


@dataclass(frozen=True)
class Query:
    """Which events, and whose words to keep."""

    personas: Sequence[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    public: set[str] = field(default_factory=set)  # personas whose words are not private
    include_private: bool = False


def open_cursor(dbapi_connection: Any, dialect: str) -> Any:
    """A cursor that reads as it goes: named (server-side) on PostgreSQL; SQLite's cursor
    steps through the statement on each fetch."""
    if dialect == "postgresql":
        return dbapi_connection.cursor(name="persona_events_export")
    return dbapi_connection.cursor()


def _fetch(build: Any, query: Query, batch: int) -> Iterator[list[Any]]:
    """Run the SQL that `build(dialect, query)` makes on the driver's own cursor: these rows
    need no conversion, so none is paid for."""
    from personas import db

    eng = db.engine()
    sql, params = build(eng.dialect.name, query)
    with eng.connect() as conn:
        cursor = open_cursor(conn.connection.dbapi_connection, eng.dialect.name)
        try:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(batch):
                yield rows
        finally:
            cursor.close()


# --- SQL -------------------------------------------------------------------------------------

class _Sql:
    """The few spellings SQLite and PostgreSQL do not share."""

    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"
        self.mark = "%s" if self.pg else "?"
        self.params: list[Any] = []

    def bind(self, value: Any) -> str:
        self.params.append(value)
        return self.mark

    def at(self) -> str:
        # Stored as naive UTC; SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" text.
        if self.pg:
            return "to_char(at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
        return "(replace(at, ' ', 'T') || 'Z')"

    def time(self, when: datetime) -> Any:
        naive = when.astimezone(UTC).replace(tzinfo=None)
        return naive if self.pg else naive.isoformat(" ", "microseconds")

    def text(self, column: str, nullable: bool = True) -> str:
        """A text column for a CSV field inside double quotes: its quotes doubled."""
        value = f"coalesce({column}, '')" if nullable else column
        return f"replace({value}, '\"', '\"\"')"

    def where(self, q: Query) -> str:
        clauses = []
        if q.personas:
            clauses.append(f"persona IN ({', '.join(self.bind(p) for p in q.personas)})")
        if q.since is not None:
            clauses.append(f"at >= {self.bind(self.time(q.since))}")
        if q.until is not None:
            clauses.append(f"at < {self.bind(self.time(q.until))}")
        return f" WHERE {' AND '.join(clauses)}" if clauses else ""

    def private(self, q: Query) -> str:
        """True for an event whose words are private (see personas.activity)."""
        if not q.public:
            return "1 = 1"
        actions = ", ".join(self.bind(a) for a in activity.PRIVATE_ACTIONS)
        public = ", ".join(self.bind(p) for p in sorted(q.public))
        return f"(action IN ({actions}) OR persona NOT IN ({public}))"


def _rows_sql(dialect: str, q: Query) -> tuple[str, list[Any]]:
    s = _Sql(dialect)
    where = s.where(q)
    return (f"SELECT id, {s.at()}, persona, action, kind, subject, item_id, remote_id, detail"
            f" FROM events{where} ORDER BY id", s.params)


def _pg_lines_sql(dialect: str, q: Query) -> tuple[str, list[Any]]:
    """PostgreSQL: (CSV line, detail to redact or NULL) per row. A line whose detail must be
    redacted ends at the last comma; Python appends the redacted detail."""
    s = _Sql(dialect)
    # %% is psycopg's escape for a literal %: format() sees %s.
    head = ("format('%%s,%%s,\"%%s\",\"%%s\",\"%%s\",\"%%s\",%%s,\"%%s\",', id, "
            f"{s.at()}, {s.text('persona', False)}, {s.text('action', False)}, "
            f"{s.text('kind')}, {s.text('subject')}, coalesce(item_id::text, ''), "
            f"{s.text('remote_id')})")
    detail = f"'\"' || {s.text('detail')} || '\"'"
    if q.include_private:
        select = f"{head} || {detail}, NULL"
    else:  # each placeholder binds its own parameter: the condition is spelled twice
        select = (f"{head} || CASE WHEN detail IS NOT NULL AND {s.private(q)} THEN ''"
                  f" ELSE {detail} END,"
                  f" CASE WHEN detail IS NOT NULL AND {s.private(q)} THEN detail END")
    where = s.where(q)
    return f"SELECT {select} FROM events{where} ORDER BY id", s.params


def _sqlite_page_sql(q: Query) -> tuple[str, list[Any], int]:
    """SQLite: one page of the log as CSV text. Returns the SQL, its parameters, and the
    index of the parameter that takes the last id of the previous page."""
    import sqlite3

    s = _Sql("sqlite")
    detail = "detail"
    if not q.include_private:
        paths = ", ".join(f"'$.{key}'" for key in activity.PRIVATE_KEYS)
        detail = (f"CASE WHEN detail IS NULL THEN NULL WHEN {s.private(q)} THEN"
                  " CASE WHEN json_valid(detail) AND json_type(detail) = 'object'"
                  f" THEN json_remove(detail, {paths}) END ELSE detail END")
    line = ("printf('%d,%s,\"%w\",\"%w\",\"%w\",\"%w\",%s,\"%w\",\"%w\"', id, "
            f"{s.at()}, persona, action, coalesce(kind, ''), coalesce(subject, ''),"
            f" coalesce(item_id, ''), coalesce(remote_id, ''), coalesce({detail}, ''))")
    where = s.where(q)
    last = len(s.params)
    bounds = f"id > {s.bind(0)} AND id <= {s.bind(0)}"
    where = f"{where} AND {bounds}" if where else f" WHERE {bounds}"
    limit = s.bind(BATCH)
    # Before SQLite 3.44 group_concat has no ORDER BY; it keeps the subquery's order.
    order = " ORDER BY id" if sqlite3.sqlite_version_info >= (3, 44) else ""
    return (f"SELECT group_concat(line, char(10){order}), max(id), count(*) FROM"
            f" (SELECT id, {line} AS line FROM events{where} ORDER BY id LIMIT {limit})",
            s.params, last)


# --- output ----------------------------------------------------------------------------------

def batches(q: Query, batch: int = BATCH) -> Iterator[list[Sequence[Any]]]:
    """The log in id order as tuples, `batch` rows at a time, private words redacted."""
    for rows in _fetch(_rows_sql, q, batch):
        yield rows if q.include_private else _redacted(rows, q.public)


def csv_batches(q: Query, batch: int = BATCH) -> Iterator[tuple[str, int]]:
    """The log in id order as CSV text (lines without the last newline) and its number of
    rows, a batch at a time, private words redacted."""
    from personas import db

    if db.engine().dialect.name == "sqlite":
        yield from _sqlite_pages(q, batch)
        return
    for rows in _fetch(_pg_lines_sql, q, batch):
        yield "\n".join([line if detail is None else line + _quoted(activity.redact(detail))
                         for line, detail in rows]), len(rows)


def _sqlite_pages(q: Query, batch: int) -> Iterator[tuple[str, int]]:
    from personas import db

    sql, params, last = _sqlite_page_sql(q)
    params[-1] = batch
    with db.engine().connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            # Events are only ever appended: rows up to today's last id are the export.
            params[last + 1] = cursor.execute("SELECT coalesce(max(id), 0) FROM events"
                                              ).fetchone()[0]
            while True:
                text, params[last], count = cursor.execute(sql, params).fetchone()
                if not count:
                    return
                yield text, count
        finally:
            cursor.close()


def _redacted(rows: list[Sequence[Any]], public: set[str]) -> list[Sequence[Any]]:
    private = activity.PRIVATE_ACTIONS
    out: list[Sequence[Any]] = []
    for row in rows:
        if row[8] is not None and (row[2] not in public or row[3] in private):
            row = (*row[:8], activity.redact(row[8]))
        out.append(row)
    return out


def _quoted(value: str | None) -> str:
    return '"' + (value or "").replace('"', '""') + '"'


def write_csv(out: TextIO, parts: Iterator[tuple[str, int]]) -> int:
    """One write per batch: stdout may be unbuffered (PYTHONUNBUFFERED), and a write per
    row would then cost a system call per row."""
    out.write(",".join(COLUMNS) + "\n")
    n = 0
    for text, count in parts:
        out.write(text + "\n")
        n += count
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
