"""State kept under a persona's name (follow records, sweeps, a community's members, read
cursors) belongs to the account it was made for: when accounts.toml points the persona at
another account, commands refuse to carry it over, with one line naming the explicit way on
(`persona follow reset`, `persona community reset`), which clears it or, with --keep, hands it
to the account named now."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from personas import config as config_module
from personas import db
from personas.community_tables import CommunityMember
from personas.following_tables import FollowRecord
from tests.storage.conftest import backend  # noqa: F401  (the fixture)

BUILTIN = (Path(config_module.__file__).parent / "accounts.sandbox.toml").read_text()


def handles(text: str, **new: str) -> str:
    """The built-in config with some personas' handles changed."""
    for name, handle in new.items():
        text = text.replace(f'handle = "{name}"', f'handle = "{handle}"')
    return text


def records(persona: str) -> list[str]:
    with db.session() as s:
        return sorted(r.handle for r in s.exec(select(FollowRecord).where(
            FollowRecord.persona == persona)))


def members(persona: str = "we") -> list[str]:
    with db.session() as s:
        return sorted(m.handle for m in s.exec(select(CommunityMember).where(
            CommunityMember.persona == persona)))


def one_line(result) -> str:  # type: ignore[no-untyped-def]
    lines = [x for x in result.err.splitlines() if x.strip()]
    assert result.code == 2 and len(lines) == 1 and "Traceback" not in result.err, result.err
    return lines[0]


def sandbox_store():  # type: ignore[no-untyped-def]
    from personas.networks.sandbox import store_path
    from personas.sandbox.store import Store

    return Store(store_path("sandbox"))


def test_a_follow_sweep_refuses_another_accounts_records_until_reset(
        backend, cli, write_config):  # noqa: F811
    write_config(BUILTIN)
    assert cli("sandbox", "simulate", "follow", "you", "--count", "4").code == 0
    first = cli("follow", "sync", "you", "--json")
    assert first.code == 0 and first.json()["followed"] == 4, first.err
    followed = records("you")
    store = sandbox_store()
    store.ensure_account("you2")
    for h in followed[:2]:
        store.follow(h, "you2")  # two of them follow the new account too
    store.close()

    write_config(handles(BUILTIN, you="you2"))  # `you` is another account now
    for args in (("follow", "sync", "you"), ("follow", "sync", "you", "--dry-run")):
        line = one_line(cli(*args))
        assert "the follow state of persona 'you' (@you on sandbox, now @you2 on sandbox)" in line
        assert "`persona follow reset you`" in line and "nothing was done" in line
    assert records("you") == followed  # nothing carried over, nothing changed

    reset = cli("follow", "reset", "you")
    assert reset.code == 0 and reset.out.splitlines() == [
        "you: follow state of @you on sandbox cleared; it starts afresh for @you2 on sandbox"]
    assert records("you") == []
    again = cli("follow", "reset", "you", "--json")
    assert again.code == 0 and again.json() == {"reset": []}  # nothing left to reset
    swept = cli("follow", "sync", "you", "--json")
    assert swept.code == 0 and swept.json()["followed"] == 2, swept.err
    assert records("you") == followed[:2]
    store = sandbox_store()
    assert sorted(store.following("you2")) == followed[:2]
    store.close()


def test_keep_hands_the_state_to_the_account_named_now(backend, cli, write_config):  # noqa: F811
    write_config(BUILTIN)
    cli("sandbox", "simulate", "follow", "you", "--count", "3")
    assert cli("follow", "sync", "you").code == 0
    followed = records("you")
    write_config(handles(BUILTIN, you="you_renamed"))
    assert one_line(cli("follow", "sync", "you"))
    kept = cli("follow", "reset", "you", "--keep")
    assert kept.code == 0 and "kept for @you_renamed on sandbox" in kept.out
    assert records("you") == followed
    assert cli("follow", "sync", "you", "--json").json()["complete"] is True


def test_a_community_refuses_another_accounts_members_until_reset(
        backend, cli, write_config):  # noqa: F811
    write_config(BUILTIN)
    cli("sandbox", "simulate", "request", "we", "--handle", "ana")
    assert cli("community", "sync").code == 0
    assert cli("community", "approve", "ana").code == 0
    assert members() == ["ana"]

    write_config(handles(BUILTIN, we="we_real"))
    for args in (("sync",), ("members",), ("remind",), ("approve", "ana")):
        line = one_line(cli("community", *args))
        assert ("the community of persona 'we' (requests and members) (@we on sandbox, now "
                "@we_real on sandbox)") in line, line
        assert "`persona community reset --persona we`" in line
        assert "the follow state of persona 'we' (@we on sandbox" in line  # approval followed ana
        assert "persona follow reset" not in line  # the community's reset takes it all
    # the members sweep reads the same members: it names both resets
    line = one_line(cli("follow", "sync", "we"))
    assert "`persona follow reset we` and `persona community reset --persona we`" in line
    assert members() == ["ana"]

    reset = cli("community", "reset", "--json")
    assert reset.code == 0, reset.err
    assert sorted(r["area"] for r in reset.json()["reset"]) == ["community", "follow",
                                                                "reads:we"]
    assert members() == [] and records("we") == []
    assert cli("community", "members", "--json").json() == []
    assert cli("community", "sync").code == 0


