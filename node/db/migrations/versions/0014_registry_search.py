"""The registry list and search: each record's owner, its search words, page indexes

Records of the VC API issuer (claims {"vcapi": …}) get owner "vcapi"; the institution's
records get their search words (node/issuance/registry.py, record_terms), in chunks.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from node.credentials.search import term_rows

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_CHUNK = 2000


def upgrade() -> None:
    with op.batch_alter_table("credential_record") as batch:
        batch.add_column(
            sa.Column("owner", sa.String(20), nullable=False, server_default="institution")
        )
    op.create_index("ix_record_owner_created", "credential_record", ["owner", "created_at", "id"])
    op.create_index(
        "ix_record_owner_state_created",
        "credential_record",
        ["owner", "state", "created_at", "id"],
    )
    term = sa.String(100).with_variant(sa.String(100, collation="C"), "postgresql")
    op.create_table(
        "record_search_term",
        sa.Column("term", term, primary_key=True),
        sa.Column(
            "record_id",
            sa.String(36),
            sa.ForeignKey("credential_record.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_record_search_term_record_id", "record_search_term", ["record_id"])
    records = sa.table(
        "credential_record",
        sa.column("id", sa.String),
        sa.column("claims", sa.JSON),
        sa.column("owner", sa.String),
    )
    terms = sa.table("record_search_term", sa.column("term", sa.String), sa.column("record_id"))
    bind = op.get_bind()
    last = ""
    while True:
        rows = bind.execute(
            sa.select(records.c.id, records.c.claims)
            .where(records.c.id > last)
            .order_by(records.c.id)
            .limit(_CHUNK)
        ).all()
        if not rows:
            return
        vcapi = [record_id for record_id, claims in rows if "vcapi" in (claims or {})]
        if vcapi:
            bind.execute(sa.update(records).where(records.c.id.in_(vcapi)).values(owner="vcapi"))
        found = [
            row
            for record_id, claims in rows
            if "vcapi" not in (claims or {})
            for row in term_rows(record_id, claims or {})
        ]
        if found:
            bind.execute(sa.insert(terms), found)
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_record_search_term_record_id", table_name="record_search_term")
    op.drop_table("record_search_term")
    op.drop_index("ix_record_owner_state_created", table_name="credential_record")
    op.drop_index("ix_record_owner_created", table_name="credential_record")
    with op.batch_alter_table("credential_record") as batch:
        batch.drop_column("owner")
