"""`refusals` in a report come from what `persona post` really refused: each refusal is a
`refused` event of each persona that turned the post down, with its reason (and never the
post's words); a dry run logs nothing."""

from __future__ import annotations

import json

from tests.storage.conftest import backend  # noqa: F401  (sqlite, and real PostgreSQL)


def test_a_refused_post_is_counted_in_the_report(backend, cli):  # noqa: F811
    words = "Worth reading: https://other.example.org/secret-plan"
    r = cli("post", "--as", "me", words)
    assert r.code == 2 and "refused" in r.err
    assert cli("post", "--as", "me", "--dry-run", words).code == 2  # logs nothing
    too_long = "word " * 80  # longer than every persona takes
    assert cli("post", too_long).code == 2
    data = cli("report", "--since", "1d", "--json").json()["personas"]
    long = f"too long: {len(too_long.strip())}/280 weighted characters"
    assert data["me"]["refusals"] == {"links only to its own domains (example.com)": 1,
                                      long: 1}
    assert data["me"]["actions"]["refused"] == 2
    assert data["we"]["refusals"] == {long: 1}
    assert data["you"]["refusals"] == {"takes link, repost, quote, not original": 1}
    events = cli("report", "events", "--format", "json").json()
    refused = [e for e in events if e["action"] == "refused"]
    assert len(refused) == 4 and {e["kind"] for e in refused} == {"link", "original"}
    assert not any("secret-plan" in json.dumps(e) for e in events)
