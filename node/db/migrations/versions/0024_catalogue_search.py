"""Catalogue search: one index row per entry on offer, full text per language

``catalogue_search`` (node/catalogue/search.py) holds, for each entry on offer (this
institution's or a member's kept copy), its newest version's filter values and its words in
each of the four languages. PostgreSQL: a GIN index per language over
``to_tsvector(<its configuration>, text_<lang>)``. SQLite: an FTS5 table over the four text
columns (external content), kept in step by triggers. Existing versions are indexed.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

CONFIGS = {"en": "english", "de": "german", "es": "spanish", "fi": "finnish"}
COLUMNS = ", ".join(f"text_{lang}" for lang in CONFIGS)
NEW = ", ".join(f"new.text_{lang}" for lang in CONFIGS)
OLD = ", ".join(f"old.text_{lang}" for lang in CONFIGS)
FTS_DELETE = (
    f"INSERT INTO catalogue_search_fts(catalogue_search_fts, rowid, {COLUMNS})"
    f" VALUES ('delete', old.id, {OLD});"
)
FTS_INSERT = f"INSERT INTO catalogue_search_fts(rowid, {COLUMNS}) VALUES (new.id, {NEW});"


def upgrade() -> None:
    op.create_table(
        "catalogue_search",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entry_url", sa.String(1000), nullable=False, unique=True),
        sa.Column("version_url", sa.String(1000), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("institution_did", sa.String(400), nullable=False),
        sa.Column("field_of_study", sa.String(4), nullable=False),
        sa.Column("eqf_level", sa.Integer(), nullable=False),
        sa.Column("ects", sa.Double(), nullable=True),
        sa.Column("languages", sa.String(200), nullable=False),
        sa.Column("participation", sa.String(20), nullable=False),
        sa.Column("free_start", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        *(sa.Column(f"text_{lang}", sa.Text(), nullable=False) for lang in CONFIGS),
    )
    op.create_index("ix_catalogue_search_published", "catalogue_search", ["published_at"])
    op.create_index("ix_catalogue_search_institution_did", "catalogue_search", ["institution_did"])
    if op.get_bind().dialect.name == "postgresql":
        for lang, config in CONFIGS.items():  # stored: no to_tsvector per row at query time
            op.execute(
                f"ALTER TABLE catalogue_search ADD COLUMN tsv_{lang} tsvector GENERATED ALWAYS"
                f" AS (to_tsvector('{config}'::regconfig, text_{lang})) STORED"
            )
            op.execute(
                f"CREATE INDEX ix_catalogue_search_tsv_{lang} ON catalogue_search"
                f" USING gin (tsv_{lang})"
            )
    else:
        op.execute(
            f"CREATE VIRTUAL TABLE catalogue_search_fts USING fts5({COLUMNS},"
            " content='catalogue_search', content_rowid='id',"
            " tokenize='porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER catalogue_search_ai AFTER INSERT ON catalogue_search"
            f" BEGIN {FTS_INSERT} END"
        )
        op.execute(
            "CREATE TRIGGER catalogue_search_ad AFTER DELETE ON catalogue_search"
            f" BEGIN {FTS_DELETE} END"
        )
        op.execute(
            "CREATE TRIGGER catalogue_search_au AFTER UPDATE ON catalogue_search"
            f" BEGIN {FTS_DELETE} {FTS_INSERT} END"
        )
    _index_existing()


def _index_existing() -> None:
    """Every entry on offer, at its newest version on offer (the app's row builder; the
    versions are read with this revision's columns)."""
    from node.catalogue.search_index import search_row

    bind = op.get_bind()
    own = sa.table(
        "catalogue_version", *map(sa.column, ("number", "state")), sa.column("document", sa.JSON)
    )
    peer = sa.table(
        "peer_catalogue_version",
        *map(sa.column, ("member_id", "number", "state")),
        sa.column("document", sa.JSON),
    )
    newest: dict[str, tuple[int, dict[str, Any], int | None]] = {}
    rows = [
        (n, d, None)
        for n, d in bind.execute(
            sa.select(own.c.number, own.c.document).where(own.c.state == "published")
        )
    ]
    rows += [
        (n, d, m)
        for m, n, d in bind.execute(
            sa.select(peer.c.member_id, peer.c.number, peer.c.document).where(
                peer.c.state == "published"
            )
        )
    ]
    for number, document, member_id in rows:
        known = newest.get(document["entry"])
        if known is None or known[0] < number:
            newest[document["entry"]] = (number, document, member_id)
    for _, document, member_id in newest.values():
        row = search_row(document, member_id)
        bind.execute(sa.table("catalogue_search", *map(sa.column, row)).insert().values(**row))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER catalogue_search_{trigger}")
        op.execute("DROP TABLE catalogue_search_fts")
    op.drop_table("catalogue_search")
