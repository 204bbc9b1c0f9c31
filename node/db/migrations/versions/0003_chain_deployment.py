"""chain deployment; institution accreditation

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chain_deployment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("network_registry", sa.String(length=42), nullable=False),
        sa.Column("anchor_registry", sa.String(length=42), nullable=False),
        sa.Column("status_registry", sa.String(length=42), nullable=False),
        sa.Column("block_number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "qa_type", sa.String(length=60), nullable=False, server_default="institutional"
            )
        )
        batch_op.add_column(
            sa.Column("deqar_id", sa.String(length=40), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.drop_column("deqar_id")
        batch_op.drop_column("qa_type")

    op.drop_table("chain_deployment")
