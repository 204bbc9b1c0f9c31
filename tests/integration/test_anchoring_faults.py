"""Chain faults under the anchor worker, each on its own anvil (mining mode, reorgs, restarts).

A dropped transaction and a block reorganised within the confirmation depth are detected and
re-anchored with a resynced nonce; an unreachable chain does not stop issuance and the worker
catches up; an anchoring account without rights fails clearly and loses nothing. Every test
ends with the same check as the crash tests: each credential anchored exactly once.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from anchoring.registries import RegistryError
from node.credentials.profile import requirement_profile
from node.db.models import AnchorBatch, BatchState, SignedCopy
from node.ledger.connection import open_chain
from node.ledger.network import deploy_as_genesis, store_deployment, stored_deployment
from node.ledger.service import AnchorService
from node.ledger.worker import AnchorWorker, WorkerSettings
from node.runtime import build_runtime
from node.setup import create_institution
from tests import anvil
from tests.conftest import PASSPHRASE, make_settings
from tests.integration.test_anchoring import LedgerNode, check_all_anchored_once

SHORT = 0.3  # receipt timeout of these tests: a transaction not mined by then is "late"


# -- anvil, one per test ----------------------------------------------------------------------


def start_anvil(*extra: str, port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Like :func:`tests.anvil.start`, with extra CLI arguments and optionally a fixed port."""
    binary = anvil.anvil_binary()
    for _attempt in range(3):
        chosen = port or anvil.free_port()
        url = f"http://127.0.0.1:{chosen}"
        process = subprocess.Popen(
            [
                str(binary),
                *("--host", "127.0.0.1", "--port", str(chosen)),
                *("--gas-price", "0", "--base-fee", "0"),
                *("--chain-id", str(anvil.CHAIN_ID), "--silent"),
                *extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + anvil.STARTUP_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if anvil.chain_id(url) == anvil.CHAIN_ID:
                return process, url
            time.sleep(0.02)
        anvil.stop(process)
        if port is not None:
            time.sleep(0.5)  # the fixed port may still be held by the previous process
    pytest.fail(f"anvil {' '.join(extra)} did not start")


@pytest.fixture
def chain_url() -> Iterator[str]:
    process, url = start_anvil()
    try:
        yield url
    finally:
        anvil.stop(process)


def make_node(tmp_path: Path, url: str, *, deploy: bool = True, name: str = "a") -> LedgerNode:
    """A node on SQLite using the anvil at ``url``; ``deploy``: genesis member of new contracts."""
    data = tmp_path / name
    database_url = f"sqlite:///{data / 'node.db'}"
    data.mkdir(parents=True, exist_ok=True)
    settings = make_settings(
        data, database_url, anchor_window_seconds=3600.0, chain="rpc", chain_rpc_url=url
    )
    runtime = build_runtime(settings)
    create_institution(
        runtime.sessions,
        runtime.keystore,
        name=f"Universidad {name.upper()}",
        country="ES",
        legal_status="public-institution",
        origin=settings.origin,
    )
    if deploy:
        account = runtime.anchoring_account()
        chain = open_chain(settings, account)
        try:
            deploy_as_genesis(
                runtime.sessions,
                chain,
                runtime.identity(),
                account,
                requirement_profile(settings.profile).allowed_eqf_levels,
            )
        finally:
            chain.close()
    env = {
        "CREDREG_DATA_DIR": str(data),
        "CREDREG_DATABASE_URL": database_url,
        "CREDREG_KEY_PASSPHRASE": PASSPHRASE,
        "CREDREG_CHAIN": "rpc",
        "CREDREG_CHAIN_RPC_URL": url,
    }
    return LedgerNode(settings, runtime, env)


@pytest.fixture
def node(tmp_path: Path, chain_url: str) -> Iterator[LedgerNode]:
    made = make_node(tmp_path, chain_url)
    try:
        yield made
    finally:
        made.runtime.close()


def worker_for(node: LedgerNode, **settings: Any) -> AnchorWorker:
    ledger = node.runtime.ledger()
    return AnchorWorker(
        node.runtime.sessions,
        ledger.chain,
        ledger.anchors,
        ledger.account,
        WorkerSettings(**{"receipt_timeout": SHORT, **settings}),
    )


def rpc(url: str, method: str, *params: object) -> Any:
    return anvil.rpc(url, method, list(params))


def batches(node: LedgerNode) -> list[AnchorBatch]:
    with node.runtime.sessions() as session:
        return list(session.scalars(select(AnchorBatch).order_by(AnchorBatch.id)))


def pending_txs(url: str, address: str) -> list[str]:
    """Hashes of ``address``'s transactions waiting in anvil's pool."""
    pool: dict[str, dict[str, dict[str, Any]]] = rpc(url, "txpool_content")["pending"]
    ours = next((txs for sender, txs in pool.items() if sender.lower() == address.lower()), {})
    return [str(tx["hash"]) for tx in ours.values()]


def nonce(url: str, address: str, block: str = "latest") -> int:
    return int(rpc(url, "eth_getTransactionCount", address, block), 16)


def mine(url: str, blocks: int) -> None:
    for _ in range(blocks):
        rpc(url, "evm_mine")


def account_nonce(node: LedgerNode) -> int:
    url = node.settings.chain_rpc_url
    assert url is not None
    return nonce(url, node.runtime.ledger().account.address)


def assert_every_send_succeeded(node: LedgerNode, before: int) -> None:
    """Nothing stuck in the pool, and exactly one mined transaction per batch since ``before``
    (the account's nonce then): no duplicate, reverted or not, reached the chain."""
    url = node.settings.chain_rpc_url
    assert url is not None
    address = node.runtime.ledger().account.address
    assert nonce(url, address, "pending") == nonce(url, address), "a send is stuck in the pool"
    assert nonce(url, address) - before == len(batches(node)), "one anchorRoot per batch"


# -- a. a transaction dropped before mining ---------------------------------------------------


def test_dropped_transaction_is_resent_with_a_resynced_nonce(node: LedgerNode) -> None:
    url = node.settings.chain_rpc_url
    assert url is not None
    before = account_nonce(node)
    node.issue(3)  # 6 copies
    worker = worker_for(node)
    address = node.runtime.ledger().account.address
    rpc(url, "evm_setAutomine", False)
    try:
        assert worker.run_once(force=True) == 0, "not mined: the receipt times out"
        [tx_hash] = pending_txs(url, address)
        [batch] = batches(node)
        assert batch.state != BatchState.CONFIRMED and batch.attempts == 1
        rpc(url, "anvil_dropTransaction", tx_hash)
        assert rpc(url, "eth_getTransactionByHash", tx_hash) is None
    finally:
        rpc(url, "evm_setAutomine", True)
    # The next round finds the root absent and resends at once, with the freed nonce.
    # (Same nonce, same fields, deterministic signature: the resend may be byte-identical.)
    assert worker.run_once() == 6
    assert check_all_anchored_once(node) == 1
    [batch] = batches(node)
    assert batch.attempts == 2
    # The nonce manager is in step with the chain: a later batch goes through first time.
    node.issue(2, start=10)
    assert worker.run_once(force=True) == 4
    assert check_all_anchored_once(node) == 2
    assert_every_send_succeeded(node, before)


def test_late_transaction_mined_after_the_timeout_is_confirmed_not_resent(
    node: LedgerNode,
) -> None:
    url = node.settings.chain_rpc_url
    assert url is not None
    before = account_nonce(node)
    node.issue(2)
    worker = worker_for(node)
    rpc(url, "evm_setAutomine", False)
    try:
        assert worker.run_once(force=True) == 0
        mine(url, 1)  # the pending transaction is mined after all
    finally:
        rpc(url, "evm_setAutomine", True)
    assert worker.run_once() == 4
    assert check_all_anchored_once(node) == 1
    assert_every_send_succeeded(node, before)


# -- b. a block reorganised within the confirmation depth -------------------------------------

DEPTH = 3


def _anchor_not_yet_deep(node: LedgerNode, worker: AnchorWorker) -> tuple[str, int]:
    """Anchor one batch (automine) and bury it one block deep: below DEPTH, not confirmed."""
    url = node.settings.chain_rpc_url
    assert url is not None
    node.issue(3)
    assert worker.run_once(force=True) == 0, "mined, but not deep enough"
    [batch] = batches(node)
    assert batch.state == BatchState.SUBMITTED and batch.tx_hash is not None
    receipt = rpc(url, "eth_getTransactionReceipt", batch.tx_hash)
    mine(url, 1)
    assert worker.run_once() == 0, "one block deep, still below the confirmation depth"
    return batch.tx_hash, int(receipt["blockNumber"], 16)


def test_reorg_dropping_the_anchor_is_detected_and_reanchored(node: LedgerNode) -> None:
    url = node.settings.chain_rpc_url
    assert url is not None
    worker = worker_for(node, confirmations=DEPTH)
    ledger = node.runtime.ledger()
    before = account_nonce(node)
    tx_hash, mined_at = _anchor_not_yet_deep(node, worker)
    root = bytes.fromhex(batches(node)[0].root)
    assert ledger.anchors.root_info(root) is not None
    rpc(url, "anvil_reorg", 2, [])  # replace the anchor's block and the one above it
    assert ledger.anchors.root_info(root) is None
    assert rpc(url, "eth_getTransactionReceipt", tx_hash) is None
    # The worker notices (receipt gone, root absent) and puts the batch back to BUILT ...
    assert worker.run_once() == 0
    [batch] = batches(node)
    assert batch.state == BatchState.BUILT and batch.tx_hash is None and batch.last_error
    # ... the next round anchors it again with the resynced nonce ...
    assert worker.run_once() == 0
    [batch] = batches(node)
    assert batch.state == BatchState.SUBMITTED and batch.attempts == 2
    assert rpc(url, "eth_getTransactionReceipt", batch.tx_hash) is not None
    mine(url, DEPTH)
    # ... and it is confirmed once deep enough, with proofs against the on-chain root.
    assert worker.run_once() == 6
    assert check_all_anchored_once(node) == 1
    [batch] = batches(node)
    assert batch.attempts == 2 and batch.block_number is not None
    assert batch.block_number >= mined_at
    assert batch.block_hash == "0x" + ledger.chain.block(batch.block_number).hash.hex()
    node.issue(1, start=10)
    worker.run_once(force=True)
    mine(url, DEPTH)
    assert worker.run_once() == 2
    assert check_all_anchored_once(node) == 2
    assert_every_send_succeeded(node, before)


def test_reorg_reincluding_the_anchor_confirms_it_once(node: LedgerNode) -> None:
    url = node.settings.chain_rpc_url
    assert url is not None
    worker = worker_for(node, confirmations=DEPTH)
    ledger = node.runtime.ledger()
    before = account_nonce(node)
    tx_hash, mined_at = _anchor_not_yet_deep(node, worker)
    old_hash = ledger.chain.block(mined_at).hash
    raw = rpc(url, "eth_getRawTransactionByHash", tx_hash)
    rpc(url, "anvil_reorg", 2, [[raw, 1]])  # the same transaction, one block later
    receipt = rpc(url, "eth_getTransactionReceipt", tx_hash)
    assert int(receipt["blockNumber"], 16) == mined_at + 1
    assert ledger.chain.block(mined_at).hash != old_hash
    assert worker.run_once() == 0, "re-included one block later: even less deep"
    [batch] = batches(node)
    assert batch.state == BatchState.SUBMITTED and batch.tx_hash == tx_hash
    mine(url, DEPTH)
    assert worker.run_once() == 6
    assert check_all_anchored_once(node) == 1
    [batch] = batches(node)
    assert (batch.attempts, batch.block_number) == (1, mined_at + 1)
    assert batch.block_hash == "0x" + ledger.chain.block(mined_at + 1).hash.hex()
    assert_every_send_succeeded(node, before)


# -- c. the chain unreachable for a while ----------------------------------------------------


def test_issuance_goes_on_while_the_chain_is_down_and_anchoring_catches_up(
    tmp_path: Path,
) -> None:
    process, url = start_anvil()
    node = make_node(tmp_path, url)
    service: AnchorService | None = None
    try:
        worker = worker_for(node, window=timedelta(seconds=0.2))
        node.issue(2)
        assert worker.run_once(force=True) == 4  # chain id cached, one batch on chain
        state = rpc(url, "anvil_dumpState")
        anvil.stop(process)
        with pytest.raises(Exception, match=r"(?i)unavailable|refused|connect"):
            node.runtime.ledger().chain.block()
        service = AnchorService(lambda: worker, poll=0.1)
        service.start()
        for round_ in range(3):  # issuance never touches the chain
            node.issue(3, start=100 + 10 * round_)
            time.sleep(0.4)
        assert _unconfirmed_copies(node) == 18
        port = int(url.rsplit(":", 1)[1])
        process, url = start_anvil(port=port)
        assert rpc(url, "anvil_loadState", state) is True
        deadline = time.monotonic() + 30
        while _unconfirmed_copies(node) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _unconfirmed_copies(node) == 0, "the worker did not catch up"
        service.stop()
        assert not service.running
        assert check_all_anchored_once(node) >= 2
    finally:
        if service is not None:
            service.stop()
        node.runtime.close()
        anvil.stop(process)


def _unconfirmed_copies(node: LedgerNode) -> int:
    with node.runtime.sessions() as session:
        count = session.scalar(
            select(func.count())
            .select_from(SignedCopy)
            .outerjoin(AnchorBatch, SignedCopy.batch_id == AnchorBatch.id)
            .where((AnchorBatch.id.is_(None)) | (AnchorBatch.state != BatchState.CONFIRMED.value))
        )
    return int(count or 0)


# -- d. an anchoring account without rights --------------------------------------------------


def test_account_that_is_not_a_member_gets_a_clear_error_and_loses_nothing(
    tmp_path: Path, node: LedgerNode
) -> None:
    url = node.settings.chain_rpc_url
    assert url is not None
    deployment = stored_deployment(node.runtime.sessions)
    assert deployment is not None
    outsider = make_node(tmp_path, url, deploy=False, name="outsider")
    try:
        store_deployment(outsider.runtime.sessions, deployment)  # same network, not admitted
        outsider.issue(2)
        worker = worker_for(outsider)
        address = outsider.runtime.ledger().account.address
        for _attempt in range(2):  # a retry meets the same refusal, and builds nothing new
            with pytest.raises(RegistryError) as refused:
                worker.run_once(force=True)
            assert refused.value.name == "NotMemberAccount"
            assert [a.lower() for a in refused.value.args_] == [address.lower()]
        [batch] = batches(outsider)
        assert batch.state == BatchState.BUILT and batch.tx_hash is None
        assert batch.attempts == 0 and batch.leaf_count == 4
        assert batch.last_error is not None and "NotMemberAccount" in batch.last_error
        with outsider.runtime.sessions() as session:
            copies = session.scalars(select(SignedCopy.batch_id)).all()
        assert copies == [batch.id] * 4, "every copy kept, in the built batch"
        assert nonce(url, address, "pending") == 0, "nothing was sent"
        # The anchor service reports it and keeps going (no crash, nothing confirmed).
        service = AnchorService(lambda: worker, poll=0.05)
        service.start()
        time.sleep(0.3)
        assert service.running
        assert service.health.state == "degraded" and "NotMemberAccount" in service.health.detail
        service.stop()
        assert not service.running
        assert [b.state for b in batches(outsider)] == [BatchState.BUILT]
    finally:
        outsider.runtime.close()
