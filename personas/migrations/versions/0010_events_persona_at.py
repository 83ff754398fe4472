"""One index on events, (persona, at), in place of one on persona and one on at.

Every report and every export of named personas reads events by persona and time: one
index on both serves each of them at least as well as either alone did, and every post
writes one index page fewer in its commit. (An export of every persona since a time reads
the log in id order, by its key, on SQLite; PostgreSQL scans it.)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_persona_at", "events", ["persona", "at"])
    op.drop_index("ix_events_at", table_name="events")
    op.drop_index("ix_events_persona", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_persona", "events", ["persona"])
    op.create_index("ix_events_at", "events", ["at"])
    op.drop_index("ix_events_persona_at", table_name="events")
