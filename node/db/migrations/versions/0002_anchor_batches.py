"""anchor batches; copies pending until batched

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "anchor_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("leaf_count", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("block_number", sa.Integer(), nullable=True),
        sa.Column("block_hash", sa.String(length=66), nullable=True),
        sa.Column("block_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("root"),
    )
    with op.batch_alter_table("anchor_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_anchor_batch_state"), ["state"], unique=False)

    with op.batch_alter_table("signed_copy", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("leaf_index", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("proof", sa.LargeBinary(), nullable=True))
        batch_op.create_index("ix_signed_copy_batch", ["batch_id", "leaf_index"], unique=False)
        batch_op.create_index(
            "ix_signed_copy_pending",
            ["id"],
            unique=False,
            sqlite_where=sa.text("batch_id IS NULL"),
            postgresql_where=sa.text("batch_id IS NULL"),
        )
        batch_op.create_foreign_key("fk_signed_copy_batch", "anchor_batch", ["batch_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("signed_copy", schema=None) as batch_op:
        batch_op.drop_constraint("fk_signed_copy_batch", type_="foreignkey")
        batch_op.drop_index(
            "ix_signed_copy_pending",
            sqlite_where=sa.text("batch_id IS NULL"),
            postgresql_where=sa.text("batch_id IS NULL"),
        )
        batch_op.drop_index("ix_signed_copy_batch")
        batch_op.drop_column("proof")
        batch_op.drop_column("leaf_index")
        batch_op.drop_column("batch_id")

    with op.batch_alter_table("anchor_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_anchor_batch_state"))

    op.drop_table("anchor_batch")
