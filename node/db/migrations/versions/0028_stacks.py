"""Stack rules (immutable versions, each anchored as a one-leaf root) and learners'
progress towards a micro-degree

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamp = sa.DateTime(timezone=True)
    op.create_table(
        "stack_rule_version",
        sa.Column("url", sa.String(1000), primary_key=True),
        sa.Column("stack_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("entry", sa.String(1000), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=True),
        sa.Column("anchor_root", sa.String(64), nullable=True),
        sa.Column("anchor_state", sa.String(20), nullable=True),
        sa.Column("anchor_tx", sa.String(66), nullable=True),
        sa.Column("anchor_block", sa.Integer(), nullable=True),
        sa.Column("anchor_time", stamp, nullable=True),
        sa.Column("anchor_error", sa.Text(), nullable=True),
        sa.UniqueConstraint("stack_id", "version", name="uq_stack_rule_version"),
    )
    op.create_index("ix_stack_rule_version_anchor", "stack_rule_version", ["anchor_state"])
    op.create_table(
        "stack_progress",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("stack_id", sa.String(36), nullable=False),
        sa.Column("rule_url", sa.String(1000), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("presentation_request_id", sa.String(36), nullable=True, unique=True),
        sa.Column("learner_account_id", sa.String(36), nullable=True),
        sa.Column("learner_name", sa.String(400), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=True),
        sa.Column("satisfied", sa.Boolean(), nullable=False),
        sa.Column("pending", sa.JSON(), nullable=True),
        sa.Column("parts_key", sa.String(64), nullable=True, unique=True),
        sa.Column("record_id", sa.String(36), nullable=True),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=True),
        sa.Column("issued_at", stamp, nullable=True),
    )
    op.create_index("ix_stack_progress_stack", "stack_progress", ["stack_id", "created_at"])
    op.create_index(
        "ix_stack_progress_learner_account_id", "stack_progress", ["learner_account_id"]
    )


def downgrade() -> None:
    op.drop_table("stack_progress")
    op.drop_table("stack_rule_version")
