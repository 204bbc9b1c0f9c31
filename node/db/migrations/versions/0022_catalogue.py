"""The catalogue of learning opportunities: entries and their versions

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_entry",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("api_token.id"), nullable=True),
    )
    op.create_table(
        "catalogue_version",
        sa.Column(
            "entry_id",
            sa.String(36),
            sa.ForeignKey("catalogue_entry.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("number", sa.Integer(), primary_key=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=True),
        sa.Column("digest", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.Column("anchor_root", sa.String(64), nullable=True),
        sa.Column("anchor_state", sa.String(20), nullable=True),
        sa.Column("anchor_tx", sa.String(66), nullable=True),
        sa.Column("anchor_block", sa.Integer(), nullable=True),
        sa.Column("anchor_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("anchor_error", sa.Text(), nullable=True),
    )
    op.create_index(
        "uq_catalogue_draft",
        "catalogue_version",
        ["entry_id"],
        unique=True,
        sqlite_where=sa.text("state = 'draft'"),
        postgresql_where=sa.text("state = 'draft'"),
    )
    op.create_index("ix_catalogue_version_state", "catalogue_version", ["state", "published_at"])
    op.create_index("ix_catalogue_version_anchor", "catalogue_version", ["anchor_state"])


def downgrade() -> None:
    op.drop_table("catalogue_version")
    op.drop_table("catalogue_entry")
