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
