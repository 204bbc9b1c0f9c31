"""One behaviour suite for every ChainClient backend (embedded py-evm and anvil over JSON-RPC)."""

from __future__ import annotations

import threading

import pytest
from eth_account import Account

from anchoring import (
    ChainClient,
    ContractReverted,
    Receipt,
    ReceiptTimeout,
    TransactionFailed,
    TransactionRejected,
)
from tests.chain.bytecode import CONTRACT_INIT, REVERTING_INPUT, RUNTIME, word
from tests.chain.conftest import FUNDS, Backend


def deploy(chain: Backend) -> Receipt:
    tx_hash = chain.client.send(chain.account, None, CONTRACT_INIT)
    receipt = chain.client.wait_for_receipt(tx_hash, timeout=10)
    assert receipt.contract_address is not None
    return receipt


def test_is_a_chain_client(chain: Backend) -> None:
    assert isinstance(chain.client, ChainClient)


def test_chain_id(chain: Backend) -> None:
    assert chain.client.chain_id() == chain.chain_id


def test_blocks(chain: Backend) -> None:
    before = chain.client.block()
    assert chain.client.block(before.number) == before
    receipt = chain.client.wait_for_receipt(
        chain.client.send(chain.account, chain.account.address, b"")
    )
    after = chain.client.block()
    assert after.number == receipt.block_number > before.number
    assert after.hash == receipt.block_hash
    assert after.timestamp >= before.timestamp  # anvil may repeat a second; embedded may not
    assert chain.client.block(0).number == 0


def test_balance_and_code(chain: Backend) -> None:
    assert chain.client.balance(chain.account.address) == FUNDS
    assert chain.client.balance(Account.create().address) == 0
    assert chain.client.code(chain.account.address) == b""


def test_deploy_call_store_and_log(chain: Backend) -> None:
    client = chain.client
    deployed = deploy(chain)
    address = deployed.contract_address
    assert address is not None
    assert deployed.status == 1 and deployed.gas_used > 21_000 and deployed.logs == []
    assert client.code(address) == RUNTIME
    assert client.call(address, b"") == word(0)

    tx_hash = client.send(chain.account, address, word(42))
    receipt = client.wait_for_receipt(tx_hash)
    assert receipt.tx_hash == tx_hash and receipt.status == 1 and receipt.contract_address is None
    assert client.receipt(tx_hash) == receipt
    [log] = receipt.logs
    assert (log.address, log.topics, log.data) == (address, [word(42)], word(42))
    assert (log.block_number, log.tx_hash, log.log_index) == (receipt.block_number, tx_hash, 0)
    assert client.call(address, b"") == word(42)
    assert client.call(address, b"", sender=chain.account.address) == word(42)
    # state as of an earlier block
    assert client.call(address, b"", block=deployed.block_number) == word(0)

    second = client.wait_for_receipt(client.send(chain.account, address, word(7)))
    start = deployed.block_number
    assert client.logs(address, [], start) == receipt.logs + second.logs
    assert client.logs(address, [word(7)], start) == second.logs
    assert client.logs(address, [None], start, second.block_number) == receipt.logs + second.logs
    assert client.logs(address, [word(8)], start) == []
    assert client.logs(address, [], start, receipt.block_number) == receipt.logs
    assert client.logs(address, [], second.block_number) == second.logs
    assert client.logs(chain.account.address, [], start) == []


def test_revert(chain: Backend) -> None:
    client = chain.client
    address = deploy(chain).contract_address
    assert address is not None
    with pytest.raises(ContractReverted) as reverted:
        client.call(address, REVERTING_INPUT)
    assert reverted.value.data == REVERTING_INPUT
    assert reverted.value.selector == REVERTING_INPUT[:4]
    with pytest.raises(ContractReverted) as reverted:
        client.estimate_gas(chain.account.address, address, REVERTING_INPUT)
    assert reverted.value.data == REVERTING_INPUT
    with pytest.raises(ContractReverted):
        client.send(chain.account, address, REVERTING_INPUT)  # estimation refuses it
    # with explicit gas it is mined, as a failure
    tx_hash = client.send(chain.account, address, REVERTING_INPUT, gas=100_000)
    with pytest.raises(TransactionFailed) as failed:
        client.wait_for_receipt(tx_hash)
    assert failed.value.receipt.status == 0
    assert client.receipt(tx_hash) == failed.value.receipt
    assert client.call(address, b"") == word(0)  # nothing stored


def test_unknown_receipt(chain: Backend) -> None:
    assert chain.client.receipt(b"\x12" * 32) is None
    with pytest.raises(ReceiptTimeout):
        chain.client.wait_for_receipt(b"\x12" * 32, timeout=0.2)


def test_concurrent_senders_share_one_key(chain: Backend) -> None:
    client = chain.client
    address = deploy(chain).contract_address
    assert address is not None
    start_nonce = client.nonces(chain.account.address).peek()
    assert start_nonce is not None
    hashes: list[bytes] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def sender(thread: int) -> None:
        try:
            for i in range(10):
                tx_hash = client.send(chain.account, address, word(1000 * (thread + 1) + i))
                with lock:
                    hashes.append(tx_hash)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(hashes)) == 40
    receipts = [client.wait_for_receipt(tx_hash) for tx_hash in hashes]
    assert all(receipt.status == 1 for receipt in receipts)
    assert client.nonces(chain.account.address).peek() == start_nonce + 40
    assert client.nonces(chain.account.address).resync() == start_nonce + 40
    values = {log.data for log in client.logs(address, [], receipts[0].block_number - 1)}
    assert values == {word(1000 * (t + 1) + i) for t in range(4) for i in range(10)}


def test_nonce_resync_after_rejected_send(chain: Backend) -> None:
    client = chain.client
    account = chain.account
    for _ in range(2):
        client.wait_for_receipt(client.send(account, account.address, b""))
    manager = client.nonces(account.address)
    assert manager.peek() == 2
    manager.set(0)  # a stale counter, as after another process used the key
    with pytest.raises(TransactionRejected):
        client.send(account, account.address, b"", gas=21_000)
    assert manager.peek() == 2  # resynced from the chain
    receipt = client.wait_for_receipt(client.send(account, account.address, b""))
    assert receipt.status == 1
    assert manager.peek() == 3


def test_unfunded_sender_with_free_gas(chain: Backend) -> None:
    stranger = Account.create()
    receipt = chain.client.wait_for_receipt(chain.client.send(stranger, stranger.address, b""))
    assert receipt.status == 1 and receipt.gas_used == 21_000
