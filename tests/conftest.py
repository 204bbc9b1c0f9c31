"""Shared fixtures: a node on SQLite and on PostgreSQL, with an institution and tokens.

PostgreSQL is not optional: every machine here runs one (127.0.0.1:5432), so the PostgreSQL
variants fail rather than skip when it is unreachable. ``CREDREG_TEST_POSTGRES_URL`` names
the server's maintenance database; each test session creates and drops its own database.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from node.app import create_app
from node.db.engine import make_engine, migrate
from node.db.models import Role
from node.db.scratch import copy_database, reset_schema, scratch_database
from node.keys.keystore import KeyStore, MemoryKeyStore
from node.runtime import NodeRuntime
from node.settings import Settings
from node.setup import create_institution
from node.tokens import create_token
from tests import anvil

PASSPHRASE = "correct horse battery staple"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def anvil_url() -> Iterator[str]:
    """URL of one anvil for the session (chain id 31337, zero gas price and base fee)."""
    process, url, _startup = anvil.start(anvil.anvil_binary())
    try:
        yield url
    finally:
        anvil.stop(process)


def _admin_url() -> str:
    return os.environ.get("CREDREG_TEST_POSTGRES_URL", DEFAULT_PG)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    with scratch_database(_admin_url(), "credreg_test") as url:
        yield url


@pytest.fixture(scope="session")
def postgres_template_url() -> Iterator[str]:
    """A PostgreSQL database migrated to the latest revision once per session: the template
    each test's database is copied from (Alembic from empty runs in the migration tests)."""
    with scratch_database(_admin_url(), "credreg_template") as url:
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()  # CREATE DATABASE … TEMPLATE needs the template unused
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once per session, copied for each test."""
    path = tmp_path_factory.mktemp("sqlite-template") / "node.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the main file
    engine.dispose()
    return path


@pytest.fixture
def empty_database_url_postgresql(postgres_server_url: str) -> str:
    """An empty PostgreSQL database (the session's, reset)."""
    reset_schema(postgres_server_url)
    return postgres_server_url


@pytest.fixture
def database_url_postgresql(postgres_server_url: str, postgres_template_url: str) -> str:
    """The session's PostgreSQL database, a fresh copy of the migrated template."""
    copy_database(_admin_url(), postgres_template_url, postgres_server_url)
    return postgres_server_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database (a copy of the session's template), SQLite and PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "node.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        path.chmod(0o600)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("database_url_postgresql")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, for tests of the migrations themselves."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'node.db'}"
    url: str = request.getfixturevalue("empty_database_url_postgresql")
    return url


@dataclass
class RunningNode:
    client: TestClient
    settings: Settings
    issuer_token: str
    admin_token: str
    vcapi_token: str

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.issuer_token}"}

    @property
    def runtime(self) -> NodeRuntime:
        runtime: NodeRuntime = self.client.app.state.runtime  # type: ignore[attr-defined]
        return runtime

    def anchor_all(self) -> None:
        """Anchor every pending credential and status list version now."""
        self.runtime.anchor_worker().run_once(force=True)
        self.runtime.ledger_rounds().run_once()


def make_settings(data_dir: Path, database_url: str, **overrides: object) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        origin="https://uni-a.example",
        key_passphrase=PASSPHRASE,
        sign_workers=2,
        **overrides,  # type: ignore[arg-type]
    )


_MEMORY_KEYS: dict[Path, MemoryKeyStore] = {}


def memory_keys(data_dir: Path) -> Callable[[], KeyStore]:
    """The in-memory key store of the node in ``data_dir`` (the same one when the node is
    started again in that folder): no scrypt per key. The file key store has its own tests
    and serves every node started as a process."""
    store = _MEMORY_KEYS.setdefault(data_dir.resolve(), MemoryKeyStore())
    return lambda: store


def start_node(settings: Settings, *, file_keys: bool = False) -> RunningNode:
    """A node in this process. ``file_keys``: keep its keys in the encrypted file store, for
    tests that also run ``credreg`` processes on its data folder."""
    app = create_app(
        settings, keystore_factory=None if file_keys else memory_keys(settings.data_dir)
    )
    runtime = app.state.runtime
    create_institution(
        runtime.sessions,
        runtime.keystore,
        name="Universidad Ejemplo",
        country="ES",
        legal_status="public-institution",
        origin=settings.origin,
    )
    with runtime.sessions() as session:
        tokens = {role: create_token(session, role, "test") for role in Role}
        session.commit()
    client = TestClient(app, raise_server_exceptions=False)
    return RunningNode(
        client, settings, tokens[Role.ISSUER], tokens[Role.ADMIN], tokens[Role.VC_API]
    )


@pytest.fixture
def node(tmp_path: Path, database_url: str) -> Iterator[RunningNode]:
    running = start_node(make_settings(tmp_path / "data", database_url, vc_api_enabled=True))
    with running.client:
        yield running
    running.client.app.state.runtime.close()  # type: ignore[attr-defined]
