"""Carrying the best posts of me and you into we, on the sandbox, through the CLI."""

from __future__ import annotations

import json

import pytest

from personas.config import example_text

SETUP = example_text(sandbox=True)  # the built-in me / you / we, with we importing both


@pytest.fixture
def home(write_config, cli):
    """The me / you / we setup, with posts of me and you and likes on some."""
    write_config(SETUP)

    def post(text: str, likes: int = 0, as_: str | None = None) -> str:
        args = ["post", text, "--json"] + (["--as", as_] if as_ else [])
        result = cli(*args)
        assert result.code == 0, result.err
        post_id = result.json()["remote_id"]
        if likes:
            assert cli("sandbox", "simulate", "like", post_id, "--count", str(likes)).code == 0
        return post_id

    return post


def store():
    from personas.config import data_dir
    from personas.sandbox.store import Store

    return Store(data_dir() / "sandbox.db")


def we_posts():
    from personas.errors import NotFound

    try:
        return store().timeline("we")
    except NotFound:  # we has not posted yet
        return []


def test_the_best_posts_are_carried_in_once_as_reposts(backend, home, cli):
    liked = home("A thought of my own", likes=12)
    home("A quiet thought", likes=2)
    link = home("Worth reading: https://example.org/essay", likes=1)
    assert store().post(int(link)).author == "you"
    shared = home("Also worth it: https://example.org/other")
    reposts = store()
    reposts.like(int(shared), 1)
    with reposts.write() as db:  # three people reposted it
        db.execute("UPDATE posts SET reposts = 3 WHERE id = ?", (int(shared),))

    planned = cli("community", "import", "--dry-run", "--json")
    assert planned.code == 0, planned.err
    assert [(c["post_id"], c["source"], c["why"], c["status"]) for c in planned.json()] == [
        (liked, "me", "12 likes >= 10", "planned"),
        (shared, "you", "3 reposts >= 3", "planned")]
    assert we_posts() == []  # a dry run carries nothing

    done = cli("community", "import")
    assert done.code == 0, done.err
    assert f"carried post {liked} of me as a repost (12 likes >= 10)" in done.out
    carried = we_posts()
    assert sorted(p.repost_of for p in carried) == sorted([int(liked), int(shared)])
    assert all(p.kind == "repost" for p in carried)

    again = cli("community", "import", "--json")
    assert again.code == 0 and again.json() == []
    assert len(we_posts()) == 2  # each post is carried once

    events = cli("report", "events", "--format", "json", "--persona", "we")
    assert events.code == 0, events.err
    actions = [e["action"] for e in json.loads(events.out)]
    assert actions.count("imported") == 2


def test_replies_and_reposts_are_never_carried(home, cli):
    s = store()
    s.ensure_account("ana")
    theirs = s.publish("ana", kind="original", text="hi", target=None, idempotency_key=None)
    s.like(theirs.id, 50)
    repost = cli("repost", str(theirs.id), "--json")
    assert repost.code == 0 and repost.json()["persona"] == "you"
    reply = cli("reply", str(theirs.id), "thanks", "--as", "we", "--json")
    assert reply.code == 0, reply.err
    planned = cli("community", "import", "--dry-run", "--json")
    assert planned.json() == []  # ana's 50 likes show on you's repost, but it is not you's


def test_a_starred_post_is_carried_whatever_its_likes(backend, home, cli):
    quiet = home("Small but dear")
    starred = cli("star", quiet)
    assert starred.code == 0, starred.err
    assert f"starred {quiet} of me" in starred.out
    assert "already starred" in cli("star", f"https://sandbox.invalid/me/status/{quiet}").out
    listed = cli("star", "--json").json()
    assert [(s["persona"], s["post_id"]) for s in listed] == [("me", quiet)]
    planned = cli("community", "import", "--dry-run", "--json").json()
    assert [(c["post_id"], c["why"]) for c in planned] == [(quiet, "starred")]

    assert cli("star", "--remove", quiet).out.strip() == f"unstarred {quiet}"
    assert cli("community", "import", "--dry-run", "--json").json() == []


@pytest.mark.parametrize("case", ["someone else's", "a reply", "unknown", "not a post"])
def test_star_refuses_what_cannot_be_carried(home, cli, case):
    s = store()
    s.ensure_account("ana")
    theirs = s.publish("ana", kind="original", text="hi", target=None, idempotency_key=None)
    ref = {"someone else's": str(theirs.id), "unknown": "999999",
           "not a post": "https://example.org/x"}.get(case)
    if case == "a reply":
        reply = cli("reply", str(theirs.id), "thanks", "--as", "we", "--json")
        assert reply.code == 0
        ref = reply.json()["remote_id"]
    result = cli("star", ref)
    assert result.code == 2
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert cli("star", "--json").json() == []


def test_carried_as_quotes_with_words_of_its_own(write_config, cli):
    write_config(SETUP + '\n[personas.we.import]\ncarry_as = "quote"\nmin_likes = 5\n'
                 'quote = "From @{handle}, for members:"\n')
    first = cli("post", "Something I wrote", "--json").json()["remote_id"]
    cli("sandbox", "simulate", "like", first, "--count", "5")
    done = cli("community", "import", "--json")
    assert done.code == 0, done.err
    [quote] = we_posts()
    assert quote.kind == "quote" and quote.quote_of == int(first)
    assert quote.text.startswith("From @me, for members: ")
    assert quote.text != "Something I wrote"  # never an identical copy


