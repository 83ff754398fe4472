"""Alembic migrations. `HEAD` is the newest revision; a test keeps it equal to Alembic's.

Keeping it here lets `personas.db` see that a database is current without loading Alembic.
"""

HEAD = "0013"
