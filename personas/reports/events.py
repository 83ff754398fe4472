"""`persona report events`: the raw activity log as CSV or JSON, streamed.

Rows go from a server-side (PostgreSQL) or stepping (SQLite) cursor to the output in
batches, so memory stays flat whatever the size of the log. Times are formatted by the
database, and the rows are written by the csv module, to keep Python's work per row small.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, TextIO

from personas import activity

COLUMNS = ("id", "at", "persona", "action", "kind", "subject", "item_id", "remote_id",
           "detail")
BATCH = 5000


def batches(*, personas: Sequence[str] | None, since: datetime | None, until: datetime | None,
            public: set[str], include_private: bool,
            batch: int = BATCH) -> Iterator[list[Sequence[Any]]]:
    """The log in id order, `batch` rows at a time, private words redacted unless asked."""
    from sqlalchemy import select

    from personas import db
    from personas.models import Event

    eng = db.engine()
    query = select(Event.id, _iso(Event.at, eng.dialect.name), Event.persona, Event.action,
                   Event.kind, Event.subject, Event.item_id, Event.remote_id, Event.detail)
    if personas:
        query = query.where(Event.persona.in_(personas))
    if since is not None:
        query = query.where(Event.at >= since)
    if until is not None:
        query = query.where(Event.at < until)
    with eng.connect() as conn:
        result = conn.execution_options(stream_results=True, max_row_buffer=batch).execute(
            query.order_by(Event.id))
        for rows in result.partitions(batch):
            yield rows if include_private else _redacted(rows, public)


def _iso(column: Any, dialect: str) -> Any:
    """ISO 8601 UTC text, made by the database rather than by Python row by row."""
    from sqlalchemy import String, func, literal, type_coerce

    if dialect == "postgresql":
        return func.to_char(column, literal('YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" (UTC): a separator and a zone make it ISO.
    return func.replace(type_coerce(column, String), " ", "T").op("||")("Z")


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
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    n = 0
    for rows in parts:
        writer.writerows(rows)
        n += len(rows)
    return n


def write_json(out: TextIO, parts: Iterator[list[Sequence[Any]]]) -> int:
    """A JSON array of objects, written as it is read; `detail` is an object, not text."""
    out.write("[")
    n = 0
    for rows in parts:
        for row in rows:
            record = dict(zip(COLUMNS, row, strict=True))
            record["detail"] = _detail(record["detail"])
            out.write(",\n" if n else "\n")
            out.write(json.dumps(record, ensure_ascii=False))
            n += 1
    out.write("\n]\n" if n else "]\n")
    return n


def _detail(detail: str | None) -> object:
    if detail is None:
        return None
    try:
        return json.loads(detail)
    except ValueError:
        return detail
