"""The outbox and the activity log.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("persona", sa.String(64), nullable=False, index=True),
        sa.Column("network", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("target", sa.String(64)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("scheduled_at", sa.DateTime),
        sa.Column("next_attempt_at", sa.DateTime),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("claimed_at", sa.DateTime),
        sa.Column("remote_id", sa.String(64)),
        sa.Column("url", sa.Text),
        sa.Column("sent_at", sa.DateTime),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
        sa.Column("persona", sa.String(64), nullable=False, index=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16)),
        sa.Column("subject", sa.String(255)),
        sa.Column("item_id", sa.Integer, index=True),
        sa.Column("remote_id", sa.String(64)),
        sa.Column("detail", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("items")
