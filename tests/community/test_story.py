"""The whole story on the built-in sandbox, through the real CLI: people ask to join in
every way there is, some introduce themselves, a spammy one scores low; approve the real
ones; members are followed and welcomed once; reminders; sync twice changes nothing."""

from __future__ import annotations

from tests.community.conftest import age_members, sent_by


def _people_ask(cli) -> None:  # type: ignore[no-untyped-def]
    steps = [
        ("sandbox", "simulate", "request", "we", "--handle", "ana",
         "--intro", "Hi, I'm Ana, a photographer in Lisbon"),
        ("sandbox", "simulate", "request", "we", "--handle", "ben"),
        ("sandbox", "simulate", "request", "we", "--handle", "deals99", "--spammy"),
        ("sandbox", "simulate", "dm", "you", "--handle", "cara",
         "--text", "hey, can I join the community?"),
        ("sandbox", "simulate", "mention", "me", "--handle", "dan",
         "--text", "I'd love to join, I'm a nurse from Utah and I read you daily"),
        # ana asks again elsewhere: still one request
        ("sandbox", "simulate", "mention", "you", "--handle", "ana",
         "--text", "please let me join"),
        # someone who only chats: not a request
        ("sandbox", "simulate", "dm", "me", "--handle", "fay", "--text", "nice post!"),
    ]
    for args in steps:
        r = cli(*args)
        assert r.code == 0, (args, r.err)


