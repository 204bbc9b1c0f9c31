"""mail outbox: bodies sealed (encrypted) and erased once delivered or expired

The clear ``body`` of rows written before this revision is dropped: it held pre-authorized
codes, PINs and sign-in link tokens in plain text, and no mailer had delivered them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mail_outbox") as batch:
        batch.add_column(sa.Column("sealed_body", sa.Text(), nullable=True))
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.drop_column("body")


def downgrade() -> None:
    with op.batch_alter_table("mail_outbox") as batch:
        batch.add_column(sa.Column("body", sa.Text(), nullable=False, server_default=""))
        batch.drop_column("expires_at")
        batch.drop_column("sealed_body")
    with op.batch_alter_table("mail_outbox") as batch:
        batch.alter_column("body", server_default=None)
