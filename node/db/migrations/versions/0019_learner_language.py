"""The learner's language: the mails the node sends them are in it

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "learner_account",
        sa.Column("lang", sa.String(5), nullable=False, server_default="en"),
    )


def downgrade() -> None:
    with op.batch_alter_table("learner_account") as batch:
        batch.drop_column("lang")
