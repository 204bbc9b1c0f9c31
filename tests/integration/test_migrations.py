"""Alembic: the migrations build exactly the models' schema, down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from node.db.engine import alembic_config, make_engine, migrate
from node.db.models import Base


def test_migrations_match_models_and_round_trip(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            drift = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert drift == [], f"models and migrations differ: {drift}"
        command.downgrade(alembic_config(engine), "base")
        migrate(engine)
        migrate(engine)  # idempotent
    finally:
        engine.dispose()
