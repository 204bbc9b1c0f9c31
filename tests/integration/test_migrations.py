"""Alembic: the migrations build exactly the models' schema, down and up again."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from node.db.engine import alembic_config, make_engine, migrate
from node.db.models import Base


def test_migrations_match_models_and_round_trip(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        migrate(engine)
        with engine.connect() as connection, warnings.catch_warnings():
            # SQLite has no PostgreSQL's GIN index of the search words; nor can alembic
            # reflect an expression index there (on PostgreSQL it is compared)
            warnings.filterwarnings(
                "ignore", "autogenerate skipping .* 'ix_record_search_words'; dialect 'sqlite'"
            )
            drift = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert drift == [], f"models and migrations differ: {drift}"
        command.downgrade(alembic_config(engine), "base")
        migrate(engine)
        migrate(engine)  # idempotent
    finally:
        engine.dispose()


def test_learner_attachments_follow_the_one_account_rule_after_upgrade(
    empty_database_url: str,
) -> None:
    """Rows made before the rule: a record on two accounts, an account holding another
    learner's record. The upgrade keeps only what the rule allows, then constrains it."""
    engine = make_engine(empty_database_url)
    config = alembic_config(engine)
    try:
        command.upgrade(config, "0008")
        now = datetime.now(UTC)
        record = sa.table(
            "credential_record",
            *(sa.column(c) for c in ("id", "state", "created_at")),
            sa.column("claims", sa.JSON),
        )
        account = sa.table(
            "learner_account", *(sa.column(c) for c in ("id", "email", "name", "created_at"))
        )
        attached = sa.table(
            "learner_credential", *(sa.column(c) for c in ("account_id", "record_id", "created_at"))
        )

        def claims(identifier: str) -> dict[str, Any]:
            return {"learner": {"identifier": identifier, "identifierType": "student-number"}}

        with engine.begin() as connection:
            for rid, who in (("r1", "S1"), ("r2", "S1"), ("r3", "S2"), ("r4", "S3"), ("r5", "S4")):
                connection.execute(
                    sa.insert(record).values(
                        id=rid, state="issued", created_at=now, claims=claims(who)
                    )
                )
            for n, aid in enumerate(("a", "b", "c")):
                connection.execute(
                    sa.insert(account).values(
                        id=aid, email=f"{aid}@example.org", name=aid, created_at=now + timedelta(n)
                    )
                )
            rows = [("a", "r1", 0), ("a", "r2", 1), ("b", "r1", 2), ("b", "r3", 3)]
            rows += [("c", "r4", 4), ("c", "r5", 5)]
            for aid, rid, n in rows:
                connection.execute(
                    sa.insert(attached).values(
                        account_id=aid, record_id=rid, created_at=now + timedelta(seconds=n)
                    )
                )
        migrate(engine)
        with engine.connect() as connection:
            kept = connection.execute(
                sa.text("SELECT account_id, record_id FROM learner_credential ORDER BY record_id")
            ).all()
            learners = connection.execute(
                sa.text("SELECT id, identifier FROM learner_account ORDER BY id")
            ).all()
        # a keeps r1 (earliest) and r2; b loses r1 and keeps its own r3; c's records name two
        # learners, so c names none and keeps neither.
        assert [tuple(r) for r in kept] == [("a", "r1"), ("a", "r2"), ("b", "r3")]
        assert [tuple(r) for r in learners] == [("a", "S1"), ("b", "S2"), ("c", None)]
    finally:
        engine.dispose()
