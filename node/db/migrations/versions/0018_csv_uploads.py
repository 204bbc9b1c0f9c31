"""The console's CSV uploads: the file, its preview, its run's progress and problems

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamp = sa.DateTime(timezone=True)
    op.create_table(
        "csv_upload",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "staff_account_id",
            sa.Integer(),
            sa.ForeignKey("staff_account.id", name="fk_upload_staff"),
            nullable=False,
        ),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "rows",
                "to_prepare",
                "to_skip",
                "to_reject",
                "done",
                "prepared",
                "skipped",
                "rejected",
            )
        ),
        sa.Column("lease_until", stamp, nullable=True),
        sa.Column("finished_at", stamp, nullable=True),
    )
    op.create_index("ix_csv_upload_state", "csv_upload", ["state"])
    op.create_table(
        "csv_upload_problem",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "upload_id",
            sa.String(36),
            sa.ForeignKey("csv_upload.id", name="fk_upload_problem_upload", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("phase", sa.String(10), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("element", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_upload_problem", "csv_upload_problem", ["upload_id", "phase", "line"])


def downgrade() -> None:
    op.drop_index("ix_upload_problem", table_name="csv_upload_problem")
    op.drop_table("csv_upload_problem")
    op.drop_index("ix_csv_upload_state", table_name="csv_upload")
    op.drop_table("csv_upload")
