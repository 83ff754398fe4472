from tests.storage.conftest import backend  # noqa: F401  (SQLite and PostgreSQL)
