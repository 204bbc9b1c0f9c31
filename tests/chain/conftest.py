"""Fixtures for the chain client behaviour suite: every backend behind one ``chain`` fixture.

* ``embedded`` — :class:`~anchoring.EmbeddedChainClient` in a fresh temporary directory;
* ``anvil`` — :class:`~anchoring.Web3ChainClient` against anvil from npm ``@foundry-rs/anvil``
  (pinned in ``tests/contract/package.json`` + lockfile, shared with the contract tests;
  ``npm ci --ignore-scripts`` there when the binary is missing),
  started on 127.0.0.1 with a free port and zero gas price. If anvil cannot be installed or
  started the tests fail; they never skip.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from anchoring import ChainClient, EmbeddedChainClient, Web3ChainClient

ANVIL_PACKAGE_DIR = Path(__file__).resolve().parents[1] / "contract"
ANVIL_CHAIN_ID = 31337
EMBEDDED_CHAIN_ID = 1337
FUNDS = 10**21


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _anvil_binary() -> Path:
    def find() -> Path | None:
        modules = ANVIL_PACKAGE_DIR / "node_modules" / "@foundry-rs"
        for candidate in sorted(modules.glob("anvil-*/bin/anvil")):
            if os.access(candidate, os.X_OK):
                return candidate
        return None

    binary = find()
    if binary is None:
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed to install @foundry-rs/anvil (tests/contract/package.json)")
        result = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=ANVIL_PACKAGE_DIR,
            capture_output=True,
            text=True,
            timeout=600,
        )
        binary = find()
        if result.returncode != 0 or binary is None:
            pytest.fail(f"npm ci for anvil failed:\n{result.stdout}\n{result.stderr}")
    return binary


def rpc(url: str, method: str, params: list[object] | None = None) -> object:
    """A raw JSON-RPC call (anvil_* / evm_* extensions the client does not wrap)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
    request = urllib.request.Request(
        url, body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        reply = json.loads(response.read())
    if "error" in reply:
        raise RuntimeError(f"{method}: {reply['error']}")
    return reply.get("result")


@pytest.fixture(scope="session")
def anvil_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = _anvil_binary()
    port = free_port()
    log = tmp_path_factory.mktemp("anvil") / "anvil.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                str(binary),
                "--host", "127.0.0.1",
                "--port", str(port),
                "--chain-id", str(ANVIL_CHAIN_ID),
                "--gas-price", "0",
                "--base-fee", "0",
                "--accounts", "1",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                rpc(url, "eth_chainId")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"anvil did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.1)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


@dataclass
class Backend:
    name: str
    client: ChainClient
    account: LocalAccount  # funded with FUNDS wei
    chain_id: int
    url: str | None = None  # JSON-RPC URL (anvil only)


@pytest.fixture(params=["embedded", "anvil"])
def chain(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    account: LocalAccount = Account.create()
    client: ChainClient
    if request.param == "embedded":
        client = EmbeddedChainClient(
            tmp_path / "chain", chain_id=EMBEDDED_CHAIN_ID, funded={account.address: FUNDS}
        )
        backend = Backend("embedded", client, account, EMBEDDED_CHAIN_ID)
    else:
        url: str = request.getfixturevalue("anvil_url")
        rpc(url, "anvil_setBalance", [account.address, hex(FUNDS)])
        client = Web3ChainClient(url)
        backend = Backend("anvil", client, account, ANVIL_CHAIN_ID, url)
    try:
        yield backend
    finally:
        client.close()
