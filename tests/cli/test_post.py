"""persona post / reply / repost / route, end to end on the built-in sandbox."""

from __future__ import annotations

import pytest

NOTICE = "no accounts.toml found: using the built-in me / you / we personas"


def timeline(cli, persona: str) -> list[dict]:
    result = cli("sandbox", "timeline", persona, "--json")
    assert result.code == 0, result.err
    return result.json()


def test_post_with_no_config_goes_to_me_and_says_why(cli):
    r = cli("post", "Hello from persona")
    assert r.code == 0, r.err
    assert r.out.startswith("original -> me: https://sandbox.invalid/me/status/")
    assert "why: takes original; also taken by we, me comes first in config order" in r.out
    assert r.err.count("\n") == 1 and NOTICE in r.err and "persona init" in r.err
    [post] = timeline(cli, "me")
    assert post["text"] == "Hello from persona" and post["kind"] == "original"


def test_post_json_shape(cli):
    r = cli("post", "Worth reading: https://other.example.org/essay", "--json")
    assert r.code == 0, r.err
    data = r.json()
    assert set(data) == {"id", "persona", "network", "kind", "status", "remote_id", "url",
                         "warnings"}
    assert data["warnings"] == []
    assert (data["persona"], data["network"], data["kind"], data["status"]) == (
        "you", "sandbox", "link", "sent")
    assert data["url"] == f"https://sandbox.invalid/you/status/{data['remote_id']}"


def test_route_explains_every_persona_and_posts_nothing(cli):
    r = cli("route", "--json", "see https://other.example/x")
    assert r.code == 0
    data = r.json()
    assert data["kind"] == "link" and data["persona"] == "you"
    assert set(data["reasons"]) == {"me", "you", "we"}
    assert data["reasons"]["me"].startswith("links only to its own domains (example.com)")
    assert cli("queue", "--status", "all", "--json").json() == []
    human = cli("route", "Just thinking out loud")
    assert human.out.splitlines()[0] == "original -> me"
    assert " * me: takes original" in human.out


def test_route_exits_2_when_refused(cli):
    r = cli("route", "--as", "me", "see https://other.example/x")
    assert r.code == 2 and "refused by every persona" in r.out


def test_forced_persona_policy_still_applies(cli):
    r = cli("post", "--as", "me", "see https://other.example/x")
    assert r.code == 2
    assert "refused, nothing posted: me: links only to its own domains" in r.err
    assert "Traceback" not in r.err
    assert cli("queue", "--status", "all", "--json").json() == []
    assert timeline(cli, "me") == []


def test_as_picks_a_persona_whose_policy_takes_it(cli):
    r = cli("post", "--as", "we", "Welcome, everyone", "--json")
    assert r.code == 0 and r.json()["persona"] == "we"


def test_own_domain_link_goes_to_me(cli):
    r = cli("post", "New essay https://example.com/2026/essay", "--json")
    assert r.json()["persona"] == "me" and r.json()["kind"] == "link"


def test_reply_goes_to_we(cli):
    sent = cli("post", "Morning thought", "--json").json()
    r = cli("reply", sent["url"], "Replying to myself", "--json")
    assert r.code == 0, r.err
    assert r.json()["persona"] == "we" and r.json()["kind"] == "reply"
    [post] = timeline(cli, "we")
    assert post["in_reply_to"] == sent["remote_id"]
    via_post = cli("post", "--reply-to", sent["remote_id"], "another reply", "--json")
    assert via_post.json()["persona"] == "we"


def test_repost_goes_to_you(cli):
    made = cli("sandbox", "simulate", "mention", "you", "--handle", "ana", "--text", "hi",
               "--json").json()
    r = cli("repost", made["id"], "--json")
    assert r.code == 0, r.err
    assert r.json()["persona"] == "you" and r.json()["kind"] == "repost"
    [post] = timeline(cli, "you")
    assert post["repost_of"] == made["id"] and post["kind"] == "repost"


def test_quote_of_a_public_post_goes_to_you(cli):
    made = cli("sandbox", "simulate", "mention", "you", "--handle", "ana", "--text", "hi",
               "--json").json()
    r = cli("post", f"So true https://sandbox.invalid/ana/status/{made['id']}", "--json")
    assert r.json()["kind"] == "quote" and r.json()["persona"] == "you"
    assert timeline(cli, "you")[0]["quote_of"] == made["id"]


def test_private_posts_are_never_carried_to_public_personas(cli):
    private = cli("post", "--as", "we", "Members only", "--json").json()
    quote = cli("route", "--json", f"Look at this {private['url']}")
    assert quote.json()["persona"] == "we"
    assert quote.json()["reasons"]["you"] == "public persona; the item carries private content"
    assert cli("repost", private["remote_id"], "--as", "you").code == 2
    assert cli("repost", private["remote_id"], "--json").json()["persona"] == "we"


def test_dry_run_stores_nothing(cli):
    r = cli("post", "--dry-run", "Just checking", "--json")
    assert r.code == 0 and r.json()["status"] == "dry-run" and r.json()["persona"] == "me"
    assert cli("queue", "--status", "all", "--json").json() == []


