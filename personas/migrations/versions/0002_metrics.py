"""Metric snapshots of posts, and follower counts over time.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
        sa.Column("persona", sa.String(64), nullable=False, index=True),
        sa.Column("network", sa.String(64), nullable=False),
        sa.Column("remote_id", sa.String(64), nullable=False, index=True),
        sa.Column("item_id", sa.Integer),
        sa.Column("kind", sa.String(16)),
        sa.Column("posted_at", sa.DateTime),
        sa.Column("likes", sa.Integer),
        sa.Column("reposts", sa.Integer),
        sa.Column("replies", sa.Integer),
        sa.Column("quotes", sa.Integer),
        sa.Column("impressions", sa.Integer),
    )
    op.create_table(
        "follower_counts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
        sa.Column("persona", sa.String(64), nullable=False, index=True),
        sa.Column("network", sa.String(64), nullable=False),
        sa.Column("followers", sa.Integer, nullable=False),
        sa.Column("following", sa.Integer),
    )


def downgrade() -> None:
    op.drop_table("follower_counts")
    op.drop_table("metric_snapshots")
