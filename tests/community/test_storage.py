"""Requests, decisions, members and reminders on SQLite and PostgreSQL, through the
service with a simulated clock; what a crash between two steps of an approval leaves."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from personas import config
from personas.clock import SimulatedClock
from personas.context import Context
from tests.community.conftest import sent_by

DAY = 86_400.0


@pytest.fixture
def world(backend):  # type: ignore[no-untyped-def]
    from personas.community import community
    from personas.sandbox.simulate import Simulator

    clock = SimulatedClock()
    ctx = Context(clock=clock)
    c = community(ctx)
    store = c.net.store
    store.ensure_account("we", private=True)
    for name in ("me", "you"):
        store.ensure_account(name)
    return c, Simulator(store), store, clock, ctx


def test_one_request_per_person_and_the_whole_cycle(world):
    from personas.community import community

    c, sim, store, clock, ctx = world
    sim.request("we", "ana", "Hi, I'm Ana, a photographer in Lisbon")
    sim.dm("you", "ana", "I'd like to join please")
    sim.mention("me", "ana", "join!")
    sim.request("we", "bob")
    first = c.sync()
    assert sorted(first.new_requests) == ["ana", "bob"] and first.introductions == ["ana"]
    assert not c.sync().changed()
    [ana] = [r for r in c.requests(["pending"]) if r.request.handle == "ana"]
    assert sorted(ana.to_json()["sources"]) == ["dm:you", "follow_request", "mention:me"]

    assert c.approve("ana") == "approved" and c.approve("bob") == "approved"
    assert c.approve("ana") == "already"
    assert len(sent_by(store, "we", "ana")) == 1
    assert [m.handle for m in c.members()] == ["ana", "bob"]
    assert [m.handle for m in c.members(without_intro=True)] == ["bob"]

    assert c.remind() == []
    clock.advance(7 * DAY)
    assert c.remind() == ["bob"]
    assert c.remind() == []
    clock.advance(6 * DAY)
    assert c.remind() == []
    clock.advance(1 * DAY)
    # two runs at the same moment (each with its own connections) remind once between them
    results: list[list[str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            mine = community(Context(clock=clock))
            start.wait(10)
            results.append(mine.remind())
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sorted(sum(results, [])) == ["bob"]
    assert len(sent_by(store, "we", "bob")) == 3  # welcome + two reminders
    [bob] = c.members(without_intro=True)
    assert bob.reminders == 2

    sim.request("we", "spam1", spammy=True)
    c.sync()
    assert c.deny("spam1", block=True, reason="spam") == "denied"
    assert c.deny("spam1") == "already"
    assert [r.request.handle for r in c.requests(["denied"])] == ["spam1"]
    assert c.add("spam1")[0] == "reopened"
    assert [r.request.status for r in c.requests(["pending"])] == ["pending"]


def test_a_crash_after_the_welcome_went_out_does_not_send_it_twice(world):
    c, sim, store, clock, ctx = world
    sim.request("we", "ana")
    c.sync()
    real_send = c.net.send_message

    def send_then_die(persona, handle, text):  # type: ignore[no-untyped-def]
        real_send(persona, handle, text)  # the network has it...
        raise SystemExit("killed")  # ...and the process dies before recording it

    c.net.send_message = send_then_die
    with pytest.raises(SystemExit):
        c.approve("ana")
    c.net.send_message = real_send
    assert c.request("ana").status == "pending" and c.request("ana").followed_at is not None
    assert c.approve("ana") == "approved"
    assert len(sent_by(store, "we", "ana")) == 1
    assert c.approve("ana") == "already"
    assert len(sent_by(store, "we", "ana")) == 1


def test_a_crash_before_the_welcome_follows_once_and_welcomes_once(world):
    from sqlmodel import select

    from personas import db
    from personas.models import Event

    c, sim, store, clock, ctx = world
    sim.request("we", "ana")
    c.sync()
    real_send = c.net.send_message

    def die(persona, handle, text):  # type: ignore[no-untyped-def]
        raise SystemExit("killed before sending")

    c.net.send_message = die
    with pytest.raises(SystemExit):
        c.approve("ana")
    assert sent_by(store, "we", "ana") == []
    c.net.send_message = real_send
    assert c.approve("ana") == "approved"
    assert len(sent_by(store, "we", "ana")) == 1
    with db.session() as s:
        followed = s.exec(select(Event).where(Event.action == "followed",
                                              Event.subject == "ana")).all()
    assert len(followed) == 1


def test_a_failed_reminder_is_tried_again(world):
    from personas.errors import Transient

    c, sim, store, clock, ctx = world
    sim.request("we", "bob")
    c.sync()
    c.approve("bob")
    clock.advance(8 * DAY)
    real_send = c.net.send_message

    def fail(persona, handle, text):  # type: ignore[no-untyped-def]
        raise Transient("the network is down")

    c.net.send_message = fail
    with pytest.raises(Transient):
        c.remind()
    c.net.send_message = real_send
    assert c.remind() == ["bob"]
    assert c.members()[0].reminders == 1


def test_members_from_before_the_upgrade_keep_their_rows(backend):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    from personas import db
    from personas.community import community

    old = create_engine(db.database_url())
    cfg = Config()
    cfg.set_main_option("script_location", "personas:migrations")
    with old.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
        conn.execute(text("INSERT INTO community_members (persona, handle, approved_at)"
                          " VALUES ('we', 'old_friend', '2026-01-01 09:00:00')"))
    old.dispose()
    clock = SimulatedClock()
    c = community(Context(clock=clock))
    [member] = c.members()
    assert (member.handle, member.reminders, member.introduction) == ("old_friend", 0, None)
    assert member.approved_at.year == 2026
    assert clock.now() - member.approved_at.timestamp() > timedelta(days=7).total_seconds()


def test_a_profile_that_could_not_be_read_never_counts_as_real(world):
    from personas.errors import RateLimited

    c, sim, store, clock, ctx = world
    sim._new_person(True, "deals7")  # a spammy account
    sim.dm("you", "deals7", "join join join")
    real_profile = c.net.profile

    def down(persona, handle):  # type: ignore[no-untyped-def]
        raise RateLimited("X's rate limit for users lookup; it resets in 15 minutes")

    c.net.profile = down
    report = c.sync()
    assert report.new_requests == ["deals7"]
    assert any("@deals7" in n and "profile not read" in n for n in report.notices)
    [row] = c.requests(["pending"])
    assert row.score == 0.0 and row.to_json()["profile_read"] is False
    assert "profile not read" in row.reasons[0] and "next sync" in row.reasons[0]
    c.settings = replace(c.settings, min_realness=0.0)
    assert c.real_pending() == []  # not even at a threshold of 0
    # the next sync reads it again: now the spammy profile scores on its own signals
    c.net.profile = real_profile
    again = c.sync()
    assert not any("@deals7" in n for n in again.notices)
    [row] = c.requests(["pending"])
    assert row.to_json()["profile_read"] is True
    assert row.signals["default_avatar"] is True and row.score < 0.5
    assert not c.sync().notices


@pytest.mark.parametrize("meanwhile", ["template edited", "introduced", "text rewritten"])
def test_a_welcome_that_went_out_is_found_even_when_its_text_changed(world, meanwhile):
    c, sim, store, clock, ctx = world
    sim.request("we", "ana")
    sim.request("we", "ben")
    c.sync()
    real_send = c.net.send_message

    def send_then_die(persona, handle, text):  # type: ignore[no-untyped-def]
        if meanwhile == "text rewritten":  # as X rewrites links to t.co
            text = text.replace("Welcome", "Welcome!")
        real_send(persona, handle, text)
        raise SystemExit("killed")

    c.net.send_message = send_then_die
    with pytest.raises(SystemExit):
        c.approve("ana")
    c.net.send_message = real_send
    clock.advance(60)
    if meanwhile == "template edited":
        c.settings = replace(c.settings, welcome="Hi {name}, welcome in!")
    elif meanwhile == "introduced":
        sim.dm("we", "ana", "Hi, I'm Ana, a photographer in Lisbon, here for the photos")
        assert c.sync().introductions == ["ana"]
    assert c.approve("ana") == "approved"
    assert len(sent_by(store, "we", "ana")) == 1
    # an earlier message to someone else, or from before the welcome started, is no welcome
    store.send_message("we", "ben", "hello ben, an old chat")
    clock.advance(3600)
    assert c.approve("ben") == "approved"
    assert len(sent_by(store, "we", "ben")) == 2


def test_the_first_sync_reads_only_the_lookback_window(world):
    c, sim, store, clock, ctx = world
    sim.dm("you", "old_dm", "can I join?")  # years-old asks, before the first sync
    sim.mention("me", "old_mention", "let me join")
    sim.dm("we", "old_we", "join please")
    clock.advance(8 * DAY)
    sim.dm("you", "new_dm", "can I join?")
    sim.mention("me", "new_mention", "join!")
    assert sorted(c.sync().new_requests) == ["new_dm", "new_mention"]
    assert c.sync().new_requests == []
    # from then on every message since the last one read counts, however old it is
    sim.dm("me", "later", "join")
    clock.advance(30 * DAY)
    assert c.sync().new_requests == ["later"]


def test_a_longer_lookback_reads_further_back(world):
    c, sim, store, clock, ctx = world
    sim.dm("you", "old_dm", "can I join?")
    clock.advance(8 * DAY)
    c.settings = replace(c.settings, lookback=timedelta(days=30))
    assert c.sync().new_requests == ["old_dm"]


def test_a_long_display_name_is_cut_in_the_welcome(world):
    import json

    from personas.community_tables import JoinRequest

    c, sim, store, clock, ctx = world
    req = JoinRequest(persona="we", handle="ana", shown="ana",
                      profile=json.dumps({"name": "A" * 5000}))
    text = c.render("Hi {name} ({handle}), welcome to @{persona}", req)
    assert text == f"Hi {'A' * 50} (ana), welcome to @we"


def test_requests_are_listed_by_when_they_first_asked(world):
    c, sim, store, clock, ctx = world
    sim.dm("you", "ana", "can I join?")
    clock.advance(DAY)
    sim.dm("you", "ben", "can I join?")
    clock.advance(3600)
    sim.request("we", "ana")  # read first, but ana asked a day before ben
    c.sync()
    rows = c.requests(["pending"])
    assert [r.request.handle for r in rows] == ["ana", "ben"]
    assert rows[0].request.requested_at.timestamp() == clock.now() - DAY - 3600


def test_a_members_first_mention_is_their_introduction_without_the_mention(world):
    c, sim, store, clock, ctx = world
    sim.request("we", "ana")
    c.sync()
    c.approve("ana")
    clock.advance(60)
    sim.mention("we", "ana", "Hello everyone, I'm Ana and I take photos")
    assert c.sync().introductions == ["ana"]
    assert c.members()[0].introduction == "Hello everyone, I'm Ana and I take photos"
    assert c.request("ana").introduction == "Hello everyone, I'm Ana and I take photos"


def test_a_profile_the_network_no_longer_finds_is_a_notice_not_a_failure(world):
    from personas.errors import NotFound

    c, sim, store, clock, ctx = world
    sim.dm("you", "gone", "can I join?")

    def gone(persona, handle):  # type: ignore[no-untyped-def]
        raise NotFound("no sandbox account @gone; check the handle")

    c.net.profile = gone
    report = c.sync()
    assert report.new_requests == ["gone"] and report.failure() is None
    assert any("persona community deny gone" in n for n in report.notices)
    assert c.real_pending() == []


@pytest.mark.parametrize("most", [None, 0, 1, 3])
def test_reminders_stop_after_max_reminders_over_simulated_weeks(backend, write_config, most):
    """A member who never introduces themself gets `max_reminders` reminders (2 unless
    set), one per `remind_every`, and none after however long the worker keeps running;
    `done_reminding` names them once the last one is sent."""
    from personas.community import community
    from personas.sandbox.simulate import Simulator

    text = (Path(config.__file__).parent / "accounts.sandbox.toml").read_text()
    if most is not None:
        text += f"\n[personas.we.community]\nmax_reminders = {most}\n"
    clock = SimulatedClock()
    c = community(Context(write_config(text), clock=clock))
    store = c.net.store
    store.ensure_account("we", private=True)
    sim = Simulator(store)
    for handle in ("bob", "cy"):
        sim.request("we", handle)
    sim.request("we", "ana", "Hi, I'm Ana, a photographer in Lisbon and I like birds")
    c.sync()
    for handle in ("ana", "bob", "cy"):
        c.approve(handle)
    expected = 2 if most is None else most
    when: dict[str, list[int]] = {"bob": [], "cy": []}
    for day in range(1, 7 * 20 + 1):  # twenty weeks, a run a day
        clock.advance(DAY)
        for handle in c.remind():
            when[handle].append(day)
        if day == 7 * expected:
            assert sorted(m.handle for m in c.done_reminding()) == ["bob", "cy"]
    assert when == {h: [7 * (i + 1) for i in range(expected)] for h in ("bob", "cy")}
    for handle in ("bob", "cy"):
        assert len(sent_by(store, "we", handle)) == 1 + expected  # welcome + reminders
    assert len(sent_by(store, "we", "ana")) == 1  # introduced: never reminded
    assert {m.handle: m.reminders for m in c.members()} == {"ana": 0, "bob": expected,
                                                           "cy": expected}
    assert sorted(m.handle for m in c.done_reminding()) == ["bob", "cy"]
