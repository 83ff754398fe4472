"""Following: rate budgets, sweep state and queue, follow records, community members.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _key(*names: str) -> list[sa.Column]:
    return [sa.Column(n, sa.String(64 if n != "endpoint" else 32), primary_key=True)
            for n in names]


def upgrade() -> None:
    op.create_table(
        "rate_budgets", *_key("persona", "endpoint"),
        sa.Column("limit", sa.Integer, nullable=False),
        sa.Column("remaining", sa.Integer, nullable=False),
        sa.Column("reset_at", sa.DateTime, nullable=False),
        sa.Column("learned", sa.Boolean, nullable=False),
    )
    op.create_table(
        "follow_sweeps", *_key("persona"),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("full", sa.Boolean, nullable=False),
        sa.Column("cursor", sa.Text),
        sa.Column("known", sa.Text, nullable=False),
        sa.Column("head", sa.Text, nullable=False),
        sa.Column("followers_read", sa.Integer, nullable=False),
        sa.Column("requests", sa.Integer, nullable=False),
        sa.Column("completed_at", sa.DateTime),
        sa.Column("audience", sa.Integer),
        sa.Column("expected", sa.Integer),
    )
    op.create_table(
        "follow_queue", *_key("persona", "handle"),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32)),
        sa.Column("profile", sa.Text, nullable=False),
    )
    op.create_table(
        "follow_records", *_key("persona", "handle"),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "community_members", *_key("persona", "handle"),
        sa.Column("approved_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for name in ("community_members", "follow_records", "follow_queue", "follow_sweeps",
                 "rate_budgets"):
        op.drop_table(name)
