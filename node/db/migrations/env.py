"""Alembic environment: the engine is handed over by node.db.engine.migrate."""

from __future__ import annotations

from alembic import context

from node.db.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
