"""Anchoring library: chain clients, nonce management, embedded py-evm chain, Merkle trees.

No web framework, no SQL ORM, nothing at import time (docs/architecture.md, "Layers").

Chain clients — one interface, two implementations that behave the same::

    ChainClient                  (Protocol, anchoring.chain)
    ├── EmbeddedChainClient      py-evm in process, persisted in SQLite (anchoring.embedded)
    └── Web3ChainClient          any JSON-RPC endpoint via web3.py: anvil, Besu QBFT (anchoring.rpc)

Exceptions — every client failure is one of these; raw web3 / requests / py-evm exceptions
never escape::

    ChainError
    ├── ChainUnavailable         connection refused, timeout, HTTP error: degrade and retry
    ├── ContractMissing          a call answered nothing: no contract at that address
    ├── ContractReverted         call / gas estimate reverted; .data, .selector, .reason
    ├── TransactionFailed        mined with status 0; .receipt
    ├── TransactionRejected      refused before mining (nonce too low, ...); nonce resynced
    ├── ChainLocked              the embedded chain's directory is owned by another client
    └── ReceiptTimeout           not mined (to the requested depth) in time; nonce resynced

Usage::

    from anchoring import EmbeddedChainClient
    with EmbeddedChainClient(data_dir / "chain", funded={account.address: 10**18}) as chain:
        tx_hash = chain.send(account, registry_address, calldata)
        receipt = chain.wait_for_receipt(tx_hash)
"""

import importlib as _importlib
import typing as _typing

from anchoring.chain import Block, ChainClient, Log, Receipt
from anchoring.errors import (
    ChainError,
    ChainLocked,
    ChainUnavailable,
    ContractMissing,
    ContractReverted,
    ReceiptTimeout,
    TransactionFailed,
    TransactionRejected,
)
from anchoring.nonces import NonceManager

if _typing.TYPE_CHECKING:
    from anchoring.embedded import EmbeddedChainClient
    from anchoring.rpc import Web3ChainClient

# The two clients load py-evm and web3 (most of a second): they are imported on first use,
# so `from anchoring.errors import ChainError` stays cheap (PEP 562).
_CLIENTS = {"EmbeddedChainClient": "anchoring.embedded", "Web3ChainClient": "anchoring.rpc"}

__all__ = [
    "Block",
    "ChainClient",
    "ChainError",
    "ChainLocked",
    "ChainUnavailable",
    "ContractMissing",
    "ContractReverted",
    "EmbeddedChainClient",
    "Log",
    "NonceManager",
    "Receipt",
    "ReceiptTimeout",
    "TransactionFailed",
    "TransactionRejected",
    "Web3ChainClient",
]


def __getattr__(name: str) -> object:
    module = _CLIENTS.get(name)
    if module is None:
        raise AttributeError(f"module 'anchoring' has no attribute {name!r}")
    client = getattr(_importlib.import_module(module), name)
    globals()[name] = client
    return client
