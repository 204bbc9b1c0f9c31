"""The chain clients' one error hierarchy (see the tree in :mod:`anchoring`).

Every backend maps its own failures (py-evm validation errors, web3.py / requests exceptions,
JSON-RPC error objects) onto these classes, so callers never see a backend's raw exceptions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anchoring.chain import Receipt

__all__ = [
    "ChainError",
    "ChainLocked",
    "ChainUnavailable",
    "ContractMissing",
    "ContractReverted",
    "ReceiptTimeout",
    "TransactionFailed",
    "TransactionRejected",
]


class ChainError(Exception):
    """Base class of every error raised by a chain client."""


class ChainUnavailable(ChainError):
    """The chain could not be reached (connection refused, timeout, HTTP error).

    Transient: the node reports the chain as degraded and retries with backoff.
    """


class ContractMissing(ChainError):
    """A call to a contract address answered nothing: no contract there on this chain (its
    data was lost, or it is another chain than the one the contracts were deployed on)."""


class ContractReverted(ChainError):
    """A call (or a gas estimate) reverted.

    ``data`` is the raw revert data: empty for a bare ``revert()``, ``Error(string)`` /
    ``Panic(uint256)`` ABI-encoded, or a custom error; ``selector`` is its first four bytes
    (the custom error's selector) or ``None`` when the data is shorter.
    """

    def __init__(self, data: bytes = b"", message: str | None = None) -> None:
        self.data = bytes(data)
        super().__init__(message or f"execution reverted (data 0x{self.data.hex()})")

    @property
    def selector(self) -> bytes | None:
        return self.data[:4] if len(self.data) >= 4 else None

    @property
    def reason(self) -> str | None:
        """The message of a Solidity ``Error(string)`` revert, else ``None``."""
        if self.selector != b"\x08\xc3\x79\xa0" or len(self.data) < 68:
            return None
        length = int.from_bytes(self.data[36:68], "big")
        return self.data[68 : 68 + length].decode("utf-8", errors="replace")


class TransactionFailed(ChainError):
    """A transaction was mined but failed (receipt status 0); ``receipt`` holds the receipt."""

    def __init__(self, receipt: Receipt) -> None:
        self.receipt = receipt
        super().__init__(
            f"transaction 0x{receipt.tx_hash.hex()} failed in block {receipt.block_number}"
        )


class TransactionRejected(ChainError):
    """The chain refused a transaction before mining it (nonce too low, gas too low, ...).

    The sender's nonce manager has been resynchronised when this is raised.
    """


class ChainLocked(ChainError):
    """Another process (or client) already owns this embedded chain's data directory."""


class ReceiptTimeout(ChainError):
    """No receipt (with the requested confirmations) arrived in time.

    The transaction may have been dropped; the sender's nonce manager has been resynchronised.
    """

    def __init__(self, tx_hash: bytes, timeout: float) -> None:
        self.tx_hash = tx_hash
        super().__init__(f"no receipt for 0x{tx_hash.hex()} within {timeout:g} s")