def test_the_community_story_on_the_sandbox(cli, sandbox):
    _people_ask(cli)
    r = cli("community", "add", "gus", "--intro", "Gus, a gardener in Berlin")
    assert r.code == 2 and "no sandbox account @gus" in r.err  # unknown people are refused
    cli("sandbox", "simulate", "dm", "me", "--handle", "gus", "--text", "hello")  # gus exists now
    r = cli("community", "add", "@Gus", "--intro", "Gus, a gardener in Berlin")
    assert r.code == 0, r.err

    first = cli("community", "sync", "--json")
    assert first.code == 0, first.err
    assert sorted(first.json()["new_requests"]) == ["ana", "ben", "cara", "dan", "deals99"]
    second = cli("community", "sync", "--json")
    assert second.json() == {"persona": "we", "new_requests": [], "sources_added": 0,
                             "introductions": [], "confirmed": [], "accepted": [],
                             "notices": []}

    requests = {r["handle"]: r for r in cli("community", "requests", "--json").json()}
    assert set(requests) == {"ana", "ben", "cara", "dan", "deals99", "gus"}
    assert requests["ana"]["source"] == "follow_request"
    assert requests["ana"]["sources"] == ["follow_request", "mention:you"]
    assert requests["cara"]["source"] == "dm:you"
    assert requests["dan"]["source"] == "mention:me"
    assert requests["gus"]["source"] == "manual"
    assert requests["ana"]["introduction"] == "Hi, I'm Ana, a photographer in Lisbon"
    assert requests["dan"]["introduction"].startswith("I'd love to join")
    assert requests["ben"]["introduction"] is None and requests["cara"]["introduction"] is None
    assert requests["ana"]["signals"]["introduced"] is True
    spam = requests["deals99"]
    assert spam["score"] < 0.5 and "no introduction" in spam["reasons"]
    assert spam["signals"]["default_avatar"] is True and spam["signals"]["empty_bio"] is True
    assert all(requests[h]["score"] >= 0.5 for h in ("ana", "ben", "cara", "dan", "gus"))
    assert {r["status"] for r in requests.values()} == {"pending"}
    assert set(requests["ana"]) >= {"handle", "source", "status", "score", "signals",
                                    "introduction"}

    table = cli("community", "requests")
    assert table.code == 0 and "deals99" in table.out and "low" in table.out

    approved = cli("community", "approve", "--all-real", "--yes", "--json")
    assert approved.code == 0, approved.err
    assert sorted(r["handle"] for r in approved.json()) == ["ana", "ben", "cara", "dan", "gus"]
    assert {r["result"] for r in approved.json()} == {"approved"}

    store = sandbox()
    for h in ("ana", "ben", "cara", "dan", "gus"):
        assert store.follow_state("we", h) == "active"  # followed by the community
        assert len(sent_by(store, "we", h)) == 1
    for h in ("ana", "ben"):
        assert store.follow_state(h, "we") == "active"  # their follow request accepted
    # cara asked by message; once approved, her follow request is let in by the next sync
    assert store.follow_state("cara", "we") is None
    cli("sandbox", "simulate", "request", "we", "--handle", "cara")
    assert cli("community", "sync", "--json").json()["accepted"] == ["cara"]
    assert store.follow_state("cara", "we") == "active"
    assert "introduce yourself" in sent_by(store, "we", "ben")[0]
    assert "Thanks for introducing yourself" in sent_by(store, "we", "ana")[0]
    assert store.follow_state("deals99", "we") == "pending"
    assert store.follow_state("we", "deals99") is None

    again = cli("community", "approve", "ana", "ben", "--json")
    assert [r["result"] for r in again.json()] == ["already", "already"]
    assert cli("community", "approve", "--all-real", "--yes").code == 0
    assert all(len(sent_by(store, "we", h)) == 1 for h in ("ana", "ben", "cara", "dan", "gus"))

    denied = cli("community", "deny", "deals99", "--block", "--reason", "spam")
    assert denied.code == 0, denied.err
    assert store.follow_state("deals99", "we") is None and store.blocked("we", "deals99")
    assert cli("community", "deny", "deals99", "--json").json() == [
        {"handle": "deals99", "result": "already"}]
    assert cli("community", "approve", "deals99").code == 2  # denied stays denied

    members = cli("community", "members", "--json").json()
    assert sorted(m["handle"] for m in members) == ["ana", "ben", "cara", "dan", "gus"]
    assert {m["handle"]: m["introduced"] for m in members} == {
        "ana": True, "ben": False, "cara": False, "dan": True, "gus": True}
    assert set(members[0]) >= {"handle", "approved_at", "introduced", "introduction"}

    # ben introduces himself after approval: his first message to the community
    cli("sandbox", "simulate", "dm", "we", "--handle", "ben", "--text", "I'm Ben, I teach")
    cli("sandbox", "simulate", "dm", "we", "--handle", "ben", "--text", "second message")
    synced = cli("community", "sync", "--json").json()
    assert synced["introductions"] == ["ben"]
    no_intro = cli("community", "members", "--no-intro", "--json").json()
    assert [m["handle"] for m in no_intro] == ["cara"]
    ben = [m for m in cli("community", "members", "--json").json() if m["handle"] == "ben"]
    assert ben[0]["introduction"] == "I'm Ben, I teach"

    # reminders: not before remind_every (7 days), then once per interval
    assert cli("community", "remind", "--json").json()["reminded"] == []
    age_members("we", 8)
    assert cli("community", "remind", "--json").json()["reminded"] == ["cara"]
    assert cli("community", "remind", "--json").json()["reminded"] == []
    assert len(sent_by(store, "we", "cara")) == 2
    age_members("we", 8, column="reminded_at")
    assert cli("community", "remind", "--json").json()["reminded"] == ["cara"]
    assert len(sent_by(store, "we", "cara")) == 3
    assert len(sent_by(store, "we", "ben")) == 1  # introduced: never reminded
    # two reminders (max_reminders' default) and no more, and the output says so
    age_members("we", 30, column="reminded_at")
    done = cli("community", "remind", "--json").json()
    assert done == {"persona": "we", "reminded": [], "no_more_reminders": ["cara"]}
    assert len(sent_by(store, "we", "cara")) == 3
    assert cli("community", "remind").out.splitlines() == [
        "we: reminded 0", "we: no more reminders for 1 (@cara): max_reminders = 2 reached"]
    listed = {m["handle"]: m for m in cli("community", "members", "--json").json()}
    assert listed["cara"]["more_reminders"] is False and listed["cara"]["reminders"] == 2
    assert listed["ben"]["more_reminders"] is False  # introduced: nothing to remind
    assert "2 (no more)" in cli("community", "members", "--no-intro").out

    # the follow-back sweep's "members" mode sees them, and follows nobody twice
    from personas.following import members as member_handles

    assert sorted(member_handles("we")) == ["ana", "ben", "cara", "dan", "gus"]
    sweep = cli("follow", "sync", "we", "--json")
    assert sweep.code == 0, sweep.err
    assert sweep.json()["followed"] == 0

    # replies happen in we: to a member quietly, to anyone else with a warning
    photo = store.publish("ana", kind="original", text="My first photo here", target=None,
                          idempotency_key=None)
    to_ana = cli("reply", str(photo.id), "Lovely light", "--json")
    assert to_ana.code == 0, to_ana.err
    assert (to_ana.json()["persona"], to_ana.json()["warnings"]) == ("we", [])
    cli("sandbox", "simulate", "mention", "me", "--handle", "fay", "--text", "hello again")
    fays = store.timeline("fay")[0]
    to_fay = cli("reply", str(fays.id), "Hi Fay", "--json")
    assert to_fay.code == 0 and to_fay.json()["persona"] == "we"
    assert "@fay is not a member of we" in to_fay.json()["warnings"][0]

    # the best of me and you is carried in, once
    best = cli("post", "Something worth keeping", "--json").json()["remote_id"]
    cli("sandbox", "simulate", "like", best, "--count", "12")
    planned = cli("community", "import", "--dry-run", "--json").json()
    assert [(c["post_id"], c["status"]) for c in planned] == [(best, "planned")]
    assert cli("community", "import").code == 0
    assert cli("community", "import", "--json").json() == []
    assert [p.repost_of for p in store.timeline("we") if p.kind == "repost"] == [int(best)]


