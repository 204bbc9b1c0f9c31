"""Catalogue import: an entry remembers the import key it came with

``catalogue_entry.import_key`` (unique; NULL for entries made one by one): the
institution's code of the course in an imported file (node/catalogue/csv_import.py), so
importing the file again — after a crash half-way, or by mistake — skips what is there.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A column and a unique index, no table rebuild: on SQLite a batch rebuild drops
    # catalogue_entry, and with foreign keys on, that cascades to every version.
    op.add_column("catalogue_entry", sa.Column("import_key", sa.String(200), nullable=True))
    op.create_index("uq_catalogue_entry_import_key", "catalogue_entry", ["import_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_catalogue_entry_import_key", table_name="catalogue_entry")
    op.drop_column("catalogue_entry", "import_key")  # SQLite ≥ 3.35 drops it in place
