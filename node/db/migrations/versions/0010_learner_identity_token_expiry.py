"""A learner account names its learner and each record belongs to one account; API tokens
get an expiry and a last-used time

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-01

Existing attachments are made to follow the rule before the unique constraints go on: a
record attached to several accounts stays with the earliest; an account whose records all
name one learner (not already another account's) takes that learner's identifier; every
attachment that does not name the account's learner is removed (the records stay; the
institution attaches them again to the right account).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

_account = sa.table(
    "learner_account",
    sa.column("id", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("identifier_type", sa.String),
    sa.column("identifier", sa.String),
)
_attached = sa.table(
    "learner_credential",
    sa.column("account_id", sa.String),
    sa.column("record_id", sa.String),
    sa.column("created_at", sa.DateTime),
)
_record = sa.table("credential_record", sa.column("id", sa.String), sa.column("claims", sa.JSON))


def _named(claims: Any) -> tuple[str, str] | None:
    learner = claims.get("learner") if isinstance(claims, dict) else None
    if not isinstance(learner, dict) or not isinstance(learner.get("identifier"), str):
        return None
    kind = learner.get("identifierType")
    return (kind if isinstance(kind, str) else "student-number", learner["identifier"].strip())


def _follow_the_rule() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_attached.c.account_id, _attached.c.record_id, _record.c.claims)
        .join(_record, _record.c.id == _attached.c.record_id)
        .order_by(_attached.c.created_at, _attached.c.account_id)
    ).all()
    owner: dict[str, str] = {}  # record → the earliest account it was attached to
    named: dict[str, set[tuple[str, str] | None]] = {}
    for account_id, record_id, claims in rows:
        owner.setdefault(record_id, account_id)
        if owner[record_id] == account_id:
            named.setdefault(account_id, set()).add(_named(claims))
    taken: set[tuple[str, str]] = set()
    learner_of: dict[str, tuple[str, str]] = {}
    for account_id in connection.scalars(
        sa.select(_account.c.id).order_by(_account.c.created_at, _account.c.id)
    ):
        found = named.get(account_id, set())
        only = next(iter(found)) if len(found) == 1 else None
        if only is not None and only not in taken:
            taken.add(only)
            learner_of[account_id] = only
            connection.execute(
                sa.update(_account)
                .where(_account.c.id == account_id)
                .values(identifier_type=only[0], identifier=only[1])
            )
    for account_id, record_id, claims in rows:
        keep = owner[record_id] == account_id and learner_of.get(account_id) == _named(claims)
        if not keep:
            connection.execute(
                sa.delete(_attached).where(
                    _attached.c.account_id == account_id, _attached.c.record_id == record_id
                )
            )


def upgrade() -> None:
    # Plain ADD COLUMN and unique indexes: SQLite does them in place, without rebuilding
    # tables that others reference (which foreign keys would refuse once rows exist).
    op.add_column("api_token", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("api_token", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "learner_account", sa.Column("identifier_type", sa.String(length=20), nullable=True)
    )
    op.add_column("learner_account", sa.Column("identifier", sa.String(length=500), nullable=True))
    _follow_the_rule()
    op.create_index(
        "uq_learner_account_identifier",
        "learner_account",
        ["identifier_type", "identifier"],
        unique=True,
    )
    op.drop_index("ix_learner_credential_record_id", table_name="learner_credential")
    op.create_index(
        "ix_learner_credential_record_id", "learner_credential", ["record_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_learner_credential_record_id", table_name="learner_credential")
    op.create_index("ix_learner_credential_record_id", "learner_credential", ["record_id"])
    op.drop_index("uq_learner_account_identifier", table_name="learner_account")
    with op.batch_alter_table("learner_account") as batch:
        batch.drop_column("identifier")
        batch.drop_column("identifier_type")
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
