"""`persona report events`: the raw activity log as CSV or JSON, streamed.

Rows go from a server-side (PostgreSQL) or stepping (SQLite) cursor to the output in
batches, so memory stays flat whatever the size of the log. For CSV the database itself
formats each row as a CSV line (a field holding , " CR or LF is quoted, as the sqlite3 tool
does), so Python handles one string per row rather than nine values: that keeps a
million-row export within a few times the sqlite3 tool's own time (bench/reports_export.py).
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
TEXT_COLUMNS = ("persona", "action", "kind", "subject", "remote_id")
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

    def csv_field(self, column: str) -> str:
        """The column as a CSV field: quoted when it holds , " CR or LF, like csv.writer."""
        find, char = ("strpos", "chr") if self.pg else ("instr", "char")
        special = " OR ".join(f"{find}({column}, {c}) > 0"
                              for c in ("','", "'\"'", f"{char}(10)", f"{char}(13)"))
        return (f"CASE WHEN {column} IS NULL THEN '' WHEN {special} THEN"
                f" '\"' || replace({column}, '\"', '\"\"') || '\"' ELSE {column} END")

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


def _lines_sql(dialect: str, q: Query) -> tuple[str, list[Any]]:
    """Each row as (CSV line, detail to redact or NULL). A line whose detail must be
    redacted ends at the last comma; Python appends the redacted detail."""
    s = _Sql(dialect)
    fields = ["CAST(id AS TEXT)", s.at(), *(s.csv_field(c) for c in TEXT_COLUMNS[:4]),
              "coalesce(CAST(item_id AS TEXT), '')", s.csv_field("remote_id")]
    head = " || ',' || ".join(fields) + " || ','"
    if q.include_private:
        select = f"{head} || {s.csv_field('detail')}, NULL"
    else:
        # Each placeholder binds its own parameter: the condition is spelled twice.
        select = (f"{head} || CASE WHEN detail IS NOT NULL AND {s.private(q)} THEN ''"
                  f" ELSE {s.csv_field('detail')} END,"
                  f" CASE WHEN detail IS NOT NULL AND {s.private(q)} THEN detail END")
    where = s.where(q)  # after the select's own parameters, in the order they appear
    return f"SELECT {select} FROM events{where} ORDER BY id", s.params


# --- output ----------------------------------------------------------------------------------

def batches(q: Query, batch: int = BATCH) -> Iterator[list[Sequence[Any]]]:
    """The log in id order as tuples, `batch` rows at a time, private words redacted."""
    for rows in _fetch(_rows_sql, q, batch):
        yield rows if q.include_private else _redacted(rows, q.public)


def csv_batches(q: Query, batch: int = BATCH) -> Iterator[list[str]]:
    """The log in id order as CSV lines, `batch` at a time, private words redacted."""
    for rows in _fetch(_lines_sql, q, batch):
        yield [line if detail is None else line + _csv_field(activity.redact(detail))
               for line, detail in rows]


def _redacted(rows: list[Sequence[Any]], public: set[str]) -> list[Sequence[Any]]:
    private = activity.PRIVATE_ACTIONS
    out: list[Sequence[Any]] = []
    for row in rows:
        if row[8] is not None and (row[2] not in public or row[3] in private):
            row = (*row[:8], activity.redact(row[8]))
        out.append(row)
    return out


def _csv_field(value: str | None) -> str:
    if value is None:
        return ""
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def write_csv(out: TextIO, parts: Iterator[list[str]]) -> int:
    """One write per batch: stdout may be unbuffered (PYTHONUNBUFFERED), and a write per
    row would then cost a system call per row."""
    out.write(",".join(COLUMNS) + "\n")
    n = 0
    for lines in parts:
        out.write("\n".join(lines) + "\n")
        n += len(lines)
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
