"""Registry search: a record's words indexed by (record_id, term), one seek per check

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_record_search_term_record_term", "record_search_term", ["record_id", "term"]
    )
    op.drop_index("ix_record_search_term_record_id", table_name="record_search_term")


def downgrade() -> None:
    op.create_index("ix_record_search_term_record_id", "record_search_term", ["record_id"])
    op.drop_index("ix_record_search_term_record_term", table_name="record_search_term")
