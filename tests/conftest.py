"""Shared fixtures: a node on SQLite and on PostgreSQL, with an institution and tokens.

PostgreSQL is not optional: every machine here runs one (127.0.0.1:5432), so the PostgreSQL
variants fail rather than skip when it is unreachable. ``CREDREG_TEST_POSTGRES_URL`` names
the server's maintenance database; each test session creates and drops its own database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from node.app import create_app
from node.db.models import Role
from node.db.scratch import reset_schema, scratch_database
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


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    admin_url = os.environ.get("CREDREG_TEST_POSTGRES_URL", DEFAULT_PG)
    with scratch_database(admin_url, "credreg_test") as url:
        yield url


@pytest.fixture
def database_url_postgresql(postgres_server_url: str) -> str:
    """An empty PostgreSQL database (the session's, reset)."""
    reset_schema(postgres_server_url)
    return postgres_server_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'node.db'}"
    url: str = request.getfixturevalue("database_url_postgresql")
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


def start_node(settings: Settings) -> RunningNode:
    app = create_app(settings)
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
