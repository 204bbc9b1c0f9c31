"""Alembic: the migrations build exactly the models' schema, down and up again."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from node.catalogue.entries import digest_of
from node.catalogue.samples import SAMPLES
from node.catalogue.search import CatalogueQuery, CatalogueSearcher
from node.db.engine import alembic_config, make_engine, migrate, session_factory
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
            # The catalogue's full text is the migration's alone (0024), per dialect: SQLite's
            # FTS5 virtual table (and its shadow tables), PostgreSQL's generated tsvector
            # columns and their GIN indexes
            context = MigrationContext.configure(
                connection,
                opts={"include_name": lambda name, kind, _parent: not _fts(name, kind)},
            )
            drift = compare_metadata(context, Base.metadata)
        assert drift == [], f"models and migrations differ: {drift}"
        command.downgrade(alembic_config(engine), "base")
        migrate(engine)
        migrate(engine)  # idempotent
    finally:
        engine.dispose()


def _fts(name: str | None, kind: str) -> bool:
    name = name or ""
    return (
        (kind == "table" and name.startswith("catalogue_search_fts"))
        or (kind == "column" and name.startswith("tsv_"))
        or (kind == "index" and name.startswith("ix_catalogue_search_tsv_"))
    )


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


def test_versions_published_before_the_search_index_are_indexed(empty_database_url: str) -> None:
    """Upgrading from 0023 keeps every version and indexes what was on offer: the newest
    published version of each entry (not a withdrawn one), words and filters both."""
    engine = make_engine(empty_database_url)
    try:
        command.upgrade(alembic_config(engine), "0023")
        now = datetime.now(UTC)
        entry = sa.table("catalogue_entry", *(sa.column(c) for c in ("id", "created_at")))
        version = sa.table(
            "catalogue_version",
            *(sa.column(c) for c in ("entry_id", "number", "state", "updated_at", "digest")),
            sa.column("content", sa.JSON),
            sa.column("document", sa.JSON),
        )

        def document(number: int, content: dict[str, Any]) -> dict[str, Any]:
            url = "https://uni-a.example/catalogue/e1"
            return {
                "id": f"{url}/versions/{number}",
                "entry": url,
                "version": number,
                "publishedAt": now.isoformat(),
                "institution": {"id": "did:web:uni-a.example", "name": "Uni A", "country": "FI"},
                "content": content,
            }

        with engine.begin() as connection:
            connection.execute(sa.insert(entry).values(id="e1", created_at=now))
            for number, state, content in (
                (1, "published", SAMPLES[2]),
                (2, "withdrawn", SAMPLES[0]),
            ):
                connection.execute(
                    sa.insert(version).values(
                        entry_id="e1",
                        number=number,
                        state=state,
                        updated_at=now,
                        content=content,
                        document=document(number, content),
                        digest=digest_of(document(number, content)),
                    )
                )
        migrate(engine)
        with engine.connect() as connection:  # nothing lost on the way (no table rebuilt
            # under a cascading foreign key: 0025 once dropped every version on SQLite)
            kept = connection.execute(sa.text("SELECT count(*) FROM catalogue_version"))
            assert kept.scalar_one() == 2
        searcher = CatalogueSearcher(session_factory(engine), dict)
        with engine.connect() as connection:
            urls = connection.execute(sa.text("SELECT version_url FROM catalogue_search")).all()
        assert urls == [("https://uni-a.example/catalogue/e1/versions/1",)]
        assert searcher.search(CatalogueQuery(text="ethics")).total == 0  # version 2's words
        found = searcher.search(CatalogueQuery(text="kiertotal", language="fi"))
        assert found.total == 1 and found.hits[0].document == document(1, SAMPLES[2])
    finally:
        engine.dispose()
