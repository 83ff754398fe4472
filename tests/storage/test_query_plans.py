"""The indexes that remain after migration 0009 still serve every query the worker, the
queue and the reports make: with thousands of sent items and events, none of them reads
the whole items or events table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from personas import db, outbox
from personas.config import load
from personas.reports.build import build


def _fill(items: int) -> None:
    """Thousands of sent items and their events, a few waiting, as months of use leave."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with db.raw() as cursor:
        for i in range(items):
            at = db.to_db(start + timedelta(minutes=i))
            persona = ("me", "you", "we")[i % 3]
            status = "queued" if i % 500 == 0 else "sent"
            cursor.execute(db.sql(
                "INSERT INTO items (key, persona, network, kind, text, reason, status, "
                "created_at, updated_at, attempts, remote_id) VALUES (:key, :persona, "
                "'sandbox', 'original', :text, 'r', :status, :at, :at, 1, :remote)"),
                {"key": f"k{i}", "persona": persona, "text": f"post {i}", "status": status,
                 "at": at, "remote": str(10**9 + i)})
            cursor.execute(db.sql(
                "INSERT INTO events (at, persona, action, kind, item_id) VALUES "
                "(:at, :persona, 'posted', 'original', :item)"), {"at": at, "persona": persona,
                                                                  "item": i + 1})


def _plans(run) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each SELECT `run` makes on items or events, with SQLite's plan for it."""
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and (
                " items" in statement or " events" in statement):
            seen.append((statement, parameters))

    engine = db.engine()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    plans = {}
    with engine.connect() as conn:
        for statement, parameters in seen:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            plans[statement] = " | ".join(row[-1] for row in rows)
    return plans


def test_no_query_of_the_worker_queue_or_reports_reads_a_whole_table(persona_home):
    _fill(3000)  # persona never runs ANALYZE: the planner goes by the indexes alone
    cfg = load()
    now = datetime(2026, 1, 10, tzinfo=UTC)

    def everything() -> None:
        assert outbox.claim_next("w1", now=now) is not None
        outbox.pending()
        outbox.pending("you")
        outbox.stale(now=now)
        build(cfg.personas, now - timedelta(days=2), now)

    plans = _plans(everything)
    assert len(plans) >= 6, plans
    for statement, plan in plans.items():
        assert "SCAN items" not in plan and "SCAN events" not in plan, (statement, plan)
        if "FROM events" in statement and "persona IN" in statement and "at >" not in statement:
            # no lower bound in time: only the persona index keeps it to the persona's own
            assert "persona=" in plan, (statement, plan)


def test_the_events_export_of_one_persona_reads_only_its_events(persona_home):
    from personas.reports import events

    _fill(300)
    query = events.Query(personas=["me"])
    sql, params, _ = events._sqlite_page_sql(query)
    rows, row_params = events._rows_sql("sqlite", query)
    with db.engine().connect() as conn:
        for statement, bound in ((sql, params), (rows, row_params)):
            plan = " | ".join(r[-1] for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, tuple(bound) if isinstance(bound, list)
                else bound).all())
            assert "persona=" in plan, (statement, plan)


def test_the_claim_walks_the_due_index_and_sorts_nothing(persona_home):
    """The worker's claim reads the next due item through ix_items_status_due, in its
    order: no scan, no sort of the queue (a sort made each claim cost the queue's length)."""
    _fill(3000)
    now = db.to_db(datetime(2026, 1, 10, tzinfo=UTC))
    params = {"queued": "queued", "sending": "sending", "now": now, "s0": "we"}
    with db.engine().connect() as conn:
        for skip in ("", " AND persona NOT IN (:s0)"):
            statement = outbox._NEXT_DUE.format(skip=skip)
            plan = " | ".join(r[-1] for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, params).all())
            assert "ix_items_status_due" in plan, plan
            assert "TEMP B-TREE" not in plan and "SCAN items" not in plan, plan