def test_a_public_personas_new_account_resets_only_the_cursors(backend, cli,  # noqa: F811
                                                              write_config):
    write_config(BUILTIN)
    cli("sandbox", "simulate", "request", "we", "--handle", "ana")
    cli("sandbox", "simulate", "dm", "me", "--handle", "bob", "--text", "may I join?")
    assert cli("community", "sync").code == 0
    assert cli("community", "approve", "ana").code == 0

    write_config(handles(BUILTIN, me="me_new"))
    line = one_line(cli("community", "sync"))
    assert ("the cursors of persona 'we' in the messages and mentions of persona 'me' (@me on"
            " sandbox, now @me_new on sandbox)") in line
    assert "`persona community reset --persona we`" in line
    reset = cli("community", "reset", "--persona", "we")
    assert reset.code == 0 and reset.out.splitlines() == [
        "me: read cursors kept by persona 'we' of @me on sandbox cleared; it starts afresh for "
        "@me_new on sandbox"]
    assert members() == ["ana"]  # the community itself is still the same account's
    sent = cli("sandbox", "simulate", "dm", "me", "--handle", "cy", "--text", "join please")
    assert sent.code == 0 and "@me_new" in sent.out, sent.err
    synced = cli("community", "sync", "--json")
    assert synced.code == 0 and synced.json()["new_requests"] == ["cy"], synced.err


def test_state_from_before_is_the_current_accounts_and_empty_state_is_claimed_quietly(
        backend, cli, write_config):  # noqa: F811
    from personas.following import add_member
    from personas.following_tables import StateAccount

    write_config(BUILTIN)
    add_member("we", "old_friend")  # made before accounts were recorded: no owner row
    assert cli("follow", "sync", "we", "--json").code == 0
    with db.session() as s:
        owner = s.get(StateAccount, ("we", "community"))
    assert (owner.network, owner.handle, owner.account_id) == ("sandbox", "we", None)
    # a persona whose state is empty changes account without a word
    write_config(handles(BUILTIN, me="me_elsewhere"))
    assert cli("follow", "sync", "you", "--json").code == 0  # you: no state, no owner yet
    write_config(handles(BUILTIN, you="you_elsewhere"))
    assert cli("follow", "sync", "you", "--json").code == 0  # its state was empty


def test_the_verified_account_id_decides_when_there_is_one(backend):  # noqa: F811
    import pytest

    from personas import state_accounts as owner
    from personas import verified
    from personas.following_tables import FollowRecord
    from router.policy import PRESETS, Persona

    def persona(handle: str) -> Persona:
        return Persona(name="you", network="x", network_kind="x", handle=handle,
                       traits=PRESETS["auto-follow"])

    verified.record("you", "x", "Links", "111")
    owner.check([(persona("Links"), owner.FOLLOW)])
    with db.session() as s:
        s.add(FollowRecord(persona="you", handle="ana", state="following"))
        s.commit()
    verified.record("you", "x", "NewName", "111")  # renamed on X: the same account
    owner.check([(persona("NewName"), owner.FOLLOW)])
    verified.record("you", "x", "NewName", "222")  # the handle is another account's now
    with pytest.raises(owner.AccountChanged) as e:
        owner.check([(persona("NewName"), owner.FOLLOW)])
    assert "(@newname on x (account 111), now @newname on x (account 222))" in e.value.message


def test_the_worker_says_why_a_follow_job_waits_and_keeps_going(cli, write_config):
    from datetime import timedelta

    from personas.job_tables import JobRun

    jobs = '\n[personas.you.jobs]\nfollow = "15m"\n'
    write_config(BUILTIN + jobs)
    cli("sandbox", "simulate", "follow", "you", "--count", "2")
    assert "follow for you: followed 2" in cli("worker", "--once").err
    write_config(handles(BUILTIN, you="you2") + jobs)
    with db.session() as s:  # the next run is due
        run = s.get(JobRun, ("you", "follow"))
        run.last_run_at -= timedelta(minutes=20)
        s.add(run)
        s.commit()
    r = cli("worker", "--once")
    assert r.code == 0 and "Traceback" not in r.err
    assert "follow for you failed: state made for another account is not carried over" \
        in r.err and "`persona follow reset you`" in r.err
