"""`report events` streams: rows come from an iterative (SQLite) or server-side
(PostgreSQL) cursor a batch at a time, and are written as they come. Its memory is measured
in bench/reports_export.py, over a million events."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from personas import activity, db
from personas.models import Event
from personas.reports import events

ROWS, BATCH = 2500, 1000


def _fill() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with db.session() as s:
        for i in range(ROWS):
            activity.record(s, "we" if i % 2 else "me", activity.INTRODUCTION_RECEIVED,
                            subject=f"p{i}", at=start + timedelta(minutes=i),
                            detail={"text": f"secret {i}", "n": i})
        s.commit()


def _query(**kw) -> events.Query:  # type: ignore[no-untyped-def]
    return events.Query(**{"public": {"me"}, **kw})


def _batches(**kw):  # type: ignore[no-untyped-def]
    return events.batches(_query(**kw), BATCH)


def _lines(**kw):  # type: ignore[no-untyped-def]
    return events.csv_batches(_query(**kw), BATCH)


def test_rows_come_a_batch_at_a_time_from_a_streaming_cursor(backend, monkeypatch):
    _fill()
    cursors = []
    opened = events.open_cursor
    monkeypatch.setattr(events, "open_cursor",
                        lambda *a: cursors.append(opened(*a)) or cursors[-1])
    parts = _batches()
    first = next(parts)
    assert len(first) == BATCH
    [cursor] = cursors
    if backend == "postgres":
        import psycopg

        assert isinstance(cursor, psycopg.ServerCursor)
        with db.engine().connect() as other:  # the server sees a cursor being fetched from
            query = other.execute(text(
                "SELECT query FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'")).scalar()
        assert query is not None and query.split()[0] in ("DECLARE", "FETCH"), query
    else:
        import sqlite3

        # sqlite3 steps the statement on each fetchmany: rows are read as they are asked for.
        assert isinstance(cursor, sqlite3.Cursor)
    rest = [len(rows) for rows in parts]
    assert rest == [BATCH, ROWS - 2 * BATCH]


def test_the_output_is_written_as_the_rows_come(backend):
    _fill()

    pulled = 0

    def counted(parts):  # type: ignore[no-untyped-def]
        nonlocal pulled
        for rows in parts:
            pulled += 1
            yield rows

    class Recorder(io.StringIO):
        seen: list[int] = []  # batches read from the database at each write

        def write(self, s: str) -> int:
            self.seen.append(pulled)
            return super().write(s)

    out = Recorder()
    assert events.write_csv(out, counted(_lines())) == ROWS
    # The header, then each batch is out before the next one is read: never all at once.
    assert out.seen == [0, 1, 2, 3]
    assert "secret" not in out.getvalue()
    lines = out.getvalue().splitlines()
    assert len(lines) == ROWS + 1 and lines[1].startswith("1,2026-01-01T00:00:00")
    out = io.StringIO()
    assert events.write_json(out, _batches(include_private=True, personas=["me"])) == ROWS // 2
    assert '"text": "secret 0"' in out.getvalue()


def test_period_filter(backend):
    _fill()
    since = datetime(2026, 1, 1, 1, tzinfo=UTC)
    rows = [r for part in _batches(since=since, until=since + timedelta(minutes=10))
            for r in part]
    assert [r[0] for r in rows] == list(range(61, 71))


TRICKY = ["plain", "a,b", 'say "hi"', "two\nlines", "cr\rhere", "", "ünïcödé ✓", '",\n']


def _read_back(rows: list[list[str]]) -> list[list[object]]:
    """CSV rows with `detail` parsed: the database may write JSON without spaces."""
    return [row[:8] + [json.loads(row[8]) if row[8] else None] for row in rows]


def test_csv_made_by_the_database_reads_back_as_the_rows(backend):
    """The CSV the database formats reads back (csv module) as the very rows, with and
    without private words, whatever the text holds."""
    import csv

    with db.session() as s:
        for i, value in enumerate(TRICKY):
            for persona in ("me", "we"):
                activity.record(s, persona, activity.FOLLOWED, kind=value[:16] or None,
                                subject=value, remote_id=value, item_id=i or None,
                                detail={"text": value, "n": value})
        activity.record(s, "me", activity.DM_SENT, detail={"text": "x"})
        activity.record(s, "me", activity.POSTED)
        s.commit()
        s.add(Event(persona="me", action="followed", subject="raw", detail="not json, \"quoted\""))
        s.add(Event(persona="we", action="followed", detail="[1, 2]"))
        s.commit()
    for include_private in (False, True):
        for public in (set(), {"me"}):
            expected = [["" if v is None else str(v) for v in row]
                        for rows in _batches(include_private=include_private, public=public)
                        for row in rows]
            got = io.StringIO()
            n = events.write_csv(got, _lines(include_private=include_private, public=public))
            back = list(csv.reader(io.StringIO(got.getvalue(), newline="")))
            assert back[0] == list(events.COLUMNS) and n == len(expected) == len(back) - 1
            plain = [row for row in back[1:] if not row[8].startswith("not json")]
            assert _read_back(plain) == _read_back(
                [row for row in expected if not row[8].startswith("not json")])
            details = {(row[2], row[5]): row[8] for row in back[1:] if row[3] == "followed"}
            # A public persona's follow keeps its words; the private persona's lose them.
            assert ('"text"' in details["me", "plain"]) == (include_private or "me" in public)
            assert ('"text"' in details["we", "plain"]) == include_private
            assert (details["me", "raw"].startswith("not json")) == (include_private
                                                                  or "me" in public)
