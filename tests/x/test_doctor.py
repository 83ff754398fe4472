"""`persona doctor` against the loopback X front and the real Secret Service, healthy and
broken (no keyring, an unreachable api_base, a database behind the schema's head), and
`persona accounts` on a machine without a keyring."""

from __future__ import annotations

import socket

from tests.x.conftest import ACCOUNTS


def _checks(result) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {f'{c["area"]}/{c["name"]}': c for c in result.json()["checks"]}


def test_a_healthy_setup_says_so_and_exits_0(logged_in, cli):
    from personas import db, outbox
    from personas.worker import Worker

    db.engine()  # the database made, as any command makes it
    assert outbox.pending() == []
    result = cli("--config", str(logged_in.config), "doctor", "--json")
    assert result.code == 0, result.out + result.err
    checks = _checks(result)
    assert result.json()["healthy"] is True
    assert checks["config/accounts.toml"]["data"]["path"] == str(logged_in.config)
    database = checks["database/database"]["data"]
    assert database["revision"] == database["head"] and database["size"] > 0
    assert checks["keyring/keyring"]["data"]["backend"].endswith("SecretService.Keyring")
    assert checks["keyring/keyring"]["data"]["works"] is True
    assert {checks[f"personas/{n}"]["data"]["login"] for n in ("me", "you", "we")} == {"stored"}
    assert checks["networks/x"]["data"]["reachable"] is True
    assert checks["worker/worker"]["data"]["items_due"] == 0
    assert checks["worker/worker"]["data"]["last_seen"] is None
    Worker(logged_in.ctx(), log=lambda line: None).run(once=True)
    seen = _checks(cli("--config", str(logged_in.config), "doctor", "--json"))
    assert seen["worker/worker"]["data"]["last_seen"] is not None
    assert "last seen" in seen["worker/worker"]["detail"]
    assert set(checks["versions/versions"]["data"]) >= {"persona", "tweepy", "python"}
    text = cli("--config", str(logged_in.config), "doctor")
    assert text.code == 0 and text.out.rstrip().endswith("no problem found")
    # no secret in what it says: the tokens and the app's keys stay in the keyring
    for secret in (logged_in.consumer[1], logged_in.issue("Jesse").access_token_secret):
        assert secret not in result.out + text.out


def test_no_keyring_is_a_problem_with_its_fix(x_env, cli, monkeypatch):
    from tests.conftest import reset_keyring

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    reset_keyring()
    result = cli("--config", str(x_env.config), "doctor", "--json")
    assert result.code == 1 and "Traceback" not in result.err
    checks = _checks(result)
    keyring = checks["keyring/keyring"]
    assert keyring["ok"] is False and "docs/server.md" in keyring["fix"]
    assert checks["personas/me"]["data"]["login"] == "unknown"
    text = cli("--config", str(x_env.config), "doctor")
    assert text.code == 1 and "PROBLEM  keyring" in text.out and "fix: " in text.out


def test_an_unreachable_api_base_and_a_missing_login_are_problems(x_env, cli, write_config):
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = write_config(ACCOUNTS.format(url=f"http://127.0.0.1:{port}/"), "dead.toml")
    result = cli("--config", str(config), "doctor", "--json")
    assert result.code == 1
    checks = _checks(result)
    assert checks["networks/x"]["ok"] is False and "unreachable" in checks["networks/x"]["detail"]
    assert checks["personas/me"]["ok"] is False
    assert checks["personas/me"]["fix"] == "run `persona login me`"


def test_a_database_behind_head_is_reported_not_migrated(x_env, cli, persona_home):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from personas import db
    from personas.migrations import HEAD

    path = persona_home / "persona.db"
    engine = create_engine(f"sqlite:///{path}")
    cfg = Config()
    cfg.set_main_option("script_location", "personas:migrations")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0011")
    result = cli("--config", str(x_env.config), "doctor", "--json")
    assert result.code == 1
    database = _checks(result)["database/database"]
    assert database["ok"] is False and database["data"]["revision"] == "0011"
    assert f"behind {HEAD}" in database["detail"] and "persona queue" in database["fix"]
    assert db.current_revision(engine) == "0011"  # looked at, not upgraded
    engine.dispose()


def test_accounts_lists_the_personas_without_a_keyring(x_env, cli, monkeypatch):
    from tests.conftest import reset_keyring

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    reset_keyring()
    result = cli("--config", str(x_env.config), "accounts", "--json")
    assert result.code == 0, result.err
    assert [(r["name"], r["credentials"]) for r in result.json()] == [
        ("me", "unknown (no keyring)"), ("you", "unknown (no keyring)"),
        ("we", "unknown (no keyring)")]
    assert result.err.count("\n") == 1 and "login state unknown" in result.err
    verify = cli("--config", str(x_env.config), "accounts", "--verify", "--json")
    assert verify.code == 1
    assert {r["verified"] for r in verify.json()} == {"not checked: no keyring"}
    # what needs a secret cannot do without one: exit 1, as docs/x.md says
    app = cli("--config", str(x_env.config), "logout", "me")
    assert app.code == 1 and "no usable OS keyring" in app.err


def test_the_docs_give_one_exit_code_without_a_keyring():
    import re

    from tests.conftest import ROOT

    said = {}
    for doc in sorted((ROOT / "docs").glob("*.md")):
        for paragraph in doc.read_text(encoding="utf-8").split("\n\n"):
            if "keyring" in paragraph.lower():
                for code in re.findall(r"\bexits? (\d)\b", paragraph):
                    said.setdefault(code, []).append(doc.name)
    assert set(said) == {"1"}, said


def test_items_long_due_with_no_worker_are_a_problem_until_a_worker_runs(cli):
    """On the built-in sandbox: an item due for 20 minutes that nothing sent."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    from personas import db, outbox
    from personas.config import load
    from personas.context import Context
    from personas.worker import Worker
    from router import decide
    from router.items import classify

    cfg = load()
    item = classify("a note nobody sent", network_kind="sandbox")
    row = outbox.enqueue(item, decide(item, cfg.personas, forced="me"), cfg.persona("me"))
    with db.engine().begin() as conn:
        conn.execute(text("UPDATE items SET created_at = :at WHERE id = :id"),
                     {"at": db.to_db(datetime.now(UTC) - timedelta(minutes=20)), "id": row.id})
    result = cli("doctor", "--json")
    worker = _checks(result)["worker/worker"]
    assert result.code == 1 and worker["ok"] is False and worker["data"]["items_due"] == 1
    assert "persona worker" in worker["fix"]
    Worker(Context(), log=lambda line: None).run(once=True)
    again = cli("doctor", "--json")
    assert again.code == 0 and _checks(again)["worker/worker"]["data"]["items_due"] == 0


def test_a_broken_configuration_is_a_problem_and_the_rest_is_still_checked(cli, write_config):
    config = write_config('[personas.me]\nnetwork = "x"\n')
    result = cli("--config", str(config), "doctor", "--json")
    assert result.code == 1 and "Traceback" not in result.err
    checks = _checks(result)
    broken = checks["config/accounts.toml"]
    assert broken["ok"] is False and broken["detail"].startswith(f"{config}:1: personas.me")
    assert broken["fix"]
    assert checks["database/database"]["ok"] and "versions/versions" in checks
