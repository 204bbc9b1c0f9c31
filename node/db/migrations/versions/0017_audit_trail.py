"""The tamper-evident audit trail: hash-chained entries and their anchored heads

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamp = sa.DateTime(timezone=True)
    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("at", stamp, nullable=False),
        sa.Column("actor", sa.String(300), nullable=False),
        sa.Column("action", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_table(
        "audit_anchor",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False, unique=True),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("root", sa.String(64), nullable=False, unique=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("block_number", sa.Integer(), nullable=True),
        sa.Column("block_time", stamp, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", stamp, nullable=False),
    )
    op.create_index("ix_audit_anchor_state", "audit_anchor", ["state"])


def downgrade() -> None:
    op.drop_index("ix_audit_anchor_state", table_name="audit_anchor")
    op.drop_table("audit_anchor")
    op.drop_table("audit_entry")
