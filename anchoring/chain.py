"""The chain client interface: one :class:`ChainClient` protocol, value types, shared helpers.

Modelled on web3.py's provider boundary: the node and the contract bindings speak only this
interface; :class:`~anchoring.embedded.EmbeddedChainClient` (py-evm in process, persisted on disk)
and :class:`~anchoring.rpc.Web3ChainClient` (any JSON-RPC endpoint: anvil, Besu QBFT) implement
it with the same observable behaviour, checked by one behaviour test suite run against both.

Conventions: hashes and call data are ``bytes``; addresses are returned as EIP-55 checksummed
``str`` and accepted in any case; ``block=None`` means the latest block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from anchoring.nonces import NonceManager

__all__ = ["Block", "ChainClient", "Log", "Receipt", "checksum", "gas_with_margin"]


@dataclass(frozen=True)
class Block:
    number: int
    hash: bytes
    timestamp: int


@dataclass(frozen=True)
class Log:
    address: str
    topics: list[bytes]
    data: bytes
    block_number: int
    tx_hash: bytes
    log_index: int  # position of the log in its block


@dataclass(frozen=True)
class Receipt:
    tx_hash: bytes
    block_number: int
    block_hash: bytes
    status: int  # 1 success, 0 failure
    gas_used: int
    contract_address: str | None
    logs: list[Log] = field(default_factory=list)


@runtime_checkable
class ChainClient(Protocol):
    """An EVM chain as the node needs it. Implementations are thread-safe."""

    def chain_id(self) -> int: ...

    def block(self, number: int | None = None) -> Block:
        """The block ``number``, or the latest block when ``None``."""
        ...

    def balance(self, address: str) -> int: ...

    def code(self, address: str) -> bytes: ...

    def call(
        self, to: str, data: bytes, *, block: int | None = None, sender: str | None = None
    ) -> bytes:
        """``eth_call``; raises :class:`~anchoring.errors.ContractReverted` on revert."""
        ...

    def estimate_gas(self, sender: str, to: str | None, data: bytes) -> int:
        """Gas for the transaction; raises ``ContractReverted`` if it would revert."""
        ...

    def send(
        self, account: LocalAccount, to: str | None, data: bytes, *, gas: int | None = None
    ) -> bytes:
        """Sign locally and submit; returns the transaction hash.

        ``to=None`` deploys ``data`` as init code. Without ``gas`` the gas is estimated (so a
        transaction that would revert raises ``ContractReverted`` instead of being mined as a
        failure). The nonce comes from the account's :class:`~anchoring.nonces.NonceManager`,
        which is resynced from the chain after any error.
        """
        ...

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        """The receipt, or ``None`` while the transaction is not mined (or unknown)."""
        ...

    def wait_for_receipt(
        self, tx_hash: bytes, *, timeout: float = 30, confirmations: int = 0
    ) -> Receipt:
        """Wait until mined with ``confirmations`` blocks on top.

        Raises ``TransactionFailed`` on status 0 and ``ReceiptTimeout`` on timeout.
        """
        ...

    def logs(
        self,
        address: str,
        topics: list[bytes | None],
        from_block: int,
        to_block: int | None = None,
    ) -> list[Log]:
        """Logs of ``address`` in the inclusive block range; ``None`` topics match anything."""
        ...

    def nonces(self, address: str) -> NonceManager:
        """The nonce manager this client uses for ``address`` (created on first use)."""
        ...

    def close(self) -> None: ...


def checksum(address: str | bytes) -> ChecksumAddress:
    """EIP-55 form of a 20-byte address given as hex string or raw bytes."""
    return to_checksum_address(address)


def gas_with_margin(estimate: int, block_gas_limit: int) -> int:
    """Estimate plus 20 % (estimates are exact for the state they ran on; storage refunds and
    63/64 forwarding make the real run differ slightly), capped at the block gas limit."""
    return min(estimate * 6 // 5 + 10_000, block_gas_limit)