def test_events_are_logged_and_their_words_stay_private(cli):
    _people_ask(cli)
    cli("community", "sync")
    cli("community", "approve", "ana", "ben")
    cli("community", "deny", "deals99", "--reason", "looks like spam")
    public = cli("report", "events", "--format", "json")
    assert public.code == 0, public.err
    assert "photographer in Lisbon" not in public.out  # introductions are private
    assert "introduce yourself" not in public.out  # so are the messages sent
    assert "looks like spam" not in public.out
    private = cli("report", "events", "--format", "json", "--include-private")
    assert "photographer in Lisbon" in private.out and "introduce yourself" in private.out
    from sqlmodel import select

    from personas import db
    from personas.models import Event

    with db.session() as s:
        actions = [(e.action, e.subject) for e in s.exec(select(Event).where(
            Event.persona == "we").order_by(Event.id))]
    assert ("request_received", "ana") in actions and ("approved", "ana") in actions
    assert ("denied", "deals99") in actions and ("dm_sent", "ben") in actions
    assert ("introduction_received", "ana") in actions
    assert actions.count(("dm_sent", "ana")) == 1


def test_own_personas_never_count_as_requesters(cli, sandbox):
    cli("sandbox", "simulate", "dm", "you", "--handle", "ana", "--text", "hello")  # the store
    store = sandbox()
    for name in ("me", "you"):
        store.ensure_account(name)
    store.ensure_account("we", private=True)
    store.send_message("me", "you", "can I join?")  # one of our personas asks, by message
    store.send_message("you", "we", "please let me join the community")
    store.publish("me", kind="original", text="@you I'd like to join", target=None,
                  idempotency_key=None)
    store.publish("you", kind="original", text="@we join", target=None, idempotency_key=None)
    synced = cli("community", "sync", "--json")
    assert synced.code == 0, synced.err
    assert synced.json()["new_requests"] == []
    assert cli("community", "requests", "--status", "all", "--json").json() == []
