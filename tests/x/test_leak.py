"""Secrets live only in the keyring: a whole session leaves none anywhere else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.x.conftest import ACCOUNTS


@pytest.fixture
def remote_front(tmp_path: Path):
    """The front with its database outside PERSONA_HOME, where X's own servers would be."""
    from personas.sandbox.front import Front

    made = Front(tmp_path / "x-servers" / "x.db", ready_personas=[
        ("Jesse", False), ("JessesLinks", False), ("JesseStay", True)])
    with made.running():
        yield made


def test_a_full_session_leaves_no_secret_outside_the_keyring(remote_front, keyring, cli,
                                                             write_config, persona_home):
    from personas.credentials import Tokens

    config = str(write_config(ACCOUNTS.format(url=remote_front.url)))
    key, secret = remote_front.oauth.register_app()
    store = remote_front.store
    issued = {name: remote_front.oauth.access_token(key, store.account(handle).id)
              for name, handle in (("me", "Jesse"), ("you", "JessesLinks"),
                                   ("we", "JesseStay"))}
    secrets = [key, secret] + [s for t in issued.values() for s in (t.token, t.secret)]
    results = [cli("--config", config, "app", "set", "x", "--stdin",
                   stdin=json.dumps({"consumer_key": key, "consumer_secret": secret}))]
    for name, token in issued.items():
        results.append(cli("--config", config, "login", name, "--stdin", stdin=json.dumps(
            {"access_token": token.token, "access_token_secret": token.secret})))
    results += [
        cli("--config", config, "post", "Hello from persona"),
        cli("--config", config, "post", "--json", "Worth reading: https://example.org/essay"),
        cli("--config", config, "accounts", "--verify"),
        cli("--config", config, "accounts", "--json"),
        cli("--config", config, "queue", "--json"),
        cli("--config", config, "post", "--at", "in 2h", "Later, from the worker"),
        cli("--config", config, "worker", "--once", "--json"),
        cli("--config", config, "sync", "metrics"),
        cli("--config", config, "report", "--format", "json"),
        cli("--config", config, "report", "--format", "md", "--include-private"),
        cli("--config", config, "report", "--format", "html", "-o", str(persona_home / "r.html")),
        cli("--config", config, "report", "events", "--format", "csv", "--include-private"),
    ]
    remote_front.oauth.revoke(store.account("Jesse").id)  # the failure path speaks too
    results += [cli("--config", config, "post", "after the revoke"),
                cli("--config", config, "accounts", "--verify", "--json"),
                cli("--config", config, "logout", "we")]
    assert [r.code for r in results] == [0] * 16 + [1, 1, 0], [r.err for r in results]
    assert Tokens(issued["me"].token, issued["me"].secret).user_id  # real, X-shaped tokens
    captured = "".join(r.out + r.err for r in results)
    files = [p for p in persona_home.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".db") for p in files)  # the outbox and the activity log
    for value in secrets:
        assert value not in captured
        for path in files:
            assert value.encode() not in path.read_bytes(), path
