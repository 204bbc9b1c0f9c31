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
    with op.batch_alter_table("catalogue_entry") as batch:
        batch.add_column(sa.Column("import_key", sa.String(200), nullable=True))
        batch.create_unique_constraint("uq_catalogue_entry_import_key", ["import_key"])


def downgrade() -> None:
    with op.batch_alter_table("catalogue_entry") as batch:
        batch.drop_constraint("uq_catalogue_entry_import_key", type_="unique")
        batch.drop_column("import_key")
