"""Recognition cases: a learner's request, its evidence and conditions, the decision and
its credential, an appeal; each credential recognised, once per programme and agreement

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamp = sa.DateTime(timezone=True)
    op.create_table(
        "recognition_case",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("route", sa.String(20), nullable=False),
        sa.Column("agreement_url", sa.String(1000), nullable=True),
        sa.Column("agreement_digest", sa.String(64), nullable=True),
        sa.Column("learning_agreement_url", sa.String(1000), nullable=True),
        sa.Column("programme", sa.String(200), nullable=False),
        sa.Column("presentation_request_id", sa.String(36), nullable=True, unique=True),
        sa.Column("learner_account_id", sa.String(36), nullable=True),
        sa.Column("learner_name", sa.String(400), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("ects", sa.Double(), nullable=True),
        sa.Column("converted_grade", sa.String(100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decision_record_id", sa.String(36), nullable=True),
        sa.Column("deciding_since", stamp, nullable=True),
        sa.Column("pending_decision", sa.JSON(), nullable=True),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=True),
        sa.Column("decided_at", stamp, nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("appeal_text", sa.Text(), nullable=True),
        sa.Column("appealed_at", stamp, nullable=True),
        sa.Column("appeal_outcome", sa.String(20), nullable=True),
        sa.Column("appeal_reason", sa.Text(), nullable=True),
        sa.Column("appeal_decided_at", stamp, nullable=True),
        sa.Column("appeal_decided_by", sa.String(200), nullable=True),
    )
    op.create_index("ix_recognition_case_state", "recognition_case", ["state", "created_at"])
    op.create_index(
        "ix_recognition_case_learner_account_id", "recognition_case", ["learner_account_id"]
    )
    op.create_table(
        "recognised_part",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("programme", sa.String(200), primary_key=True),
        sa.Column("agreement_url", sa.String(1000), primary_key=True),
        sa.Column(
            "case_id",
            sa.String(36),
            sa.ForeignKey("recognition_case.id", ondelete="CASCADE"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_table("recognised_part")
    op.drop_table("recognition_case")
