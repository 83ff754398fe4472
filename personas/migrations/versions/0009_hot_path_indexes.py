"""Fewer index pages written per post: one (status, persona) index on items, and no index
on events.item_id, which no query reads.

Every post writes its item twice (stored, then sent) and one event; each index on those
tables is one more page in each commit. Every query on items names a status, most a
persona too, so one index on both serves them all. Events are read by persona and by time,
never by item.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_items_status_persona", "items", ["status", "persona"])
    op.drop_index("ix_items_status", table_name="items")
    op.drop_index("ix_items_persona", table_name="items")
    op.drop_index("ix_events_item_id", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_item_id", "events", ["item_id"])
    op.create_index("ix_items_persona", "items", ["persona"])
    op.create_index("ix_items_status", "items", ["status"])
    op.drop_index("ix_items_status_persona", table_name="items")
