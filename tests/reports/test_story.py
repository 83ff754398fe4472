"""CSV and JSON reports of a scripted sandbox story, against the counts it was written with."""

from __future__ import annotations

import csv
import io

from tests.reports.conftest import SECRET_DM, SECRET_INTRO, SECRET_POST, SECRET_REPLY

PERSONA_KEYS = {"network", "visibility", "actions", "items", "refusals", "engagement",
                "top_posts", "follows", "community", "followers", "activity"}


def test_json_report_counts_the_story(backend, cli, story):
    r = cli("report", "--since", "1d", "--format", "json")
    assert r.code == 0, r.err
    data = r.json()
    assert set(data) >= {"since", "until", "personas"}
    me, you, we = (data["personas"][n] for n in ("me", "you", "we"))
    assert all(set(p) == PERSONA_KEYS for p in (me, you, we))
    assert me["items"] == {"original": 2}
    assert you["items"] == {"link": 1, "repost": 1, "quote": 1}
    assert we["items"] == {"original": 1, "reply": 1}
    assert me["refusals"] == {"links only to its own domains": 1}
    assert (me["engagement"]["posts"], me["engagement"]["likes"], me["engagement"]["replies"]) \
        == (2, 8, 1)
    assert me["engagement"]["impressions"] == 80
    assert me["engagement"]["per_post"]["likes"] == 4.0
    assert me["engagement"]["by_kind"]["original"]["likes"] == 8
    assert [t["remote_id"] for t in me["top_posts"]] == [story.ids["me1"], story.ids["me2"]]
    assert me["top_posts"][0]["text"] == "Morsel one"  # a public persona's words are public
    assert you["follows"] == {"made": 3, "followed_back": 2, "unfollowed": 1}
    assert we["community"] == {"requests": 4, "approved": 3, "denied": 1, "introductions": 2,
                               "members": 3}
    assert [f["followers"] for f in you["followers"]] == [4, 7]
    assert [f["followers"] for f in me["followers"]] == [2, 2]
    assert you["actions"]["dm_sent"] == 1 and we["actions"]["introduction_received"] == 2
    assert sum(a["events"] for a in we["activity"]) == 2 + 4 + 3 + 1 + 2


def test_csv_report_is_long_and_matches_the_json(cli, story):
    r = cli("report", "--since", "1d", "--format", "csv")
    assert r.code == 0, r.err
    rows = list(csv.reader(io.StringIO(r.out)))
    assert rows[0] == ["persona", "section", "key", "value"]
    values = {(p, s, k): v for p, s, k, v in rows[1:]}
    assert values[("me", "items", "original")] == "2"
    assert values[("you", "items", "quote")] == "1"
    assert values[("we", "community", "approved")] == "3"
    assert values[("you", "follows", "followed_back")] == "2"
    assert values[("me", "engagement", "likes")] == "8"
    assert values[("me", "engagement", "original.likes")] == "8"
    assert values[("me", "refusals", "links only to its own domains")] == "1"
    assert [v for (p, s, _), v in values.items() if (p, s) == ("you", "followers")] == ["4", "7"]
    assert ("", "period", "since") in values


def test_events_export_counts_every_action(backend, cli, story):
    r = cli("report", "events", "--format", "csv")
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert list(rows[0]) == ["id", "at", "persona", "action", "kind", "subject", "item_id",
                             "remote_id", "detail"]
    assert len(rows) == 7 + 3 + 1 + 1 + 4 + 3 + 1 + 2 + 1
    assert [int(x["id"]) for x in rows] == sorted(int(x["id"]) for x in rows)
    assert rows[0]["at"].endswith("Z") and "T" in rows[0]["at"]
    as_json = cli("report", "events", "--format", "json", "--persona", "we").json()
    assert {e["persona"] for e in as_json} == {"we"} and len(as_json) == 2 + 4 + 3 + 1 + 2
    intro = next(e for e in as_json if e["action"] == "introduction_received")
    assert intro["detail"] == {"words": 9}  # counts stay, words go


def test_private_words_stay_out_of_every_format(cli, story, tmp_path):
    secrets = (SECRET_POST, SECRET_REPLY, SECRET_INTRO, SECRET_DM)
    outputs = {}
    for fmt in ("table", "csv", "json", "md", "html"):
        out = tmp_path / f"report.{fmt}"
        assert cli("report", "--since", "1d", "-f", fmt, "-o", str(out)).code == 0
        outputs[fmt] = out.read_text()
    for fmt in ("csv", "json"):
        outputs[f"events.{fmt}"] = cli("report", "events", "-f", fmt).out
    outputs["terminal"] = cli("report", "--since", "1d").out
    for name, text in outputs.items():
        assert not [s for s in secrets if s in text], name
    assert "Morsel one" in outputs["html"]  # public words are shown
    opened = cli("report", "--since", "1d", "-f", "json", "--include-private").out
    assert SECRET_POST in opened
    events = cli("report", "events", "-f", "csv", "--include-private").out
    assert SECRET_INTRO in events and SECRET_DM in events


def test_persona_filter_and_unknown_persona(cli, story):
    data = cli("report", "-p", "we", "-p", "me", "--since", "1d", "--json").json()
    assert list(data["personas"]) == ["we", "me"]
    r = cli("report", "-p", "nobody")
    [line] = [x for x in r.err.splitlines() if "no accounts.toml" not in x]
    assert r.code == 2 and "no persona named 'nobody'" in line


def test_a_period_before_the_story_is_empty(cli, story):
    data = cli("report", "--since", "2020-01-01", "--until", "2020-01-31", "--json").json()
    assert data["since"] == "2020-01-01T00:00:00+00:00"
    assert data["until"] == "2020-02-01T00:00:00+00:00"
    assert all(not p["items"] and not p["followers"] for p in data["personas"].values())
    assert data["bucket"] == "day" and len(data["personas"]["me"]["activity"]) == 31


def test_sync_metrics_json(cli, story):
    data = cli("sync", "metrics", "--persona", "me", "--persona", "you", "--json").json()
    assert data == [{"persona": "me", "posts": 2, "followers": 2, "following": 0},
                    {"persona": "you", "posts": 3, "followers": 7, "following": 0}]
    r = cli("sync", "metrics", "--days", "0")
    assert r.code == 2 and "--days" in r.err

