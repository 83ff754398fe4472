"""A reply goes to the private persona; when the person replied to is not a member, it
still goes, with a warning that they cannot see it."""

from __future__ import annotations

import pytest


@pytest.fixture
def alice_post(cli) -> str:
    result = cli("sandbox", "simulate", "mention", "me", "--handle", "alice", "--text", "hi")
    assert result.code == 0, result.err
    from personas.config import data_dir
    from personas.sandbox.store import Store

    return str(Store(data_dir() / "sandbox.db").timeline("alice")[0].id)


def test_a_reply_to_a_non_member_warns_in_route_and_post(cli, alice_post):
    routed = cli("route", "--json", "--reply-to", alice_post, "thanks!")
    assert routed.code == 0, routed.err
    data = routed.json()
    assert data["persona"] == "we"
    [warning] = data["warnings"]
    assert "@alice is not a member of we" in warning and "cannot see this reply" in warning

    plain = cli("reply", alice_post, "thanks!")
    assert plain.code == 0  # the reply still goes
    assert "persona: warning: @alice is not a member of we" in plain.err

    posted = cli("reply", alice_post, "thanks again", "--json")
    assert posted.json()["status"] == "sent" and len(posted.json()["warnings"]) == 1


def test_no_warning_for_a_member_or_one_of_our_own(cli, alice_post):
    from personas.following import add_member

    add_member("we", "Alice")
    assert cli("route", "--json", "--reply-to", alice_post, "welcome").json()["warnings"] == []

    ours = cli("post", "--as", "we", "Good morning, members", "--json").json()["remote_id"]
    assert cli("route", "--json", "--reply-to", ours, "and a thread").json()["warnings"] == []
    mine = cli("post", "A thought", "--json").json()["remote_id"]
    assert cli("route", "--json", "--reply-to", mine, "more").json()["warnings"] == []


def test_no_warning_when_the_reply_is_refused(cli, alice_post):
    refused = cli("route", "--json", "--as", "me", "--reply-to", alice_post, "hi")
    assert refused.code == 2
    assert refused.json()["warnings"] == []
