"""Recognition and learning agreements: each version this node is a party to, its proofs and
states, its delivery to the other party and its anchoring, a learner's acceptance

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamp = sa.DateTime(timezone=True)
    op.create_table(
        "agreement_version",
        sa.Column("url", sa.String(1000), primary_key=True),
        sa.Column("agreement_url", sa.String(1000), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("partner_did", sa.String(400), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("proofs", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("digest", sa.String(64), nullable=True),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=True),
        sa.Column("decided_at", stamp, nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("delivery_state", sa.String(20), nullable=True),
        sa.Column("delivery_attempts", sa.Integer(), nullable=False),
        sa.Column("next_delivery_at", stamp, nullable=True),
        sa.Column("delivery_error", sa.Text(), nullable=True),
        sa.Column("learner_account_id", sa.String(36), nullable=True),
        sa.Column("learner_accepted_at", stamp, nullable=True),
        sa.Column("anchor_root", sa.String(64), nullable=True),
        sa.Column("anchor_state", sa.String(20), nullable=True),
        sa.Column("anchor_tx", sa.String(66), nullable=True),
        sa.Column("anchor_block", sa.Integer(), nullable=True),
        sa.Column("anchor_time", stamp, nullable=True),
        sa.Column("anchor_error", sa.Text(), nullable=True),
        sa.UniqueConstraint("agreement_url", "number", name="uq_agreement_version_number"),
    )
    op.create_index(
        "ix_agreement_version_delivery",
        "agreement_version",
        ["delivery_state", "next_delivery_at"],
    )
    op.create_index("ix_agreement_version_anchor", "agreement_version", ["anchor_state"])
    op.create_index("ix_agreement_version_partner_did", "agreement_version", ["partner_did"])


def downgrade() -> None:
    op.drop_table("agreement_version")
