"""The schema comes from Alembic migrations, and a current database costs no Alembic."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import inspect

from personas import db
from personas.migrations import HEAD
from tests.conftest import ROOT


def test_head_constant_is_alembics_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", "personas:migrations")
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD


def test_a_fresh_database_is_migrated_to_head(backend):
    engine = db.engine()
    assert db.current_revision(engine) == HEAD
    assert {"items", "events", "alembic_version"} <= set(inspect(engine).get_table_names())


def test_the_models_match_the_migrations(backend):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from personas.schema import load_all

    load_all()  # every table, wherever it is defined

    with db.engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_opening_a_current_database_does_not_load_alembic(persona_home):
    code = ("import sys, personas.db as d; d.engine(); "
            "print('alembic' in sys.modules)")
    env = {"PERSONA_HOME": str(persona_home), "PATH": "/usr/bin:/bin"}
    run = lambda: subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,  # noqa: E731
                                 capture_output=True, text=True, check=True).stdout.strip()
    assert run() == "True"  # the first open migrates
    assert run() == "False"  # later opens only read alembic_version


def test_concurrent_first_opens_migrate_once(persona_home):
    code = "import personas.db as d; d.engine(); print(d.current_revision(d.engine()))"
    env = {"PERSONA_HOME": str(persona_home), "PATH": "/usr/bin:/bin"}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, results
    assert [out.strip() for out, _ in results] == [HEAD] * 4


def test_an_unreachable_database_is_one_line(monkeypatch):
    import pytest

    from personas.errors import StorageError

    monkeypatch.setenv("PERSONA_DATABASE_URL", "postgresql://nobody:hunter2@127.0.0.1:1/none")
    with pytest.raises(StorageError) as e:
        db.engine()
    assert "check PERSONA_DATABASE_URL" in e.value.message
    assert "hunter2" not in e.value.message and "\n" not in e.value.message


def test_a_database_of_the_first_schema_upgrades_with_its_data(backend):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    old = create_engine(db.database_url())
    cfg = Config()
    cfg.set_main_option("script_location", "personas:migrations")
    with old.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")  # the first released schema
        conn.execute(text(
            "INSERT INTO items (key, persona, network, kind, text, reason, status, created_at,"
            " updated_at, attempts) VALUES ('k1', 'me', 'sandbox', 'original', 'kept',"
            " 'takes original', 'sent', '2026-01-01 09:00:00', '2026-01-01 09:00:00', 1)"))
        conn.execute(text(
            "INSERT INTO events (at, persona, action, kind) VALUES"
            " ('2026-01-01 09:00:01', 'me', 'posted', 'original')"))
    old.dispose()
    engine = db.engine()  # opening the database migrates it to the newest schema
    assert db.current_revision(engine) == HEAD
    with engine.connect() as conn:
        assert conn.execute(text("SELECT text, status FROM items")).all() == [("kept", "sent")]
        assert conn.execute(text("SELECT action FROM events")).scalar() == "posted"
