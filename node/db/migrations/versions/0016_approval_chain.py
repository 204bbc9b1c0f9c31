"""The approval chain: who prepared a record, its round and stage, each decision; the staff
account an API token acts for, and the one who changed a status

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _add_staff_reference(table: str, column: str, constraint: str) -> None:
    """A nullable column referencing staff_account, added in place (SQLite takes REFERENCES
    in ADD COLUMN; rebuilding these referenced tables would fail, see 0012)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
            f"CONSTRAINT {constraint} REFERENCES staff_account (id)"
        )
        return
    op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
    op.create_foreign_key(constraint, table, "staff_account", [column], ["id"])


def upgrade() -> None:
    _add_staff_reference("credential_record", "prepared_by", "fk_record_prepared_by")
    for column in ("approval_round", "approval_stage"):
        op.add_column(
            "credential_record",
            sa.Column(column, sa.Integer(), nullable=False, server_default="0"),
        )
    _add_staff_reference("api_token", "staff_account_id", "fk_token_staff_account")
    _add_staff_reference("status_event", "staff_account_id", "fk_status_event_staff")
    op.create_table(
        "approval_step",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "record_id", sa.String(36), sa.ForeignKey("credential_record.id"), nullable=False
        ),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("stage_name", sa.String(100), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("staff_account.id"), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("elements", sa.JSON(), nullable=False),
        sa.Column("claims_sha256", sa.String(64), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_approval_step_record_id", "approval_step", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_approval_step_record_id", table_name="approval_step")
    op.drop_table("approval_step")
    with op.batch_alter_table("status_event") as batch:
        batch.drop_column("staff_account_id")
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("staff_account_id")
    with op.batch_alter_table("credential_record") as batch:
        batch.drop_column("approval_stage")
        batch.drop_column("approval_round")
        batch.drop_column("prepared_by")
