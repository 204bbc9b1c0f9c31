"""Staff accounts (password + TOTP, or OpenID Connect), console sessions, pending SSO

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamp = sa.DateTime(timezone=True)
    op.create_table(
        "staff_account",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("totp_sealed", sa.String(200), nullable=True),
        sa.Column("totp_pending", sa.String(200), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("oidc_issuer", sa.String(300), nullable=True),
        sa.Column("oidc_subject", sa.String(300), nullable=True),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("last_sign_in_at", stamp, nullable=True),
        sa.Column("disabled_at", stamp, nullable=True),
    )
    op.create_index(
        "uq_staff_account_oidc", "staff_account", ["oidc_issuer", "oidc_subject"], unique=True
    )
    op.create_table(
        "staff_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("staff_account.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("purpose", sa.String(10), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("expires_at", stamp, nullable=False),
        sa.Column("revoked_at", stamp, nullable=True),
        sa.Column("created_at", stamp, nullable=False),
    )
    op.create_index("ix_staff_session_account_id", "staff_session", ["account_id"])
    op.create_table(
        "staff_sso_login",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("state_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("nonce", sa.String(100), nullable=False),
        sa.Column("code_verifier", sa.String(100), nullable=False),
        sa.Column("next_path", sa.String(2000), nullable=False),
        sa.Column("expires_at", stamp, nullable=False),
        sa.Column("used_at", stamp, nullable=True),
        sa.Column("created_at", stamp, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("staff_sso_login")
    op.drop_index("ix_staff_session_account_id", table_name="staff_session")
    op.drop_table("staff_session")
    op.drop_index("uq_staff_account_oidc", table_name="staff_account")
    op.drop_table("staff_account")
