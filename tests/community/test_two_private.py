"""Two private personas on one network: a message or mention to one of them is a request
to that one only, and each one's sync reads the public personas' messages for itself."""

from __future__ import annotations

from tests.community.test_bad_input import TWO_PRIVATE


def _sync(cli, name: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    result = cli("community", "sync", "--persona", name, "--json")
    assert result.code == 0, result.err
    return result.json()


def test_a_message_to_one_private_persona_is_a_request_to_it_only(cli, write_config):
    write_config(TWO_PRIVATE)
    for args in (("dm", "club", "--handle", "zoe", "--text", "can I join please"),
                 ("mention", "club", "--handle", "yan", "--text", "let me join"),
                 ("dm", "we", "--handle", "xia", "--text", "can I join?"),
                 ("dm", "me", "--handle", "wes", "--text", "I'd like to join")):
        assert cli("sandbox", "simulate", *args).code == 0
    assert sorted(_sync(cli, "we")["new_requests"]) == ["wes", "xia"]
    # we's sync read club's inbox and the public inbox for we only: club still sees its own
    assert sorted(_sync(cli, "club")["new_requests"]) == ["wes", "yan", "zoe"]
    assert _sync(cli, "we")["new_requests"] == [] and _sync(cli, "club")["new_requests"] == []
    handles = {name: sorted(r["handle"] for r in cli("community", "requests", "--persona",
                                                     name, "--json").json())
               for name in ("we", "club")}
    assert handles == {"we": ["wes", "xia"], "club": ["wes", "yan", "zoe"]}
    # a later message to the public persona reaches both, each once
    cli("sandbox", "simulate", "dm", "me", "--handle", "vic", "--text", "join?")
    assert _sync(cli, "club")["new_requests"] == ["vic"]
    assert _sync(cli, "we")["new_requests"] == ["vic"]
