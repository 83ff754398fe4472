"""The follow queue says which accounts followed the persona first; which account each
persona's follow and community state belongs to.

A follow of a follower is a follow-back, which the `followed` event's detail records for
reports. Rows queued before this revision are not known to be followers: false.

`state_accounts`: state keyed by a persona's name (follow records, a community's members,
read cursors) names the account it was made for, so that it is not used for another one
after accounts.toml points the persona elsewhere. State from before this revision is taken
to be the account's the persona names when it is next used.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("follow_queue") as batch:
        batch.add_column(sa.Column("follower", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "state_accounts",
        sa.Column("persona", sa.String(64), primary_key=True),
        sa.Column("area", sa.String(80), primary_key=True),
        sa.Column("network", sa.String(64), nullable=False),
        sa.Column("handle", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64)),
        sa.Column("at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("state_accounts")
    with op.batch_alter_table("follow_queue") as batch:
        batch.drop_column("follower")
