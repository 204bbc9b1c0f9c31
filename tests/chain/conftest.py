"""Fixtures for the chain client behaviour suite: every backend behind one ``chain`` fixture.

* ``embedded`` — :class:`~anchoring.EmbeddedChainClient` in a fresh temporary directory;
* ``anvil`` — :class:`~anchoring.Web3ChainClient` against the session's anvil
  (``tests/anvil.py``: pinned npm package, 127.0.0.1, free port, zero gas price; it fails,
  never skips, when anvil cannot start).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from anchoring import ChainClient, EmbeddedChainClient, Web3ChainClient
from tests.anvil import rpc

ANVIL_CHAIN_ID = 31337
EMBEDDED_CHAIN_ID = 1337
FUNDS = 10**21


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