def test_text_from_stdin(cli):
    r = cli("post", "-", "--json", stdin="from a pipe\n")
    assert r.code == 0 and timeline(cli, "me")[0]["text"] == "from a pipe"


def test_network_failure_keeps_the_item_queued_and_exits_1(cli, write_config):
    from personas.config import example_text

    write_config(example_text(sandbox=True).replace(
        'kind = "sandbox"', 'kind = "sandbox"\nrate_limits = { create_post = 1 }'))
    assert cli("post", "first").code == 0
    r = cli("post", "second", "--json")
    assert r.code == 1
    assert r.json()["status"] == "queued" and r.json()["remote_id"] is None
    assert "rate limited" in r.err and "kept in the outbox (queued)" in r.err
    [queued] = cli("queue", "--json").json()
    assert queued["text"] == "second" and queued["status"] == "queued"
    assert "rate limited" in queued["last_error"]


def test_duplicate_text_fails_with_exit_1_and_is_kept(cli):
    assert cli("post", "same").code == 0
    r = cli("post", "same")
    assert r.code == 1 and "duplicate" in r.err
    assert [i["status"] for i in cli("queue", "--json").json()] == ["failed"]


def test_queue_lists_sent_items_on_request(cli):
    cli("post", "one")
    assert cli("queue", "--json").json() == []
    [item] = cli("queue", "--status", "sent", "--json").json()
    assert {"id", "persona", "kind", "text", "status", "scheduled_at", "attempts",
            "last_error", "remote_id"} <= set(item)
    assert cli("queue").out.strip() == "the outbox is empty"
    assert cli("queue", "--status", "bogus").code == 2


@pytest.mark.parametrize("form", [
    "https://sandbox.invalid/we/status/{id}",
    "look HTTPS://sandbox.invalid/we/status/{id}",
    "look https://SANDBOX.INVALID/we/status/{id}",
    "look https://sandbox.invalid/we/status/{id}/photo/1",
    "look https://sandbox.invalid/i/web/status/{id}",
    "look https://sandbox.invalid/we/status/{id}?s=20",
    "compare https://sandbox.invalid/you/status/{public} with https://sandbox.invalid/we/status/{id}",
])
def test_every_spelling_of_a_private_post_stays_private(cli, form):
    private = cli("post", "--as", "we", "Members only", "--json").json()["remote_id"]
    public = cli("post", "https://other.example.org/a public link", "--json").json()["remote_id"]
    text = form.format(id=private, public=public)
    decision = cli("route", "--json", text).json()
    assert decision["persona"] == "we", decision
    assert cli("post", "--as", "you", text).code == 2


def test_a_public_quote_of_a_private_post_is_private_too(cli):
    from personas.sandbox.store import Store

    private = cli("post", "--as", "we", "Members only", "--json").json()["remote_id"]
    store = Store(cli_home() / "sandbox.db")
    store.ensure_account("ana")
    store.follow("ana", "we")
    with store.write() as conn:  # ana is let in, and quotes it publicly
        conn.execute("UPDATE follows SET state = 'active'")
    quote = store.publish("ana", kind="quote", text="look", target=int(private),
                          idempotency_key=None)
    assert cli("route", "--json", f"wow https://sandbox.invalid/ana/status/{quote.id}"
               ).json()["persona"] == "we"
    assert cli("repost", str(quote.id), "--json").json()["persona"] == "we"


def test_a_post_url_must_name_the_posts_author(cli):
    made = cli("post", "https://other.example.org/x shared", "--json").json()["remote_id"]
    r = cli("route", f"look https://sandbox.invalid/me/status/{made}")
    assert r.code == 2 and f"post {made} is by @you, not @me; check the URL" in r.err


def cli_home():
    import os
    from pathlib import Path

    return Path(os.environ["PERSONA_HOME"])


def test_no_spelling_of_private_posts_routes_public(cli):
    """Invariant 1 through the real route: random texts around random spellings of links
    to private and public posts, with and without --as."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    private = cli("post", "--as", "we", "Members only", "--json").json()["remote_id"]
    public = cli("post", "https://other.example.org/a public", "--json").json()["remote_id"]
    spellings = st.sampled_from([
        "https://sandbox.invalid/{h}/status/{i}", "HTTP://Sandbox.Invalid/{h}/status/{i}/",
        "https://sandbox.invalid/{h}/statuses/{i}#x", "https://sandbox.invalid/i/web/status/{i}",
    ])
    link = st.tuples(spellings, st.sampled_from([(private, "we"), (public, "you")])).map(
        lambda t: t[0].format(h=t[1][1], i=t[1][0]))
    words = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=40)

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.one_of(words, link), min_size=1, max_size=4),
           st.sampled_from([None, "me", "you", "we"]))
    def check(parts, forced):
        text = " ".join(parts)
        args = ["route", "--json", text] + (["--as", forced] if forced else [])
        r = cli(*args)
        assert r.code in (0, 2) and "Traceback" not in r.err
        if r.code == 0 and private in text:
            assert r.json()["persona"] == "we", text

    check()
