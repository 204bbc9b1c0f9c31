"""A real `credreg serve` process and headless Debian Chromium driven by Playwright.

Chromium comes from Debian (`make chromium` installs it; Playwright's own browser download
cannot work here), so Playwright is pointed at /usr/bin/chromium. Nothing here skips: a
missing browser fails the suite.
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from node.credentials.examples import example_claims
from tests.anvil import free_port
from tests.conftest import PASSPHRASE
from tests.e2e.test_serve import Server, run_credreg

LEARNER = "S200071"  # the one learner the prepared credentials are awarded to
CHROMIUM = os.environ.get("CREDREG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def wait_for(predicate: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, message
        time.sleep(0.3)


@dataclass
class Node:
    server: Server
    token: str
    credentials: dict[str, Any] = field(default_factory=dict)
    records: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def issue(self, n: int, learner: str = LEARNER) -> tuple[str, Any]:
        """Example claims ``n`` awarded to the learner ``learner`` (a student number)."""
        claims = example_claims(n)
        claims["learner"]["identifier"] = learner
        response = httpx.post(
            f"{self.url}/admin/credentials",
            json={"claims": claims, "formats": ["ldp_vc+eddsa-jcs-2022"]},
            headers=self.headers(),
            timeout=60,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return body["id"], body["credentials"][0]["credential"]

    def verdict(self, credential: Any) -> str:
        response = httpx.post(f"{self.url}/api/verify", json={"credential": credential}, timeout=30)
        assert response.status_code == 200, response.text
        verdict: str = response.json()["verdict"]
        return verdict


@pytest.fixture(scope="session")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    tmp: Path = tmp_path_factory.mktemp("browser-node")
    env = {
        **os.environ,
        "CREDREG_DATA_DIR": str(tmp / "data"),
        "CREDREG_KEY_PASSPHRASE": PASSPHRASE,
        "CREDREG_PORT": str(free_port()),
        "CREDREG_ANCHOR_WINDOW_SECONDS": "1",
        "CREDREG_PUBLIC_RATE_LIMIT": "0",
    }
    env["CREDREG_ORIGIN"] = f"http://127.0.0.1:{env['CREDREG_PORT']}"
    init = run_credreg(
        env, "init", "--name", "Browser U", "--country", "DE", "--origin", env["CREDREG_ORIGIN"]
    )
    assert init.returncode == 0, init.stderr
    token = run_credreg(env, "token", "create", "--role", "issuer").stdout.strip()
    server = Server(env, tmp / "serve.log")
    server.start()
    running = Node(server, token)
    try:
        _prepare(running)
        yield running
    finally:
        server.stop()


def _prepare(node: Node) -> None:
    """A valid, a tampered, a revoked, a suspended and an unknown-issuer credential."""
    for name, n in (("valid", 71), ("revoked", 72), ("suspended", 73)):
        node.records[name], node.credentials[name] = node.issue(n)
    wait_for(
        lambda: node.verdict(node.credentials["valid"]) == "valid",
        60,
        "the node did not anchor and publish the status lists",
    )
    for action in ("revoke", "suspend"):
        name = f"{action}d" if action == "revoke" else "suspended"
        response = httpx.post(
            f"{node.url}/admin/credentials/{node.records[name]}/{action}",
            json={"reason": "browser test"},
            headers=node.headers(),
            timeout=30,
        )
        assert response.status_code == 200, response.text
        wait_for(
            lambda name=name: node.verdict(node.credentials[name]) == name,  # type: ignore[misc]
            60,
            f"the {name} credential never verified as {name}",
        )
    tampered = copy.deepcopy(node.credentials["valid"])
    tampered["credentialSubject"]["creditsEarned"] = 60
    node.credentials["tampered"] = tampered
    foreign = copy.deepcopy(node.credentials["valid"])
    foreign["issuer"]["id"] = "did:web:diploma-mill.example"
    foreign["proof"]["verificationMethod"] = "did:web:diploma-mill.example#ed25519-1"
    node.credentials["unknown_issuer"] = foreign


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make chromium`"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    try:
        yield context.new_page()
    finally:
        context.close()
