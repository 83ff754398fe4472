"""The account id each persona's credentials were verified to belong to.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verified_accounts",
        sa.Column("persona", sa.String(64), primary_key=True),
        sa.Column("network", sa.String(64), nullable=False),
        sa.Column("handle", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("verified_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("verified_accounts")
