"""JSON-RPC client only: unreachable endpoints, dropped transactions, confirmation depth."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from eth_account import Account

from anchoring import ChainUnavailable, ReceiptTimeout, Web3ChainClient
from tests.anvil import free_port, rpc
from tests.chain.conftest import ANVIL_CHAIN_ID


def test_unreachable_endpoint_is_chain_unavailable() -> None:
    client = Web3ChainClient(f"http://127.0.0.1:{free_port()}", timeout=2)
    account = Account.create()
    calls: list[Callable[[], object]] = [
        client.chain_id,
        client.block,
        lambda: client.balance(account.address),
        lambda: client.call(account.address, b""),
        lambda: client.receipt(b"\x00" * 32),
        lambda: client.send(account, account.address, b"", gas=21_000),
        lambda: client.logs(account.address, [], 0),
    ]
    for call in calls:
        started = time.monotonic()
        with pytest.raises(ChainUnavailable):
            call()
        assert time.monotonic() - started < 2  # no hidden retry loop
    client.close()


def test_unresponsive_endpoint_times_out_as_chain_unavailable() -> None:
    import socket

    with socket.socket() as server:  # accepts connections, never answers
        server.bind(("127.0.0.1", 0))
        server.listen()
        client = Web3ChainClient(f"http://127.0.0.1:{server.getsockname()[1]}", timeout=0.3)
        with pytest.raises(ChainUnavailable):
            client.block()
        client.close()


def test_poa_middleware(anvil_url: str) -> None:
    with Web3ChainClient(anvil_url, poa=True) as client:
        assert client.chain_id() == ANVIL_CHAIN_ID
        assert client.block().number >= 0


def test_dropped_transaction_times_out_and_resyncs_the_nonce(anvil_url: str) -> None:
    account = Account.create()
    client = Web3ChainClient(anvil_url)
    manager = client.nonces(account.address)
    client.wait_for_receipt(client.send(account, account.address, b""))
    assert manager.peek() == 1
    rpc(anvil_url, "evm_setAutomine", [False])
    try:
        dropped = client.send(account, account.address, b"", gas=21_000)
        assert manager.peek() == 2
        rpc(anvil_url, "anvil_dropTransaction", ["0x" + dropped.hex()])
        with pytest.raises(ReceiptTimeout):
            client.wait_for_receipt(dropped, timeout=0.3)
        assert manager.peek() == 1  # the dropped nonce is handed out again
    finally:
        rpc(anvil_url, "evm_setAutomine", [True])
    receipt = client.wait_for_receipt(client.send(account, account.address, b""))
    assert receipt.status == 1 and client.receipt(dropped) is None
    client.close()


def test_confirmations_wait_for_depth(anvil_url: str) -> None:
    account = Account.create()
    client = Web3ChainClient(anvil_url)
    tx_hash = client.send(account, account.address, b"")
    with pytest.raises(ReceiptTimeout):
        client.wait_for_receipt(tx_hash, timeout=0.3, confirmations=2)
    miner = threading.Timer(0.2, lambda: rpc(anvil_url, "anvil_mine", ["0x2"]))
    miner.start()
    receipt = client.wait_for_receipt(tx_hash, timeout=5, confirmations=2)
    miner.join()
    assert client.block().number >= receipt.block_number + 2
    client.close()
