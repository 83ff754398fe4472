"""A rehearsal on the sandbox, then accounts.toml switched to X (the loopback front): the
follow records, members and cursors made on the sandbox are not used for the X accounts;
each command says so in one line and names the reset, after which X starts afresh."""

from __future__ import annotations

from pathlib import Path

from personas import config as config_module

BUILTIN = (Path(config_module.__file__).parent / "accounts.sandbox.toml").read_text()


def test_rehearsal_state_is_not_carried_to_the_x_accounts(logged_in, cli, write_config):
    from personas import verified

    rehearsal = str(write_config(BUILTIN, "rehearsal.toml"))
    live = str(logged_in.config)
    store = logged_in.front.store

    def on(config: str, *args: str):  # type: ignore[no-untyped-def]
        return cli("--config", config, *args)

    assert on(rehearsal, "sandbox", "simulate", "follow", "you", "--count", "3").code == 0
    assert on(rehearsal, "follow", "sync", "you").code == 0
    assert on(rehearsal, "sandbox", "simulate", "request", "we", "--handle", "ana").code == 0
    assert on(rehearsal, "community", "sync").code == 0
    assert on(rehearsal, "community", "approve", "ana").code == 0
    fans = [store.add_account(f"xfan{i}", name="Fan", bio="birds", default_avatar=False,
                              created_at=0.0, posts=50, followers=40, following=30).handle
            for i in range(2)]
    for h in fans:
        store.follow(h, "JessesLinks")

    links_id = verified.account_id("you", "x", "JessesLinks")
    refused = on(live, "follow", "sync", "you")
    [line] = [x for x in refused.err.splitlines() if x.strip()]
    assert refused.code == 2 and (
        f"the follow state of persona 'you' (@you on sandbox, now @jesseslinks on x (account "
        f"{links_id}))" in line) and "`persona follow reset you`" in line
    community = on(live, "community", "sync")
    [line] = [x for x in community.err.splitlines() if x.strip()]
    assert community.code == 2 and "the community of persona 'we' (requests and members) (@we on" \
        " sandbox" \
        in line and "`persona community reset --persona we`" in line
    assert store.following("JessesLinks") == [] and store.following("JesseStay") == []

    assert on(live, "follow", "reset", "you").code == 0
    swept = on(live, "follow", "sync", "you", "--json")
    assert swept.code == 0 and swept.json()["followed"] == 2, swept.err
    assert sorted(store.following("JessesLinks")) == sorted(fans)
    assert on(live, "community", "reset").code == 0
    assert on(live, "community", "members", "--json").json() == []
    assert on(live, "community", "sync").code == 0
    # and the rehearsal, pointed at again, is refused the X accounts' state in turn
    back = on(rehearsal, "follow", "sync", "you")
    assert back.code == 2 and "(@jesseslinks on x" in back.err
