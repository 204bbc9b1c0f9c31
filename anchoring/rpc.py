"""A :class:`~anchoring.chain.ChainClient` for any Ethereum JSON-RPC endpoint, via web3.py.

Works with anvil (tests, started with ``--gas-price 0 --base-fee 0``) and Hyperledger Besu QBFT
(production: ``poa=True`` injects web3's ``ExtraDataToPOAMiddleware``, since QBFT headers carry
more than the 32 bytes of ``extraData`` web3 otherwise accepts). Reads use ``latest``: QBFT has
immediate finality; on dev chains the caller asks for ``confirmations``.

Transactions are signed locally (eth-account; coincurve makes it fast) with zero gas price: a
legacy transaction when the latest block's base fee is 0 or absent, else type 2 with
``maxPriorityFeePerGas = 0`` and ``maxFeePerGas = 2 × baseFee``. Nonces come from one
:class:`~anchoring.nonces.NonceManager` per account, held across sign + ``eth_sendRawTransaction``
so that concurrent senders reach the node in nonce order.

web3.py's own retries are disabled (the caller owns retry policy: the node degrades and backs
off); every web3 / requests exception is translated into :mod:`anchoring.errors`.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import requests
from eth_account.signers.local import LocalAccount
from eth_typing import BlockIdentifier, HexStr
from hexbytes import HexBytes
from web3 import HTTPProvider, Web3
from web3.exceptions import (
    ContractLogicError,
    ExtraDataLengthError,
    ProviderConnectionError,
    TransactionNotFound,
    Web3Exception,
    Web3RPCError,
)
from web3.middleware import ExtraDataToPOAMiddleware
from web3.types import FilterParams, TxParams

from anchoring.chain import Block, Log, Receipt, checksum, gas_with_margin
from anchoring.errors import (
    ChainError,
    ChainUnavailable,
    ContractReverted,
    ReceiptTimeout,
    TransactionFailed,
    TransactionRejected,
)
from anchoring.nonces import NonceManager

__all__ = ["Web3ChainClient"]

_MAX_TRACKED_SENDS = 10_000


def _revert_data(error: ContractLogicError) -> bytes:
    data = error.data
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return b""
    return b""


@contextlib.contextmanager
def _translated(url: str, *, sending: bool = False) -> Iterator[None]:
    """Map web3 / requests failures onto :mod:`anchoring.errors` (never leak them)."""
    try:
        yield
    except ChainError:
        raise
    except ContractLogicError as error:
        raise ContractReverted(_revert_data(error), error.message) from None
    except (requests.ConnectionError, requests.Timeout, ProviderConnectionError) as error:
        raise ChainUnavailable(f"{url}: {type(error).__name__}: {error}") from None
    except requests.HTTPError as error:
        raise ChainUnavailable(f"{url}: {error}") from None
    except requests.RequestException as error:
        raise ChainUnavailable(f"{url}: {type(error).__name__}: {error}") from None
    except (ExtraDataLengthError, ValueError) as error:
        # ValueError: the block formatter's ("… as field 'extraData'"), or another
        if not isinstance(error, ExtraDataLengthError) and "extraData" not in str(error):
            raise ChainError(f"{url}: {type(error).__name__}: {error}") from None
        raise ChainError(
            f"{url}: block extraData longer than 32 bytes — a PoA/QBFT chain needs poa=True "
            f"({error})"
        ) from None
    except Web3RPCError as error:
        message = error.rpc_response.get("error", {}) if error.rpc_response else {}
        text = message.get("message") if isinstance(message, Mapping) else None
        text = str(text or error)
        if sending:
            raise TransactionRejected(f"{url}: {text}") from None
        raise ChainError(f"{url}: {text}") from None
    except (Web3Exception, TypeError, KeyError) as error:
        raise ChainError(f"{url}: {type(error).__name__}: {error}") from None
    except OSError as error:
        raise ChainUnavailable(f"{url}: {error}") from None


class Web3ChainClient:
    """JSON-RPC chain client (HTTP). Thread-safe."""

    def __init__(self, url: str, *, poa: bool = False, timeout: float = 10) -> None:
        self.url = url
        self._session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=32)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        provider = HTTPProvider(
            url,
            request_kwargs={"timeout": timeout},
            session=self._session,
            exception_retry_configuration=None,
        )
        self._w3 = Web3(provider)
        # web3's validation middleware asks eth_chainId before every eth_call and transaction
        # (one more round trip each); the chain id is read once here (``chain_id``) and every
        # transaction is signed locally with it, so the node itself refuses a mismatch.
        self._w3.middleware_onion.remove("validation")
        if poa:
            self._w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
        self._lock = threading.Lock()
        self._chain_id: int | None = None
        self._nonces: dict[str, NonceManager] = {}
        self._senders: dict[bytes, str] = {}  # tx hash → sender, to resync after a timeout

    @property
    def web3(self) -> Web3:
        """The underlying web3 instance (escape hatch for RPC extensions such as ``anvil_*``)."""
        return self._w3

    def _t(self, *, sending: bool = False) -> contextlib.AbstractContextManager[None]:
        return _translated(self.url, sending=sending)

    # -- ChainClient ------------------------------------------------------------------------
    def chain_id(self) -> int:
        if self._chain_id is None:
            with self._t():
                self._chain_id = int(self._w3.eth.chain_id)
        return self._chain_id

    def block(self, number: int | None = None) -> Block:
        identifier: BlockIdentifier = "latest" if number is None else number
        with self._t():
            data = self._w3.eth.get_block(identifier)
        return Block(int(data["number"]), bytes(data["hash"]), int(data["timestamp"]))

    def balance(self, address: str) -> int:
        with self._t():
            return int(self._w3.eth.get_balance(checksum(address), "latest"))

    def code(self, address: str) -> bytes:
        with self._t():
            return bytes(self._w3.eth.get_code(checksum(address), "latest"))

    def call(
        self, to: str, data: bytes, *, block: int | None = None, sender: str | None = None
    ) -> bytes:
        params: TxParams = {"to": checksum(to), "data": HexBytes(data)}
        if sender is not None:
            params["from"] = checksum(sender)
        identifier: BlockIdentifier = "latest" if block is None else block
        with self._t():
            return bytes(self._w3.eth.call(params, identifier))

    def estimate_gas(self, sender: str, to: str | None, data: bytes) -> int:
        params: TxParams = {"from": checksum(sender), "data": HexBytes(data)}
        if to is not None:
            params["to"] = checksum(to)
        with self._t():
            return int(self._w3.eth.estimate_gas(params, "latest"))

    def nonces(self, address: str) -> NonceManager:
        key = checksum(address)
        with self._lock:
            manager = self._nonces.get(key)
            if manager is None:
                manager = self._nonces[key] = NonceManager(key, self._pending_nonce)
            return manager

    def _pending_nonce(self, address: str) -> int:
        with self._t():
            return int(self._w3.eth.get_transaction_count(checksum(address), "pending"))

    def send(
        self, account: LocalAccount, to: str | None, data: bytes, *, gas: int | None = None
    ) -> bytes:
        with self._t():
            latest = self._w3.eth.get_block("latest")
        base_fee = int(latest.get("baseFeePerGas") or 0)
        if gas is None:
            gas = gas_with_margin(
                self.estimate_gas(account.address, to, data), int(latest["gasLimit"])
            )
        transaction: dict[str, Any] = {
            "chainId": self.chain_id(),
            "gas": gas,
            "value": 0,
            "data": bytes(data),
        }
        if base_fee:
            transaction.update(maxFeePerGas=2 * base_fee, maxPriorityFeePerGas=0)
        else:
            transaction["gasPrice"] = 0
        if to is not None:
            transaction["to"] = checksum(to)
        manager = self.nonces(account.address)
        with manager.reserve() as nonce:
            signed = account.sign_transaction({**transaction, "nonce": nonce})
            with self._t(sending=True):
                tx_hash = bytes(self._w3.eth.send_raw_transaction(signed.raw_transaction))
        with self._lock:
            if len(self._senders) >= _MAX_TRACKED_SENDS:
                self._senders.pop(next(iter(self._senders)))
            self._senders[tx_hash] = manager.address
        return tx_hash

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        with self._t():
            try:
                data = self._w3.eth.get_transaction_receipt(HexBytes(tx_hash))
            except TransactionNotFound:
                return None
        if data.get("blockNumber") is None:  # some nodes return pending receipts
            return None
        contract = data.get("contractAddress")
        return Receipt(
            tx_hash=bytes(data["transactionHash"]),
            block_number=int(data["blockNumber"]),
            block_hash=bytes(data["blockHash"]),
            status=int(data["status"]),
            gas_used=int(data["gasUsed"]),
            contract_address=checksum(contract) if contract else None,
            logs=[_log(entry) for entry in data["logs"]],
        )

    def wait_for_receipt(
        self, tx_hash: bytes, *, timeout: float = 30, confirmations: int = 0
    ) -> Receipt:
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            receipt = self.receipt(tx_hash)
            if receipt is not None:
                if confirmations <= 0:
                    return _checked(receipt)
                if self.block().number >= receipt.block_number + confirmations:
                    # Re-read after the depth is reached: a reorg within the depth moves the
                    # transaction to another block (or back to the pool).
                    again = self.receipt(tx_hash)
                    if again is not None and again.block_hash == receipt.block_hash:
                        return _checked(again)
            if time.monotonic() >= deadline:
                self._resync_sender(tx_hash)
                raise ReceiptTimeout(tx_hash, timeout)
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 0.5)

    def _resync_sender(self, tx_hash: bytes) -> None:
        # A transaction that never gets mined may have been dropped: its nonce is free again.
        with self._lock:
            sender = self._senders.get(tx_hash)
        if sender is not None:
            with contextlib.suppress(ChainError):
                self.nonces(sender).resync()

    def logs(
        self,
        address: str,
        topics: list[bytes | None],
        from_block: int,
        to_block: int | None = None,
    ) -> list[Log]:
        topic_filter: list[HexStr | None] = [
            None if topic is None else HexStr("0x" + bytes(topic).hex()) for topic in topics
        ]
        while topic_filter and topic_filter[-1] is None:
            topic_filter.pop()
        params: FilterParams = {
            "address": checksum(address),
            "fromBlock": from_block,
            "toBlock": "latest" if to_block is None else to_block,
            "topics": topic_filter,
        }
        with self._t():
            entries = self._w3.eth.get_logs(params)
        return [_log(entry) for entry in entries]

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Web3ChainClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Web3ChainClient({self.url!r})"


def _checked(receipt: Receipt) -> Receipt:
    if not receipt.status:
        raise TransactionFailed(receipt)
    return receipt


def _log(entry: Mapping[str, Any]) -> Log:
    return Log(
        address=checksum(entry["address"]),
        topics=[bytes(topic) for topic in entry["topics"]],
        data=bytes(entry["data"]),
        block_number=int(entry["blockNumber"]),
        tx_hash=bytes(entry["transactionHash"]),
        log_index=int(entry["logIndex"]),
    )
