"""The embedded chain: py-evm in process, persisted on disk, one block per transaction.

Zero set-up default for a single institution (docs/network.md). The Cancun VM (what
contracts compiled with ``evmVersion: cancun`` need) runs over :class:`~anchoring.kvstore.SQLiteKV`
in ``<data_dir>/chain.sqlite3``; reopening the directory continues the same chain.

* **One writer.** ``<data_dir>/chain.lock`` is ``flock``-ed for the client's lifetime; a second
  client (in this or another process) gets :class:`~anchoring.errors.ChainLocked`.
* **Automine.** Every accepted transaction is mined at once in its own block. Timestamps follow
  the wall clock but strictly increase (``max(now, parent + 1)``): under more than one
  transaction per second they run ahead of the clock by at most the backlog.
* **Crash safety.** Everything a block writes — state trie nodes, block body and receipts,
  py-evm's tx-hash → (block, index) lookup, the canonical head, this module's ``logs`` table —
  commits in one SQLite transaction: after ``kill -9`` the chain reopens at its last whole block.
* **Free gas.** Genesis base fee 0 and a constant gas limit (default 60M); transactions pay the
  pending block's base fee (0 unless a block used more than half the gas limit).
* **Finality.** A mined block is final (nothing else can write this chain), so
  ``confirmations`` in :meth:`EmbeddedChainClient.wait_for_receipt` is satisfied at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from eth._utils.address import generate_contract_address
from eth.abc import (
    BlockHeaderAPI,
    ReceiptAPI,
    SignedTransactionAPI,
    VirtualMachineAPI,
)
from eth.chains.base import MiningChain
from eth.constants import CREATE_CONTRACT_ADDRESS, ZERO_ADDRESS
from eth.exceptions import (
    HeaderNotFound,
    Revert,
    TransactionNotFound,
    VMError,
)
from eth.vm.forks.cancun import CancunVM
from eth.vm.spoof import SpoofTransaction
from eth_account.signers.local import LocalAccount
from eth_typing import Address, BlockNumber, Hash32
from eth_utils.address import to_canonical_address
from eth_utils.exceptions import ValidationError

from anchoring.chain import Block, Log, Receipt, checksum, gas_with_margin
from anchoring.errors import (
    ChainError,
    ChainLocked,
    ContractReverted,
    ReceiptTimeout,
    TransactionFailed,
    TransactionRejected,
)
from anchoring.kvstore import SQLiteKV, Synchronous
from anchoring.nonces import NonceManager

__all__ = ["DB_FILE", "DEFAULT_GAS_LIMIT", "LOCK_FILE", "EmbeddedChainClient"]

DEFAULT_GAS_LIMIT = 60_000_000
DB_FILE = "chain.sqlite3"
LOCK_FILE = "chain.lock"

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS chain_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # Our own log index (py-evm keeps logs only inside receipts): eth_getLogs by address and
    # topics without replaying receipts. Written in the same transaction as the block.
    "CREATE TABLE IF NOT EXISTS logs ("
    " block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, tx_index INTEGER NOT NULL,"
    " tx_hash BLOB NOT NULL, address BLOB NOT NULL, topic0 BLOB, topic1 BLOB, topic2 BLOB,"
    " topic3 BLOB, data BLOB NOT NULL, PRIMARY KEY (block_number, log_index)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS logs_by_address ON logs (address, block_number)",
)


class _EmbeddedChain(MiningChain):
    """MiningChain with a constant gas limit.

    py-evm's default London+ rule drifts the limit towards its ``GENESIS_GAS_LIMIT`` (~3.1M) by
    1/1024 per block; a node that mines thousands of near-empty blocks would lose its headroom.
    """

    vm_configuration = ((BlockNumber(0), CancunVM),)

    def create_header_from_parent(
        self, parent_header: BlockHeaderAPI, **header_params: Any
    ) -> BlockHeaderAPI:
        header_params.setdefault("gas_limit", parent_header.gas_limit)
        return super().create_header_from_parent(parent_header, **header_params)


def _chain_class(chain_id: int) -> type[_EmbeddedChain]:
    return _EmbeddedChain.configure(__name__="EmbeddedChain", chain_id=chain_id)


def _acquire_lock(path: Path) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = os.read(fd, 64).decode("ascii", errors="replace").strip() or "?"
        os.close(fd)
        raise ChainLocked(
            f"embedded chain {path.parent} is already open (lock held by process {holder})"
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd


def _topic_bytes(topic: int) -> bytes:
    return topic.to_bytes(32, "big")


def _receipt_status(receipt: ReceiptAPI) -> int:
    # Post-Byzantium receipts carry the status in the state_root field: b"\x01" or b"".
    return 1 if receipt.state_root == b"\x01" else 0


class EmbeddedChainClient:
    """A :class:`~anchoring.chain.ChainClient` over an in-process, on-disk py-evm chain.

    ``funded`` (address → wei) seeds the genesis state; like ``chain_id`` and ``gas_limit`` it
    only matters when the directory holds no chain yet. Reopening with another ``chain_id``
    raises :class:`ChainError`.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        chain_id: int = 1337,
        funded: dict[str, int] | None = None,
        gas_limit: int = DEFAULT_GAS_LIMIT,
        synchronous: Synchronous = "FULL",
    ) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)  # the chain is private
        if self.data_dir.stat().st_mode & 0o777 != 0o700:
            self.data_dir.chmod(0o700)
        self._lock = threading.RLock()
        self._nonces: dict[str, NonceManager] = {}
        self._closed = False
        self._lock_fd = _acquire_lock(self.data_dir / LOCK_FILE)
        try:
            self._db = SQLiteKV(self.data_dir / DB_FILE, synchronous=synchronous)
            try:
                self._open(chain_id, funded or {}, gas_limit)
            except BaseException:
                self._db.close()
                raise
        except BaseException:
            os.close(self._lock_fd)
            raise

    def _open(self, chain_id: int, funded: dict[str, int], gas_limit: int) -> None:
        with self._db.transaction() as connection:
            for statement in _SCHEMA:
                connection.execute(statement)
            row = connection.execute(
                "SELECT value FROM chain_meta WHERE key = 'chain_id'"
            ).fetchone()
            if row is not None and int(row[0]) != chain_id:
                raise ChainError(
                    f"{self.data_dir} holds chain {row[0]}, not the requested {chain_id}"
                )
            self._chain_id = chain_id
            self._chain_class = _chain_class(chain_id)
            if row is None:
                self._genesis(funded, gas_limit)
                connection.execute(
                    "INSERT INTO chain_meta (key, value) VALUES ('chain_id', ?)", (str(chain_id),)
                )
        self._chain = self._chain_class(self._db)

    def _genesis(self, funded: dict[str, int], gas_limit: int) -> None:
        params: dict[str, Any] = {
            "difficulty": 0,
            "gas_limit": gas_limit,
            "timestamp": int(time.time()),
            "coinbase": ZERO_ADDRESS,
            "extra_data": b"credreg embedded chain",
            "nonce": b"\x00" * 8,
            "base_fee_per_gas": 0,
        }
        state = {
            to_canonical_address(address): {"balance": wei, "nonce": 0, "code": b"", "storage": {}}
            for address, wei in funded.items()
        }
        self._chain_class.from_genesis(self._db, params, state)  # type: ignore[arg-type]

    # -- plumbing ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            if self._closed:
                raise ChainError("the embedded chain client is closed")
            yield

    def _head(self) -> BlockHeaderAPI:
        return self._chain.get_canonical_head()

    def _header(self, number: int | None) -> BlockHeaderAPI:
        if number is None:
            return self._head()
        try:
            return self._chain.get_canonical_block_header_by_number(BlockNumber(number))
        except HeaderNotFound:
            raise ChainError(f"no block {number} (head is {self._head().block_number})") from None

    def _vm(self, header: BlockHeaderAPI) -> VirtualMachineAPI:
        return self._chain.get_vm(header)

    def _spoof(
        self, header: BlockHeaderAPI, sender: str | None, to: str | None, data: bytes
    ) -> SignedTransactionAPI:
        vm = self._vm(header)
        sender_bytes = to_canonical_address(sender) if sender else ZERO_ADDRESS
        unsigned = vm.create_unsigned_transaction(
            nonce=vm.state.get_nonce(sender_bytes),
            gas_price=header.base_fee_per_gas or 0,
            gas=header.gas_limit,
            to=to_canonical_address(to) if to else CREATE_CONTRACT_ADDRESS,
            value=0,
            data=bytes(data),
        )
        return cast(SignedTransactionAPI, SpoofTransaction(unsigned, from_=sender_bytes))

    # -- ChainClient ------------------------------------------------------------------------
    def chain_id(self) -> int:
        return self._chain_id

    def block(self, number: int | None = None) -> Block:
        with self._locked():
            header = self._header(number)
            return Block(header.block_number, bytes(header.hash), header.timestamp)

    def balance(self, address: str) -> int:
        with self._locked():
            return self._vm(self._head()).state.get_balance(to_canonical_address(address))

    def code(self, address: str) -> bytes:
        with self._locked():
            return bytes(self._vm(self._head()).state.get_code(to_canonical_address(address)))

    def call(
        self, to: str, data: bytes, *, block: int | None = None, sender: str | None = None
    ) -> bytes:
        with self._locked():
            header = self._header(block)
            transaction = self._spoof(header, sender, to, data)
            try:
                return bytes(self._chain.get_transaction_result(transaction, header))
            except Revert as error:
                raise ContractReverted(bytes(error.args[0]) if error.args else b"") from None
            except VMError as error:
                raise ContractReverted(b"", f"execution failed: {error!r}") from None

    def estimate_gas(self, sender: str, to: str | None, data: bytes) -> int:
        with self._locked():
            header = self._head()
            transaction = self._spoof(header, sender, to, data)
            try:
                return self._chain.estimate_gas(transaction, header)
            except Revert as error:
                raise ContractReverted(bytes(error.args[0]) if error.args else b"") from None
            except VMError as error:
                raise ContractReverted(b"", f"execution failed: {error!r}") from None

    def nonces(self, address: str) -> NonceManager:
        key = checksum(address)
        with self._lock:
            manager = self._nonces.get(key)
            if manager is None:
                manager = self._nonces[key] = NonceManager(key, self._account_nonce)
            return manager

    def _account_nonce(self, address: str) -> int:
        with self._locked():
            return self._vm(self._head()).state.get_nonce(to_canonical_address(address))

    def send(
        self, account: LocalAccount, to: str | None, data: bytes, *, gas: int | None = None
    ) -> bytes:
        with self._locked():
            if gas is None:
                estimate = self.estimate_gas(account.address, to, data)
                gas = gas_with_margin(estimate, self._chain.header.gas_limit)
            transaction: dict[str, Any] = {
                "chainId": self._chain_id,
                "gas": gas,
                "gasPrice": self._chain.header.base_fee_per_gas,
                "value": 0,
                "data": bytes(data),
            }
            if to is not None:
                transaction["to"] = checksum(to)
            with self.nonces(account.address).reserve() as nonce:
                signed = account.sign_transaction({**transaction, "nonce": nonce})
                return self.send_raw(bytes(signed.raw_transaction))

    def send_raw(self, raw: bytes) -> bytes:
        """Mine one signed transaction in a new block; returns its hash."""
        with self._locked():
            builder = self._vm(self._chain.header).get_transaction_builder()
            try:
                transaction = builder.decode(raw)
                transaction.validate()
            except (ValidationError, ValueError, TypeError) as error:
                raise TransactionRejected(f"invalid transaction: {error}") from None
            self._mine(transaction)
            return bytes(transaction.hash)

    def _mine(self, transaction: SignedTransactionAPI) -> None:
        head = self._head()
        self._chain.set_header_timestamp(max(int(time.time()), head.timestamp + 1))
        try:
            with self._db.transaction() as connection:
                result, receipts, _ = self._chain.mine_all([transaction])
                block = result.imported_block
                rows = []
                log_index = 0
                for tx_index, receipt in enumerate(receipts):
                    tx_hash = bytes(block.transactions[tx_index].hash)
                    for log in receipt.logs:
                        topics = [_topic_bytes(t) for t in log.topics][:4]
                        topics += [None] * (4 - len(topics))  # type: ignore[list-item]
                        rows.append(
                            (
                                block.number,
                                log_index,
                                tx_index,
                                tx_hash,
                                bytes(log.address),
                                *topics,
                                bytes(log.data),
                            )
                        )
                        log_index += 1
                connection.executemany(
                    "INSERT INTO logs (block_number, log_index, tx_index, tx_hash, address,"
                    " topic0, topic1, topic2, topic3, data) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    rows,
                )
        except ValidationError as error:
            self._reset()
            raise TransactionRejected(str(error)) from None
        except BaseException:
            self._reset()
            raise

    def _reset(self) -> None:
        # The SQL transaction rolled back; drop py-evm's in-memory pending header with it.
        self._chain = self._chain_class(self._db)

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        with self._locked():
            try:
                number, index = self._chain.chaindb.get_transaction_index(Hash32(bytes(tx_hash)))
            except TransactionNotFound:
                return None
            return self._receipt_at(number, index)

    def _receipt_at(self, number: BlockNumber, index: int) -> Receipt:
        header = self._chain.get_canonical_block_header_by_number(number)
        receipt = self._chain.get_transaction_receipt_by_index(number, index)
        gas_used = receipt.gas_used  # cumulative within the block
        if index:
            gas_used -= self._chain.get_transaction_receipt_by_index(number, index - 1).gas_used
        transaction = self._chain.get_canonical_transaction_by_index(number, index)
        contract = None
        if transaction.to == CREATE_CONTRACT_ADDRESS and _receipt_status(receipt):
            contract = checksum(generate_contract_address(transaction.sender, transaction.nonce))
        rows = self._db.connection.execute(
            "SELECT * FROM logs WHERE block_number = ? AND tx_index = ? ORDER BY log_index",
            (number, index),
        ).fetchall()
        return Receipt(
            tx_hash=bytes(transaction.hash),
            block_number=number,
            block_hash=bytes(header.hash),
            status=_receipt_status(receipt),
            gas_used=gas_used,
            contract_address=contract,
            logs=[_log(row) for row in rows],
        )

    def wait_for_receipt(
        self, tx_hash: bytes, *, timeout: float = 30, confirmations: int = 0
    ) -> Receipt:
        # Automine: a transaction this client accepted is already mined and final.
        deadline = time.monotonic() + timeout
        while True:
            receipt = self.receipt(tx_hash)
            if receipt is not None:
                if not receipt.status:
                    raise TransactionFailed(receipt)
                return receipt
            if time.monotonic() >= deadline:
                raise ReceiptTimeout(tx_hash, timeout)
            time.sleep(0.05)

    def logs(
        self,
        address: str,
        topics: list[bytes | None],
        from_block: int,
        to_block: int | None = None,
    ) -> list[Log]:
        if len(topics) > 4:
            raise ValueError("at most 4 topics")
        with self._locked():
            last = self._head().block_number if to_block is None else to_block
            sql = "SELECT * FROM logs WHERE address = ? AND block_number BETWEEN ? AND ?"
            params: list[object] = [to_canonical_address(address), from_block, last]
            for position, topic in enumerate(topics):
                if topic is not None:
                    sql += f" AND topic{position} = ?"
                    params.append(bytes(topic))
            sql += " ORDER BY block_number, log_index"
            return [_log(row) for row in self._db.connection.execute(sql, params)]

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._db.close()
            finally:
                os.close(self._lock_fd)

    def __enter__(self) -> EmbeddedChainClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EmbeddedChainClient({str(self.data_dir)!r}, chain_id={self._chain_id})"


def _log(row: tuple[Any, ...]) -> Log:
    block_number, log_index, _tx_index, tx_hash, address, t0, t1, t2, t3, data = row
    return Log(
        address=checksum(Address(address)),
        topics=[bytes(t) for t in (t0, t1, t2, t3) if t is not None],
        data=bytes(data),
        block_number=block_number,
        tx_hash=bytes(tx_hash),
        log_index=log_index,
    )
