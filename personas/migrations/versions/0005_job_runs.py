"""When each persona's periodic jobs last ran.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("persona", sa.String(64), primary_key=True),
        sa.Column("job", sa.String(32), primary_key=True),
        sa.Column("last_run_at", sa.DateTime),
        sa.Column("last_result", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
