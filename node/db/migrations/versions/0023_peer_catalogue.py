"""The network's catalogue: each member's sync state and its verified versions

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamp = sa.DateTime(timezone=True)
    op.create_table(
        "peer_catalogue",
        sa.Column("member_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("did", sa.String(400), nullable=False),
        sa.Column("etag", sa.String(200), nullable=True),
        sa.Column("synced_at", stamp, nullable=True),
        sa.Column("attempted_at", stamp, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_table(
        "peer_catalogue_version",
        sa.Column("url", sa.String(1000), primary_key=True),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("entry_url", sa.String(1000), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("anchor_block", sa.Integer(), nullable=False),
        sa.Column("anchor_time", stamp, nullable=False),
        sa.Column("fetched_at", stamp, nullable=False),
    )
    op.create_index("ix_peer_catalogue_version_member_id", "peer_catalogue_version", ["member_id"])
    op.create_index("ix_peer_catalogue_version_entry_url", "peer_catalogue_version", ["entry_url"])


def downgrade() -> None:
    op.drop_table("peer_catalogue_version")
    op.drop_table("peer_catalogue")
