"""status lists, allocations, versions, audit trail

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "status_allocation",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["status_list.id"],
        ),
        sa.PrimaryKeyConstraint("list_id", "index"),
    )
    op.create_table(
        "status_list_version",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("block_number", sa.Integer(), nullable=True),
        sa.Column("block_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["status_list.id"],
        ),
        sa.PrimaryKeyConstraint("list_id", "version"),
    )
    with op.batch_alter_table("status_list_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_list_version_state"), ["state"], unique=False)

    op.create_table(
        "status_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["credential_record.id"],
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_token.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("status_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_event_record_id"), ["record_id"], unique=False)

    with op.batch_alter_table("credential_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revocation_list_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revocation_index", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("suspension_list_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("suspension_index", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            "uq_record_revocation", ["revocation_list_id", "revocation_index"]
        )
        batch_op.create_unique_constraint(
            "uq_record_suspension", ["suspension_list_id", "suspension_index"]
        )
        batch_op.create_foreign_key(
            "fk_record_revocation_list", "status_list", ["revocation_list_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_record_suspension_list", "status_list", ["suspension_list_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("credential_record", schema=None) as batch_op:
        batch_op.drop_constraint("fk_record_suspension_list", type_="foreignkey")
        batch_op.drop_constraint("fk_record_revocation_list", type_="foreignkey")
        batch_op.drop_constraint("uq_record_suspension", type_="unique")
        batch_op.drop_constraint("uq_record_revocation", type_="unique")
        batch_op.drop_column("suspension_index")
        batch_op.drop_column("suspension_list_id")
        batch_op.drop_column("revocation_index")
        batch_op.drop_column("revocation_list_id")

    with op.batch_alter_table("status_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_event_record_id"))

    op.drop_table("status_event")
    with op.batch_alter_table("status_list_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_list_version_state"))

    op.drop_table("status_list_version")
    op.drop_table("status_allocation")
    op.drop_table("status_list")
