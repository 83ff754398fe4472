"""The private community: join requests, read cursors; members' introductions and reminders.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "join_requests",
        sa.Column("persona", sa.String(64), primary_key=True),
        sa.Column("handle", sa.String(64), primary_key=True),
        sa.Column("shown", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64)),
        sa.Column("sources", sa.Text, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("introduction", sa.Text),
        sa.Column("introduced_at", sa.DateTime),
        sa.Column("profile", sa.Text, nullable=False),
        sa.Column("requested_at", sa.DateTime, nullable=False),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("reason", sa.Text),
        sa.Column("blocked", sa.Boolean, nullable=False),
        sa.Column("followed_at", sa.DateTime),
        sa.Column("accepted_at", sa.DateTime),
        sa.Column("welcome_started_at", sa.DateTime),
        sa.Column("welcomed_at", sa.DateTime),
    )
    op.create_table(
        "community_cursors",
        sa.Column("reader", sa.String(64), primary_key=True),
        sa.Column("persona", sa.String(64), primary_key=True),
        sa.Column("source", sa.String(16), primary_key=True),
        sa.Column("last_id", sa.String(64)),
        sa.Column("read_from", sa.DateTime),
    )
    with op.batch_alter_table("community_members") as batch:
        batch.add_column(sa.Column("introduction", sa.Text))
        batch.add_column(sa.Column("introduced_at", sa.DateTime))
        batch.add_column(sa.Column("reminded_at", sa.DateTime))
        batch.add_column(sa.Column("reminders", sa.Integer, nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("community_members") as batch:
        for name in ("reminders", "reminded_at", "introduced_at", "introduction"):
            batch.drop_column(name)
    op.drop_table("community_cursors")
    op.drop_table("join_requests")
