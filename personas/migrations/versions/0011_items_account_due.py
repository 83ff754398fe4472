"""Items record the account they were routed to, and whether their last
attempt may have reached the network; the claim reads them in the order they are due.

- `account`: an item is sent to the account it was routed to or nowhere (a persona moved
  from the sandbox to X holds what it queued for the sandbox). Unique with `remote_id`:
  one remote post belongs to one item, so crash recovery cannot give a post to two items.
  Items stored before have none and go to their persona's current account.
- An index on (status, coalesce(scheduled_at, created_at), id), the order in which items
  are due: the worker's claim reads the next due item rather than sorting the queue.
- `unsure`: the last attempt got no answer (a timeout, a reset, a 5xx): the network is
  searched for the post before it is sent again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("account", sa.Text, nullable=True))
        batch.add_column(sa.Column("unsure", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
    op.create_index("ix_items_status_due", "items",
                    ["status", sa.text("coalesce(scheduled_at, created_at)"), "id"])
    op.create_index("ux_items_account_remote", "items", ["account", "remote_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_items_account_remote", table_name="items")
    op.drop_index("ix_items_status_due", table_name="items")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("unsure")
        batch.drop_column("account")
