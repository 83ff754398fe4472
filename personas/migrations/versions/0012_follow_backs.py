"""The follow queue says which accounts followed the persona first.

A follow of one of them is a follow-back, which the `followed` event's detail records for
reports. Rows queued before this revision are not known to be followers: false.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("follow_queue") as batch:
        batch.add_column(sa.Column("follower", sa.Boolean, nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("follow_queue") as batch:
        batch.drop_column("follower")
