"""Registry search: each record's words on the record itself, GIN-indexed on PostgreSQL

``credential_record.search_text`` holds the record's search words, each after a space
(node/credentials/search.py). A walk over the newest records checks it row by row instead of
seeking the term index once per record and word; on PostgreSQL a GIN index over its words
(a tsvector of them verbatim, no dictionary) intersects several common prefixes at once.
Existing rows are filled from ``record_search_term`` (at 1,000,000 records: ~3 minutes on
PostgreSQL, then ~40 s for the index).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# The expression the registry's PostgreSQL search repeats (node/issuance/registry.py).
GIN_WORDS = "array_to_tsvector(string_to_array(ltrim(search_text), ' '))"


def upgrade() -> None:
    with op.batch_alter_table("credential_record") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "UPDATE credential_record r SET search_text = t.words FROM ("
            " SELECT record_id, ' ' || string_agg(term, ' ' ORDER BY term) AS words"
            " FROM record_search_term GROUP BY record_id) t WHERE t.record_id = r.id"
        )
        op.execute(
            f"CREATE INDEX ix_record_search_words ON credential_record USING gin ({GIN_WORDS})"
        )
    else:
        op.execute(
            "UPDATE credential_record SET search_text = (SELECT ' ' || group_concat(term, ' ')"
            " FROM record_search_term t WHERE t.record_id = credential_record.id)"
            " WHERE owner = 'institution'"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_record_search_words")
    with op.batch_alter_table("credential_record") as batch:
        batch.drop_column("search_text")
