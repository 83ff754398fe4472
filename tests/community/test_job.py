"""The worker's "community" job: a sync (and due reminders) once per interval."""

from __future__ import annotations

from tests.community.conftest import sent_by


def test_the_worker_syncs_the_community(cli, write_config, sandbox):
    from personas.config import example_text

    write_config(example_text(sandbox=True).replace(
        'import_from = ["me", "you"]',
        'import_from = ["me", "you"]\n[personas.we.jobs]\ncommunity = "30m"'))
    cli("sandbox", "simulate", "request", "we", "--handle", "ana", "--intro",
        "Hi, I'm Ana, a photographer in Lisbon")
    cli("sandbox", "simulate", "dm", "you", "--handle", "cara", "--text", "can I join?")
    first = cli("worker", "--once")
    assert first.code == 0, first.err
    assert "community for we: 2 new requests, 1 introductions, 0 confirmed, 0 reminded" \
        in first.err
    assert sorted(r["handle"] for r in cli("community", "requests", "--json").json()) == [
        "ana", "cara"]
    again = cli("worker", "--once")
    assert "community for we" not in again.err  # not due for 30 minutes
    assert sent_by(sandbox(), "we", "ana") == []  # the job never approves anybody


def test_the_job_on_a_public_persona_is_refused_at_load(cli, write_config):
    from personas.config import example_text

    write_config(example_text(sandbox=True).replace(
        'policy = "auto-follow"', 'policy = "auto-follow"\n[personas.you.jobs]\ncommunity = "1h"'))
    result = cli("worker", "--once")
    assert result.code == 2
    assert "personas.you.jobs.community: a public persona has no community to sync" \
        in result.err


UNREADABLE = """
[networks.sandbox]
kind = "sandbox"
rate_limits = { incoming = 1, dm_read = 1, mentions = 1 }  # one call a window

[personas.me]
network = "sandbox"
handle = "me"
policy = "content-only"

[personas.we]
network = "sandbox"
handle = "we"
policy = "private-community"

[personas.we.jobs]
community = "30m"
"""


def test_a_sync_that_could_not_read_a_source_fails(cli, write_config):
    write_config(UNREADABLE)
    assert cli("community", "sync").code == 0  # spends each source's one call
    result = cli("community", "sync", "--json")
    assert result.code == 1, result.err
    assert "pending follow requests not read" in result.err
    assert "messages not read" in result.err and "mentions not read" in result.err
    assert result.err.rstrip().splitlines()[-1].startswith("persona: we: 5 source(s) not read")
    assert len(result.json()["notices"]) == 5  # the data still reaches stdout
    assert cli("community", "sync").code == 1

    worked = cli("worker", "--once")
    assert "community for we failed: we: 5 source(s) not read" in worked.err
    from sqlmodel import select

    from personas import db
    from personas.job_tables import JobRun

    with db.session() as s:
        [run] = s.exec(select(JobRun).where(JobRun.job == "community")).all()
    assert run.last_result.startswith("failed: we: 5 source(s) not read")