def test_carry_keys_are_the_same_on_every_run_and_fit_the_outbox():
    from personas.carry import carry_key

    assert carry_key("we", "1000000001") == "carry:we:1000000001"
    longest = carry_key("a" * 32, "9" * 40)  # no persona name or post id makes it longer
    assert len(longest) <= 64 and longest == carry_key("a" * 32, "9" * 40)
    assert longest != carry_key("a" * 32, "9" * 39)


@pytest.mark.parametrize("dest", ["we", "the_private_community_of_readers"])
def test_a_carry_interrupted_before_its_item_is_stored_is_finished_once(backend, write_config,
                                                                       cli, dest):
    """A crash after the carry was recorded and before (or after) its item was stored: the
    next run carries the post exactly once."""
    from personas import carry
    from personas.context import Context

    write_config(SETUP.replace("[personas.we]", f"[personas.{dest}]"))
    first = cli("post", "First", "--json").json()["remote_id"]
    second = cli("post", "Second", "--json").json()["remote_id"]
    for post_id in (first, second):
        cli("sandbox", "simulate", "like", post_id, "--count", "20")
    ctx = Context()
    [a, b] = carry.run(ctx, dest, dry_run=True)
    carry._remember(dest, a, carry.carry_key(dest, first))  # crashed before storing the item
    # ... and this one crashed after storing it, before the carry knew its item id
    carry._remember(dest, b, carry.carry_key(dest, second))
    from personas import outbox, posting

    assert len(carry.carry_key(dest, second)) <= 64
    routed = posting.route(ctx, "", as_=dest, repost_of=second)
    outbox.enqueue(routed.item, routed.decision, ctx.persona(dest),
                   key=carry.carry_key(dest, second))

    done = cli("community", "import", "--json")
    assert done.code == 0, done.err
    assert {c["post_id"]: c["status"] for c in done.json()} == {first: "carried",
                                                               second: "waiting"}
    assert cli("worker", "--once").code == 0
    assert sorted(p.repost_of for p in we_posts()) == [int(first), int(second)]
    assert cli("community", "import", "--json").json() == []


def test_only_a_private_persona_carries_in(home, cli):
    result = cli("community", "import", "--persona", "you")
    assert result.code == 2
    assert "public" in result.err and result.err.count("\n") == 1


@pytest.mark.parametrize(("extra", "expected"), [
    ("[personas.we.import]\nmin_likes = -1\n", "personas.we.import.min_likes: out of range"),
    ("[personas.we.import]\ncarry_as = \"copy\"\n",
     "personas.we.import.carry_as: unknown value 'copy'; use one of: repost, quote"),
    ("[personas.we.import]\nminlikes = 3\n", "personas.we.import.minlikes: unknown key"),
    ("[personas.we.import]\nquote = \"From {who}\"\n", "personas.we.import.quote: bad placeholder"),
    ("[personas.we.import]\nquote = \" \"\n", "personas.we.import.quote: is empty"),
    ("[personas.you.import]\nmin_likes = 3\n",
     "personas.you.import: a public persona carries nothing in"),
    ("[personas.we.import]\nquote = \"{handle.__class__}\"\n",
     "personas.we.import.quote: bad placeholder {handle.__class__}"),
    ("[personas.we.import]\nquote = \"{handle!r}\"\n", "personas.we.import.quote: bad placeholder"),
    ("[personas.we.import]\nquote = \"{handle:>9999}\"\n",
     "personas.we.import.quote: bad placeholder"),
    ("[personas.we.import]\nquote = \"" + "x" * 201 + "\"\n",
     "personas.we.import.quote: is 201 characters"),
    ("[personas.you.jobs]\nimport = \"1d\"\n",
     "personas.you.jobs.import: only a private persona with import_from carries posts in"),
])
def test_bad_import_settings_are_refused_with_the_line(write_config, cli, extra, expected):
    write_config(SETUP + "\n" + extra)
    result = cli("community", "import", "--dry-run")
    assert result.code == 2
    assert expected in result.err, result.err
    assert "accounts.toml:" in result.err and result.err.count("\n") == 1


def test_importing_across_networks_is_refused(write_config, cli):
    text = SETUP.replace('[personas.me]\nnetwork = "sandbox"',
                         '[networks.other]\nkind = "sandbox"\n\n[personas.me]\nnetwork = "other"')
    write_config(text)
    result = cli("community", "import", "--dry-run")
    assert result.code == 2
    assert "personas.we.import_from: persona 'me' is on network 'other'" in result.err


def test_the_worker_carries_posts_in_as_a_job(write_config, cli):
    write_config(SETUP + '\n[personas.we.jobs]\nimport = "1d"\n')
    best = cli("post", "Keep this one", "--json").json()["remote_id"]
    cli("sandbox", "simulate", "like", best, "--count", "10")
    assert cli("worker", "--once").code == 0
    assert [p.repost_of for p in we_posts()] == [int(best)]
    assert cli("worker", "--once").code == 0  # once a day: the second run does nothing
    assert len(we_posts()) == 1
