"""Credentials in the real Secret Service: app keys, login (PIN flow and token import),
the wrong-account refusal, logout, accounts --verify, and a machine without a keyring."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import requests

from tests.conftest import ROOT, persona_env
from tests.x.conftest import keyring_items


def _tokens_json(tokens) -> str:  # type: ignore[no-untyped-def]
    return json.dumps({"access_token": tokens.access_token,
                       "access_token_secret": tokens.access_token_secret})


def test_entries_are_stored_read_and_deleted_in_the_secret_service(keyring):
    from personas import credentials

    credentials.set_tokens("x", "@JesseStay", credentials.Tokens("7-abc", "shh"))
    assert [label for label, _ in keyring_items()] == ["Password for 'x:@jessestay' on 'persona'"]
    assert credentials.get_tokens("x", "jessestay") == credentials.Tokens("7-abc", "shh")
    assert "shh" not in repr(credentials.get_tokens("x", "JesseStay"))
    assert credentials.delete_tokens("x", "JesseStay") is True
    assert credentials.delete_tokens("x", "JesseStay") is False
    assert keyring_items() == []


def test_an_account_is_read_whole_in_one_secret_service_session(keyring, monkeypatch):
    import secretstorage.util

    from personas import credentials

    sessions: list[object] = []
    opened = secretstorage.util.open_session
    monkeypatch.setattr(secretstorage.util, "open_session",
                        lambda connection: sessions.append(1) or opened(connection))
    assert credentials.get_account("x", "JesseStay") == (None, None)
    credentials.set_app("x", credentials.AppKeys("ck", "cs"))
    assert credentials.get_account("x", "JesseStay") == (credentials.AppKeys("ck", "cs"), None)
    credentials.set_tokens("x", "JesseStay", credentials.Tokens("7-abc", "shh"))
    sessions.clear()
    assert credentials.get_account("x", "@jessestay") == (
        credentials.AppKeys("ck", "cs"), credentials.Tokens("7-abc", "shh"))
    assert len(sessions) == 1  # one key exchange for both entries


def test_app_set_reads_stdin_or_refuses_bad_input(x_env, cli):
    from personas import credentials

    keys = {"consumer_key": "ck-123", "consumer_secret": "cs-456"}
    result = cli("--config", str(x_env.config), "app", "set", "x", "--stdin",
                 stdin=json.dumps(keys))
    assert result.code == 0, result.err
    assert credentials.get_app("x") == credentials.AppKeys("ck-123", "cs-456")
    assert "cs-456" not in result.out + result.err
    bad = cli("--config", str(x_env.config), "app", "set", "x", "--stdin", stdin="{}")
    assert bad.code == 2
    assert bad.err == ('persona: stdin must be a JSON object {"consumer_key": ..., '
                       '"consumer_secret": ...}\n')


def test_login_with_tokens_verifies_the_account_and_records_its_id(x_env, cli):
    from personas import credentials, verified

    tokens = x_env.issue("JesseStay")
    result = cli("--config", str(x_env.config), "login", "we", "--stdin", "--json",
                 stdin=_tokens_json(tokens))
    assert result.code == 0, result.err
    account_id = str(x_env.front.store.account("JesseStay").id)
    assert result.json() == {"persona": "we", "handle": "JesseStay", "account_id": account_id}
    assert credentials.get_tokens("x", "JesseStay") == tokens
    assert verified.account_id("we", "x", "JesseStay") == account_id


def test_login_refuses_credentials_of_another_account(x_env, cli):
    from personas import credentials, verified

    result = cli("--config", str(x_env.config), "login", "we", "--stdin",
                 stdin=_tokens_json(x_env.issue("Jesse")))
    assert result.code == 2
    assert result.err == ("persona: these credentials act for @Jesse, not @JesseStay of persona "
                          "'we'; nothing stored: log in as @JesseStay, or fix the handle in "
                          "accounts.toml\n")
    assert credentials.get_tokens("x", "JesseStay") is None
    assert verified.account_id("we", "x", "JesseStay") is None


def test_login_refuses_rejected_tokens(x_env, cli):
    tokens = x_env.issue("JesseStay")
    x_env.front.oauth.revoke(x_env.front.store.account("JesseStay").id)
    result = cli("--config", str(x_env.config), "login", "we", "--stdin",
                 stdin=_tokens_json(tokens))
    assert result.code == 1
    assert "X rejected these credentials (401)" in result.err
    assert keyring_items()[0][0] == "Password for 'x:app' on 'persona'"
    assert len(keyring_items()) == 1


def test_login_with_the_pin_flow(x_env, persona_home):
    """The interactive flow as a user meets it: a URL on stderr, a PIN typed at the prompt."""
    process = subprocess.Popen(
        [sys.executable, "-m", "personas", "--config", str(x_env.config), "login", "we"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=ROOT, env=persona_env(persona_home))
    lines = []
    while not (lines and lines[-1].startswith("http")):
        line = process.stderr.readline()  # type: ignore[union-attr]
        assert line, f"no URL printed: {''.join(lines)}"
        lines.append(line)
    url = lines[-1].strip()
    assert url.startswith(f"{x_env.front.url}/oauth/authorize?") and "oauth_token=" in url
    assert "screen_name=JesseStay" in url
    page = requests.get(url, timeout=5)
    pin = re.search(r"PIN: (\d+)", page.text).group(1)  # type: ignore[union-attr]
    out, err = process.communicate(pin + "\n", timeout=60)
    assert process.returncode == 0, err
    account_id = x_env.front.store.account("JesseStay").id
    assert out == f"we: logged in as @JesseStay (id {account_id})\n"
    from personas import credentials

    assert credentials.get_tokens("x", "JesseStay").user_id == str(account_id)


def test_a_wrong_pin_stores_nothing(x_env, persona_home):
    process = subprocess.Popen(
        [sys.executable, "-m", "personas", "--config", str(x_env.config), "login", "we"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=ROOT, env=persona_env(persona_home))
    out, err = process.communicate("1234567\n", timeout=60)
    assert process.returncode == 1
    last = err.splitlines()[-1].removeprefix("PIN: ")  # the prompt, answered from a pipe
    assert last.startswith("persona: X refused the login (401)")
    assert len(keyring_items()) == 1  # the app's keys only


def test_logout_and_accounts_show_credentials(logged_in, cli):
    config = str(logged_in.config)
    listed = cli("--config", config, "accounts", "--json")
    assert [r["credentials"] for r in listed.json()] == ["stored"] * 3
    assert cli("--config", config, "logout", "we").out == "we: logged out\n"
    assert cli("--config", config, "logout", "we").out == "we: had no credentials\n"
    listed = cli("--config", config, "accounts", "--json")
    assert [r["credentials"] for r in listed.json()] == ["stored", "stored", "missing"]


def test_accounts_verify_checks_each_with_x(logged_in, cli):
    config = str(logged_in.config)
    result = cli("--config", config, "accounts", "--verify", "--json")
    assert result.code == 0, result.err
    assert [r["verified"] for r in result.json()] == ["ok", "ok", "ok"]
    logged_in.front.oauth.revoke(logged_in.front.store.account("JessesLinks").id)
    result = cli("--config", config, "accounts", "--verify", "--json")
    assert result.code == 1
    assert result.json()[1]["verified"].startswith("X rejected these credentials (401)")
    assert result.json()[0]["verified"] == "ok"


def test_accounts_verify_does_not_accept_another_account_that_took_the_handle(logged_in, cli):
    """The verified account renamed itself, another took @Jesse, and its tokens replaced ours
    in the keyring: X says they act for @Jesse, but not for the account `persona login`
    verified. Verify says so and keeps the verified id, so nothing is sent to the new one."""
    from personas import credentials, verified

    config, store = str(logged_in.config), logged_in.front.store
    original = store.account("Jesse").id
    with store.write() as db:
        db.execute("UPDATE accounts SET handle = 'JesseOld' WHERE id = ?", (original,))
    newcomer = store.ensure_account("Jesse").id
    credentials.set_tokens("x", "Jesse", logged_in.issue("Jesse"))  # behind persona's back
    result = cli("--config", config, "accounts", "--verify", "--json")
    assert result.code == 1
    assert result.json()[0]["verified"] == (
        f"changed account: @Jesse is now X account {newcomer}, not {original} verified at "
        "login; nothing is sent until `persona login me`")
    assert verified.account_id("me", "x", "Jesse") == str(original)
    posted = cli("--config", config, "post", "--as", "me", "for the old account only")
    assert posted.code != 0 and "run `persona login me`" in posted.err
    assert store.timeline("Jesse") == []
    # Never verified on this database (a new one, or one shared from another machine):
    # verify records the account the credentials act for.
    verified.forget("me")
    result = cli("--config", config, "accounts", "--verify", "--json")
    assert result.json()[0]["verified"] == "ok"
    assert verified.account_id("me", "x", "Jesse") == str(newcomer)


def test_no_usable_keyring_is_one_line_naming_the_fixes(x_env, cli, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    import keyring.core

    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    result = cli("--config", str(x_env.config), "app", "set", "x", "--stdin",
                 stdin='{"consumer_key": "a", "consumer_secret": "b"}')
    assert result.code == 1  # as docs/x.md and docs/server.md say: the machine, not the input
    assert result.err.count("\n") == 1
    assert "no usable OS keyring" in result.err and "docs/server.md" in result.err
    assert "PYTHON_KEYRING_BACKEND" in result.err


def test_the_pin_flow_refuses_an_approval_by_another_account(x_env, persona_home):
    """Signed in as the wrong account on X's page: the tokens are refused, nothing stored."""
    process = subprocess.Popen(
        [sys.executable, "-m", "personas", "--config", str(x_env.config), "login", "we"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=ROOT, env=persona_env(persona_home))
    url = ""
    while not url.startswith("http"):
        url = process.stderr.readline()  # type: ignore[union-attr]
        assert url, "no URL printed"
    page = requests.get(url.strip().replace("screen_name=JesseStay", "screen_name=Jesse"),
                        timeout=5)
    pin = re.search(r"PIN: (\d+)", page.text).group(1)  # type: ignore[union-attr]
    out, err = process.communicate(pin + "\n", timeout=60)
    assert process.returncode == 2
    assert "these credentials act for @Jesse, not @JesseStay of persona 'we'" in err
    assert len(keyring_items()) == 1  # the app's keys only
