"""A private post's address, in any spelling, never goes out through a public persona;
a post link whose author cannot be checked is refused for public personas (fail closed);
and no text, however hostile, crashes routing. End to end on the built-in sandbox."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli.test_bad_input import one_line
from tests.router.test_urls import hostile_texts, private_post_spelling

PRIVATE = "1000000001"  # the sandbox's first post: `we`'s, below

# The spellings that went out before, and more of the kind.
SPELLINGS = [
    "https://sandbox.invalid:443/we/status/{id}",
    "https://sandbox.invalid./we/status/{id}",
    "https://a@sandbox.invalid/we/status/{id}",
    "https://sandbox.invalid/%77e/status/{id}",
    "https://sandbox.invalid/w%65/status/{id}",
    "https://sandbox.invalid//we/status/{id}",
    "https://m.sandbox.invalid/we/status/{id}",
    "https://mobile.sandbox.invalid/we/status/{id}",
    "https://sandbox.invalid/we/status/{id}%3F",
    "https://sandbox.invalid/we/status/{id}\u200b",
    "https://sandbox.invalid/we/status/0{id}",
    "https://sandbox.invalid/we/status/000{id}/photo/1",
    "https://sandbox.invalid/#!/we/status/{id}",
    "https://sandbox.invalid/x/../we/status/{id}",
    "https://sandbox.invalid/we%2Fstatus%2F{id}",
    "https://sandbox%2Einvalid/we/status/{id}",
    "https://ｓａｎｄｂｏｘ.invalid/we/status/{id}",
    "https:\\\\sandbox.invalid\\we\\status\\{id}",
    "sandbox.invalid/we/status/{id}",
    "https://other.example/r?u=https%3A%2F%2Fsandbox.invalid%2Fwe%2Fstatus%2F{id}",
    # nested in another address of the network itself: its query, fragment or path
    "https://sandbox.invalid/intent/tweet?url=https://sandbox.invalid/we/status/{id}",
    "https://sandbox.invalid/intent/tweet?url=https%3A%2F%2Fsandbox.invalid%2Fwe%2Fstatus%2F{id}",
    "https://sandbox.invalid/intent/tweet?url=https%253A%252F%252Fsandbox.invalid%252Fwe"
    "%252Fstatus%252F{id}",
    "https://sandbox.invalid/you/status/{public}?ref=https://sandbox.invalid/we/status/{id}",
    "https://sandbox.invalid/you/status/{public}#https://sandbox.invalid/we/status/{id}",
    "https://sandbox.invalid/you/status/{public}/https://sandbox.invalid/we/status/{id}",
    "https://other.example/a?b=https://sandbox.invalid/you/status/{public}"
    "?ref=sandbox.invalid/we/status/{id}",
    # the API's and the intents' spellings, on the sandbox's X-like paths
    "https://api.sandbox.invalid/2/tweets?ids={id}",
    "https://api.sandbox.invalid/2/tweets?ids={public},{id}",
    "https://api.sandbox.invalid/1.1/statuses/show/{id}.json",
    "https://api.sandbox.invalid/1.1/statuses/show.json?id={id}",
    "https://sandbox.invalid/intent/retweet?tweet_id={id}",
    "https://sandbox.invalid/intent/like?tweet_id={id}",
    # a tab or line break inside the address: a browser's URL parser drops it
    "https://sandbox.invalid/we/sta\ttus/{id}",
    "https://sandbox.inv\nalid/we/status/{id}",
    "https://sandbox\t.invalid/we/\n\tstatus/{id}",
]


def sandbox_posts(home, handle: str) -> int:
    with sqlite3.connect(home / "sandbox.db") as conn:
        return conn.execute("SELECT count(*) FROM posts p JOIN accounts a ON a.id = p.author_id"
                            " WHERE a.handle = ?", (handle,)).fetchone()[0]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_no_spelling_of_a_private_post_goes_out_as_you(cli, persona_home, spelling):
    assert cli("post", "--as", "we", "secret plan", "--json").json()["remote_id"] == PRIVATE
    public = PRIVATE
    if "{public}" in spelling:
        public = cli("post", "--as", "you", "shared https://other.example/x",
                     "--json").json()["remote_id"]
    before = sandbox_posts(persona_home, "you")
    text = "see " + spelling.format(id=PRIVATE, public=public)
    r = cli("post", "--as", "you", text)
    assert r.code == 2, r.out
    assert "you: public persona; the item carries private content" in one_line(r.err)
    assert sandbox_posts(persona_home, "you") == before
    assert cli("route", "--json", text).json()["persona"] == "we"


@pytest.mark.parametrize("text", [
    "a list:\nhttps://sandbox.invalid/you/status/{public}\n1. first point",
    "so true https://sandbox.invalid/you/status/{public}\n\t2026 was good",
])
def test_a_line_break_after_a_public_post_link_is_no_refusal(cli, persona_home, text):
    """An address read across a line break counts only when it names a private post:
    ordinary lines after a link (an id + "1." makes no post) route as before."""
    public = cli("post", "--as", "you", "shared https://other.example/x",
                 "--json").json()["remote_id"]
    r = cli("post", "--as", "you", "--json", text.format(public=public))
    assert r.code == 0, (r.code, r.out, r.err)


def test_composed_spellings_through_the_real_route(cli, persona_home, capsys):
    """The router's composed spellings (tests/router/test_urls.py), through posting's real
    look-ups in the sandbox: whatever the spelling, only `we` may take the item."""
    from personas import posting
    from personas.context import Context
    from personas.errors import BadInput

    assert cli("post", "--as", "we", "secret plan", "--json").json()["remote_id"] == PRIVATE
    public = cli("post", "https://other.example/x shared", "--json").json()["remote_id"]
    ctx = Context()
    seen = {"examples": 0, "leaks": 0, "refused": 0}

    @settings(max_examples=2_000, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.integers(0, 2**32 - 1),
           st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=8),
           st.sampled_from([None, "me", "you"]), st.booleans())
    def run(seed, words, forced, with_public):
        text = private_post_spelling(("sandbox", "sandbox.invalid", "we", PRIVATE), seed, words)
        if with_public:
            text = f"https://sandbox.invalid/you/status/{public} and {text}"
        seen["examples"] += 1
        try:
            decision = posting.route(ctx, text, as_=forced).decision
        except BadInput:  # refused before any persona is asked: nothing goes out
            seen["refused"] += 1
            return
        if decision.persona not in (None, "we"):
            seen["leaks"] += 1
        assert decision.persona in (None, "we"), (text, decision.summary())

    run()
    with capsys.disabled():
        print(f"\nprivate links through the route: {seen['examples']} examples, "
              f"{seen['leaks']} leaks ({seen['refused']} refused as bad input)")
    assert seen["examples"] >= 2_000 and seen["leaks"] == 0


# --- fail closed ----------------------------------------------------------------------------


def test_a_post_on_a_network_no_persona_is_on_is_refused_for_public_personas(cli):
    text = "Great thread https://x.com/jack/status/20"
    decision = cli("route", "--json", text).json()
    assert decision["persona"] == "we"
    why = "public persona; cannot check whose post 20 on X is (no persona is on X)"
    assert decision["reasons"]["you"].startswith(why)
    r = cli("post", "--as", "you", text)
    assert r.code == 2 and why in one_line(r.err)


def test_a_post_link_naming_no_clear_post_is_refused_for_public_personas(cli):
    cli("post", "--as", "we", "secret plan")
    r = cli("post", "--as", "you", f"see https://sandbox.invalid/we/status/{PRIVATE}abc")
    assert r.code == 2
    assert "looks like a link to a post on the sandbox, but which post cannot be told" in \
        one_line(r.err)


@pytest.mark.parametrize("post_id", ["1999999999", "99999999999999999999999", "9" * 400])
def test_a_post_nobody_can_see_is_refused_with_one_line(cli, persona_home, post_id):
    r = cli("post", f"look https://sandbox.invalid/we/status/{post_id}")
    assert r.code == 2
    assert f"no post {post_id} on the sandbox network" in one_line(r.err)


def test_a_public_post_in_an_odd_spelling_is_still_a_quote_for_you(cli):
    public = cli("post", "https://other.example/x shared", "--json").json()["remote_id"]
    r = cli("post", "--json", f"so true https://SANDBOX.invalid.:443/you/status/0{public}")
    assert r.code == 0 and r.json()["kind"] == "quote" and r.json()["persona"] == "you"


# --- hostile text routes or is refused cleanly ----------------------------------------------


@pytest.mark.parametrize("text", [
    "see https://a]b", "http://[::1", "see https://[::1]:80/x", "https://[fe80::1%25eth0]/",
    "[x.com]", "https://x.com]/jack/status/20", "http://[sandbox.invalid]/we/status/1",
    "https://ex[ample.com/a", "https://example.com:99999999999999999999/", "http://:@/",
    "https://xn--/", "https://xn--zz.example/", "https://\u00ad.example/", "https://.../",
])
def test_a_text_with_odd_urls_routes(cli, text):
    r = cli("route", "--json", text)
    assert r.code == 0, r.err
    assert r.json()["persona"] in ("me", "you", "we")


def test_brackets_in_a_url_post(cli, persona_home):
    r = cli("post", "--json", "see https://a]b")
    assert r.code == 0, r.err
    assert r.json()["persona"] == "you"


def test_any_text_routes_or_is_refused_cleanly(cli, persona_home, capsys):
    cli("post", "--as", "we", "secret plan")
    tried = {"n": 0}

    @settings(max_examples=300, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(hostile_texts, st.sampled_from([[], ["--as", "you"], ["--as", "me"]]))
    def run(text, forced):
        tried["n"] += 1
        r = cli("route", "--json", text, *forced)
        assert r.code in (0, 2), r.err
        assert "Traceback" not in r.err and "unexpected error" not in r.err, r.err
        if r.code == 2 and not r.out:
            one_line(r.err)

    run()
    with capsys.disabled():
        print(f"\nhostile texts through `persona route`: {tried['n']}")


def test_a_text_pointing_at_too_many_posts_is_refused(cli):
    made = [cli("post", f"post number {i} https://other.example/{i}", "--json").json()
            for i in range(21)]
    text = " ".join(f"sandbox.invalid/you/status/{m['remote_id']}" for m in made)
    r = cli("route", text)
    assert r.code == 2 and "points at 21 posts; at most 20" in one_line(r.err)
