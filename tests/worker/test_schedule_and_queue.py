"""--at, the queue's cancel / retry / edit, and `persona worker --once`."""

from datetime import UTC, datetime, timedelta

from personas import db
from personas.models import OutboxItem


def backdate(item_id: int, **delta) -> None:
    """Move an item's schedule into the past, as if its time had come."""
    with db.session() as s:
        row = s.get(OutboxItem, item_id)
        row.scheduled_at = datetime.now(UTC) - timedelta(**delta)
        s.add(row)
        s.commit()


def test_scheduled_items_wait_for_their_time(cli):
    r = cli("post", "--at", "in 2h", "Later today", "--json")
    assert r.code == 0, r.err
    item = r.json()
    assert item["status"] == "queued" and item["remote_id"] is None
    scheduled = datetime.fromisoformat(item["scheduled_at"])
    assert timedelta(hours=1, minutes=59) < scheduled - datetime.now(UTC) <= timedelta(hours=2)
    human = cli("post", "--at", "tomorrow 9:00", "Good morning")
    assert "scheduled for" in human.out and "(in " in human.out
    assert cli("worker", "--once", "--json").json()["sent"] == 0
    assert cli("sandbox", "timeline", "me", "--json").json() == []
    backdate(item["id"], minutes=1)
    assert cli("worker", "--once", "--json").json()["sent"] == 1
    [post] = cli("sandbox", "timeline", "me", "--json").json()
    assert post["text"] == "Later today"


def test_a_past_time_is_refused_and_nothing_stored(cli):
    r = cli("post", "--at", "2020-01-01T00:00", "too late")
    assert r.code == 2 and "is in the past" in r.err
    assert cli("queue", "--status", "all", "--json").json() == []


def test_next_free_slot(cli, write_config):
    from personas.config import example_text

    write_config(example_text(sandbox=True).replace(
        'policy = "content-only"', 'policy = "content-only"\nslots = ["09:00", "17:30"]'))
    first = cli("post", "--at", "next", "one", "--json").json()
    second = cli("post", "--at", "next", "two", "--json").json()
    assert first["scheduled_at"] != second["scheduled_at"]
    assert cli("post", "--at", "next", "--as", "we", "three").code == 2  # we has no slots


def test_cancel_retry_edit(cli):
    item = cli("post", "--at", "in 1h", "draft", "--json").json()
    edited = cli("queue", "edit", str(item["id"]), "--text", "final words", "--json").json()
    assert edited["text"] == "final words" and edited["status"] == "queued"
    refused = cli("queue", "edit", str(item["id"]), "--text", "see https://other.example/x")
    assert refused.code == 2 and "links only to its own domains" in refused.err
    assert cli("queue", "--json").json()[0]["text"] == "final words"
    moved = cli("queue", "edit", str(item["id"]), "--at", "in 3h", "--json").json()
    assert moved["scheduled_at"] > edited["scheduled_at"]
    assert cli("queue", "cancel", str(item["id"]), "--json").json()["status"] == "cancelled"
    assert cli("queue", "--json").json() == []
    again = cli("queue", "cancel", str(item["id"]))
    assert again.code == 2
    assert "is cancelled: only queued, failed or held items can be cancelled" in again.err
    assert cli("queue", "retry", str(item["id"]), "--json").json()["status"] == "queued"
    assert cli("queue", "cancel", "999").code == 2
    assert cli("queue", "edit", str(item["id"])).code == 2


def test_retry_after_a_duplicate_is_refused_again_by_the_network(cli):
    cli("post", "same")
    failed = cli("post", "same", "--json").json()
    assert failed["status"] == "failed"
    cli("queue", "retry", str(failed["id"]))
    assert cli("worker", "--once", "--json").json() == {"sent": 0, "reconciled": 0,
                                                       "failed": 1, "retrying": 0}


def test_worker_sends_in_order_per_persona(cli):
    ids = [cli("post", "--at", "in 1h", f"note {i}", "--json").json()["id"] for i in range(5)]
    for n, item_id in enumerate(ids):
        backdate(item_id, minutes=10 - n)
    assert cli("worker", "--once", "--json").json()["sent"] == 5
    texts = [p["text"] for p in cli("sandbox", "timeline", "me", "--json").json()]
    assert texts == [f"note {i}" for i in reversed(range(5))]  # newest first


def test_rate_limited_persona_waits_others_go_on(cli, write_config):
    from personas.config import example_text

    write_config(example_text(sandbox=True).replace(
        'kind = "sandbox"', 'kind = "sandbox"\nrate_limits = { create_post = 1 }'))
    ids = [cli("post", "--at", "in 1h", text, "--json").json()["id"]
           for text in ("me one", "me two", "https://other.example.org/a you one")]
    for item_id in ids:
        backdate(item_id, minutes=1)
    tally = cli("worker", "--once", "--json")
    assert tally.json() == {"sent": 2, "reconciled": 0, "failed": 0, "retrying": 1}
    assert "me waits until" in tally.err
    [waiting] = cli("queue", "--json").json()
    assert waiting["text"] == "me two" and "rate limited" in waiting["last_error"]
    assert waiting["next_attempt_at"] is not None


def test_the_worker_runs_periodic_jobs_once_per_interval(cli, write_config):
    from personas.config import example_text

    write_config(example_text(sandbox=True).replace(
        'policy = "auto-follow"', 'policy = "auto-follow"\n[personas.you.jobs]\nmetrics = "6h"'))
    cli("post", "https://other.example.org/x worth it")
    first = cli("worker", "--once")
    assert first.code == 0 and "metrics for you: metrics of 1 posts" in first.err
    again = cli("worker", "--once")
    assert "metrics for you" not in again.err  # not due for 6 hours
    from sqlmodel import select

    from personas.job_tables import JobRun
    from personas.reports.tables import MetricSnapshot

    with db.session() as s:
        assert len(list(s.exec(select(MetricSnapshot)))) == 1
        run = s.exec(select(JobRun)).one()
        run.last_run_at -= timedelta(hours=7)  # time passes
        s.add(run)
        s.commit()
    assert "metrics for you" in cli("worker", "--once").err


def test_jobs_config_is_checked(cli, write_config):
    from personas.config import example_text

    base = example_text(sandbox=True)
    write_config(base.replace('policy = "auto-follow"',
                              'policy = "auto-follow"\n[personas.you.jobs]\ngardening = "1h"'))
    assert "personas.you.jobs.gardening: unknown key" in cli("route", "hi").err
    write_config(base.replace('policy = "auto-follow"',
                              'policy = "auto-follow"\n[personas.you.jobs]\nmetrics = "often"'))
    assert "personas.you.jobs.metrics: not an interval: 'often'" in cli("route", "hi").err


def test_the_worker_runs_follow_sweeps_as_a_job(cli, write_config):
    from personas.config import example_text

    write_config(example_text(sandbox=True).replace(
        'policy = "auto-follow"', 'policy = "auto-follow"\n[personas.you.jobs]\nfollow = "15m"'))
    assert cli("sandbox", "simulate", "follow", "you", "--count", "3").code == 0
    r = cli("worker", "--once")
    assert r.code == 0 and "follow for you: followed 3, skipped 0, complete" in r.err
    assert "follow for you" not in cli("worker", "--once").err  # not due for 15 minutes
