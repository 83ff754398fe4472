"""Carrying posts in: posts starred by hand, and the posts carried into a private persona.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stars",
        sa.Column("network", sa.String(64), primary_key=True),
        sa.Column("post_id", sa.String(64), primary_key=True),
        sa.Column("persona", sa.String(64), nullable=False),
        sa.Column("starred_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "carried_posts",
        sa.Column("persona", sa.String(64), primary_key=True),
        sa.Column("post_id", sa.String(64), primary_key=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("carried_as", sa.String(16), nullable=False),
        sa.Column("item_id", sa.Integer),
        sa.Column("at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("carried_posts")
    op.drop_table("stars")
