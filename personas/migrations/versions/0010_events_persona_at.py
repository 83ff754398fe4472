"""Events indexed on (persona, at) in place of persona alone; the index on at stays.

Every report and every export of named personas reads events by persona and time: one
index on both serves each of them better than either alone did. An export of every
persona since a time reads by time only, and keeps its own index.

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
    op.drop_index("ix_events_persona", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_persona", "events", ["persona"])
    op.drop_index("ix_events_persona_at", table_name="events")
