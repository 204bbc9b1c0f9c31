"""Message status lists: revocation and suspension as one 2-bit value per record

VCDM 1.1 credentials (jwt_vc_json) carry one status entry, and SD-JWT VCs one IETF Token
Status List reference; both point at a list of purpose "message" (0 valid, 1 revoked,
2 suspended). Each institution revocation list gets its message list, which holds every
record at its revocation index; the records issued so far are assigned theirs here.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _add_reference(table: str, column: str, constraint: str) -> None:
    """A nullable column referencing status_list, added in place. Alembic rebuilds a SQLite
    table to add a constraint, and rows other tables hold that reference these two tables
    (signed copies, list versions, …) would fail the rebuild's DROP; SQLite takes the
    REFERENCES clause in ADD COLUMN itself."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
            f"CONSTRAINT {constraint} REFERENCES status_list (id)"
        )
        return
    op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
    op.create_foreign_key(constraint, table, "status_list", [column], ["id"])


def upgrade() -> None:
    _add_reference("status_list", "source_list_id", "fk_status_list_source")
    op.create_index("uq_status_list_source_list_id", "status_list", ["source_list_id"], unique=True)
    _add_reference("credential_record", "message_list_id", "fk_record_message_list")
    op.add_column("credential_record", sa.Column("message_index", sa.Integer(), nullable=True))
    op.create_index(
        "uq_record_message", "credential_record", ["message_list_id", "message_index"], unique=True
    )
    lists = sa.table(
        "status_list",
        sa.column("id", sa.Integer),
        sa.column("owner", sa.String),
        sa.column("purpose", sa.String),
        sa.column("size", sa.Integer),
        sa.column("allocated", sa.Integer),
        sa.column("changed", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("source_list_id", sa.Integer),
    )
    records = sa.table(
        "credential_record",
        sa.column("revocation_list_id", sa.Integer),
        sa.column("revocation_index", sa.Integer),
        sa.column("message_list_id", sa.Integer),
        sa.column("message_index", sa.Integer),
    )
    connection = op.get_bind()
    sources = connection.execute(
        sa.select(lists.c.id, lists.c.size, lists.c.allocated).where(
            lists.c.owner == "institution", lists.c.purpose == "revocation"
        )
    ).all()
    now = datetime.now(UTC)
    for source_id, size, allocated in sources:
        connection.execute(
            lists.insert().values(
                owner="institution",
                purpose="message",
                size=size,
                allocated=allocated,
                changed=True,  # its first version is published (and anchored) on demand
                created_at=now,
                source_list_id=source_id,
            )
        )
        (message_id,) = connection.execute(
            sa.select(lists.c.id).where(lists.c.source_list_id == source_id)
        ).one()
        connection.execute(
            records.update()
            .where(records.c.revocation_list_id == source_id)
            .values(message_list_id=message_id, message_index=records.c.revocation_index)
        )


def downgrade() -> None:
    op.drop_index("uq_record_message", table_name="credential_record")
    sqlite = op.get_bind().dialect.name == "sqlite"  # its rebuild drops the column's FK
    with op.batch_alter_table("credential_record") as batch:
        if not sqlite:
            batch.drop_constraint("fk_record_message_list", type_="foreignkey")
        batch.drop_column("message_index")
        batch.drop_column("message_list_id")
    op.execute(
        "DELETE FROM status_list_version WHERE list_id IN "
        "(SELECT id FROM status_list WHERE purpose = 'message')"
    )
    op.execute("DELETE FROM status_list WHERE purpose = 'message'")
    op.drop_index("uq_status_list_source_list_id", table_name="status_list")
    with op.batch_alter_table("status_list") as batch:
        if not sqlite:
            batch.drop_constraint("fk_status_list_source", type_="foreignkey")
        batch.drop_column("source_list_id")
