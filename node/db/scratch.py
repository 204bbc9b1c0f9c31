"""Throw-away PostgreSQL databases for tests and benchmarks (created, then dropped)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def scratch_database(admin_url: str, prefix: str = "credreg_scratch") -> Iterator[str]:
    """A new database on the server of ``admin_url``, dropped afterwards (even on failure)."""
    url = make_url(admin_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def reset_schema(url: str) -> None:
    """Empty the database: drop and recreate its public schema."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def copy_database(admin_url: str, template_url: str, target_url: str) -> None:
    """Replace the database of ``target_url`` by a copy of ``template_url``'s (unused)."""
    template, target = make_url(template_url).database, make_url(target_url).database
    admin = create_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{target}" TEMPLATE "{template}"'))
    finally:
        admin.dispose()
