"""OpenID4VP: relying parties' presentation requests and their verification results

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presentation_request",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("dcql_query", sa.JSON(), nullable=False),
        sa.Column("with_summary", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["api_token.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_presentation_request_status", "presentation_request", ["status"])


def downgrade() -> None:
    op.drop_index("ix_presentation_request_status", table_name="presentation_request")
    op.drop_table("presentation_request")
