"""Fixtures for the contract tests: the session's anvil (tests/anvil.py), one snapshot a test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web3 import Web3
from web3.providers.rpc import HTTPProvider

from tests.contract.helpers import Chain, Network, deploy_network


@pytest.fixture(scope="session")
def w3(anvil_url: str) -> Web3:
    return Web3(HTTPProvider(anvil_url, request_kwargs={"timeout": 30}))


@pytest.fixture
def chain(w3: Web3) -> Iterator[Chain]:
    """The session's anvil, reverted to a snapshot after each test so tests do not interfere."""
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    try:
        yield Chain(w3)
    finally:
        reverted = w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
        assert reverted["result"] is True


@pytest.fixture
def net(chain: Chain) -> Network:
    """Registry, anchor and status contracts with two genesis members (ids 1 and 2)."""
    return deploy_network(chain)
