"""A database per test: a SQLite file under the test's home, or a fresh database on the
machine's PostgreSQL server (dropped afterwards)."""

from __future__ import annotations

import os
import uuid

import pytest

PG_ADMIN = os.environ.get("PERSONA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request, monkeypatch) -> str:
    from tests.conftest import _reset_engine

    if request.param == "sqlite":
        yield "sqlite"
        return
    import psycopg

    name = f"persona_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    monkeypatch.setenv("PERSONA_DATABASE_URL", _pg_url(name))
    _reset_engine()
    yield "postgres"
    _reset_engine()
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
