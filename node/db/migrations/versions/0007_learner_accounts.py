"""learner accounts: sign-in links and sessions, their credentials, OpenID4VCI authorization
code flow (wallet_authorization), learner-created share links

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column[object]]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "learner_account",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        *_timestamps(),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["api_token.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "learner_credential",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(["account_id"], ["learner_account.id"]),
        sa.ForeignKeyConstraint(["record_id"], ["credential_record.id"]),
        sa.PrimaryKeyConstraint("account_id", "record_id"),
    )
    op.create_index("ix_learner_credential_record_id", "learner_credential", ["record_id"])
    for table in ("learner_login_link", "learner_session"):
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("account_id", sa.String(length=36), nullable=False),
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column(
                "used_at" if table == "learner_login_link" else "revoked_at",
                sa.DateTime(timezone=True),
                nullable=True,
            ),
            *_timestamps(),
            sa.ForeignKeyConstraint(["account_id"], ["learner_account.id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("token_hash"),
        )
        op.create_index(f"ix_{table}_account_id", table, ["account_id"])
    op.create_table(
        "wallet_authorization",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=400), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=True),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("configuration_ids", sa.JSON(), nullable=False),
        sa.Column("authorization_details", sa.JSON(), nullable=True),
        sa.Column("offer_id", sa.String(length=36), nullable=True),
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("record_id", sa.String(length=36), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["offer_id"], ["wallet_offer.id"]),
        sa.ForeignKeyConstraint(["account_id"], ["learner_account.id"]),
        sa.ForeignKeyConstraint(["record_id"], ["credential_record.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    op.create_index("ix_wallet_authorization_account_id", "wallet_authorization", ["account_id"])
    with op.batch_alter_table("wallet_access_token") as batch:
        batch.alter_column("offer_id", existing_type=sa.String(length=36), nullable=True)
        batch.add_column(sa.Column("authorization_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key(
            "fk_wallet_access_token_authorization",
            "wallet_authorization",
            ["authorization_id"],
            ["id"],
        )
        batch.create_index("ix_wallet_access_token_authorization_id", ["authorization_id"])
    with op.batch_alter_table("share_link") as batch:
        batch.add_column(sa.Column("learner_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key("fk_share_link_learner", "learner_account", ["learner_id"], ["id"])
        batch.create_index("ix_share_link_learner_id", ["learner_id"])


def downgrade() -> None:
    with op.batch_alter_table("share_link") as batch:
        batch.drop_index("ix_share_link_learner_id")
        batch.drop_constraint("fk_share_link_learner", type_="foreignkey")
        batch.drop_column("learner_id")
    with op.batch_alter_table("wallet_access_token") as batch:
        batch.drop_index("ix_wallet_access_token_authorization_id")
        batch.drop_constraint("fk_wallet_access_token_authorization", type_="foreignkey")
        batch.drop_column("authorization_id")
        batch.alter_column("offer_id", existing_type=sa.String(length=36), nullable=False)
    op.drop_index("ix_wallet_authorization_account_id", table_name="wallet_authorization")
    op.drop_table("wallet_authorization")
    for table in ("learner_session", "learner_login_link"):
        op.drop_index(f"ix_{table}_account_id", table_name=table)
        op.drop_table(table)
    op.drop_index("ix_learner_credential_record_id", table_name="learner_credential")
    op.drop_table("learner_credential")
    op.drop_table("learner_account")
