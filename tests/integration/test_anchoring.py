"""The anchor worker on the embedded chain and on anvil: batches, proofs, crashes, restarts."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from anchoring.merkle import verify_inclusion
from node.credentials.examples import example_claims
from node.db.models import AnchorBatch, BatchState, SignedCopy
from node.faults import FAULT_EXIT_CODE
from node.issuance.service import IssueRequest
from node.runtime import NodeRuntime, build_runtime
from node.settings import Settings
from node.setup import create_institution
from tests.conftest import PASSPHRASE, make_settings

FORMATS = ["ldp_vc+eddsa-jcs-2022", "jwt_vc_json"]


@dataclass
class LedgerNode:
    settings: Settings
    runtime: NodeRuntime
    env: dict[str, str]

    def issue(self, count: int, start: int = 0) -> None:
        from node.db.models import CredentialFormat

        requests = [
            IssueRequest(example_claims(start + i), idempotency_key=f"anchor-{start + i}")
            for i in range(count)
        ]
        formats = [CredentialFormat(f) for f in FORMATS]
        outcomes = list(self.runtime.issuance().issue_batch(requests, formats, None))
        assert all(o.status == "issued" for o in outcomes)

    def reopen(self) -> None:
        """Close everything (the embedded chain's lock too), as a stopped process would."""
        self.runtime.close()
        self.runtime = build_runtime(self.settings)

    def credreg(self, *args: str, fault: str | None = None) -> subprocess.CompletedProcess[str]:
        self.runtime.close()  # the embedded chain has one owner: let the child take it
        env = {**os.environ, **self.env}
        if fault:
            env["CREDREG_FAULT"] = fault
        result = subprocess.run(
            [sys.executable, "-m", "node", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        self.runtime = build_runtime(self.settings)
        return result


@pytest.fixture(
    params=[("embedded", "sqlite"), ("anvil", "postgresql"), ("embedded", "postgresql")],
    ids=["embedded-sqlite", "anvil-postgresql", "embedded-postgresql"],
)
def ledger_node(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerNode]:
    chain, database = request.param
    database_url = (
        f"sqlite:///{tmp_path / 'node.db'}"
        if database == "sqlite"
        else request.getfixturevalue("database_url_postgresql")
    )
    overrides: dict[str, Any] = {"anchor_window_seconds": 3600.0}
    env = {
        "CREDREG_DATA_DIR": str(tmp_path / "data"),
        "CREDREG_DATABASE_URL": database_url,
        "CREDREG_KEY_PASSPHRASE": PASSPHRASE,
        "CREDREG_ORIGIN": "https://uni-a.example",
        "CREDREG_ANCHOR_WINDOW_SECONDS": "3600",
    }
    if chain == "anvil":
        url: str = request.getfixturevalue("anvil_url")
        overrides |= {"chain": "rpc", "chain_rpc_url": url}
        env |= {"CREDREG_CHAIN": "rpc", "CREDREG_CHAIN_RPC_URL": url}
    settings = make_settings(tmp_path / "data", database_url, **overrides)
    runtime = build_runtime(settings)
    create_institution(
        runtime.sessions,
        runtime.keystore,
        name="Universidad Ejemplo",
        country="ES",
        legal_status="public-institution",
        origin=settings.origin,
    )
    node = LedgerNode(settings, runtime, env)
    if chain == "anvil":
        deployed = node.credreg("chain", "deploy")
        assert deployed.returncode == 0, deployed.stderr
    try:
        yield node
    finally:
        node.runtime.close()


def check_all_anchored_once(node: LedgerNode) -> int:
    """Every copy sits in exactly one confirmed batch whose root the chain holds, and its
    stored proof verifies; returns the number of batches."""
    ledger = node.runtime.ledger()
    with node.runtime.sessions() as session:
        copies = session.execute(
            select(
                SignedCopy.leaf_digest, SignedCopy.leaf_index, SignedCopy.proof, AnchorBatch
            ).join(AnchorBatch, SignedCopy.batch_id == AnchorBatch.id)
        ).all()
        total = session.scalar(select(func.count()).select_from(SignedCopy))
        batches = list(session.scalars(select(AnchorBatch)))
    assert len(copies) == total, "some copies are not in a batch"
    for batch in batches:
        assert batch.state == BatchState.CONFIRMED
        info = ledger.anchors.root_info(bytes.fromhex(batch.root))
        assert info is not None and info.leaf_count == batch.leaf_count
        assert info.block_number == batch.block_number
    for digest, index, proof, batch in copies:
        assert proof is not None
        assert verify_inclusion(
            bytes.fromhex(digest), index, batch.leaf_count, proof, bytes.fromhex(batch.root)
        )
    # The chain holds exactly our batches: nothing anchored twice, nothing extra.
    assert sum(1 for _ in _anchored_roots(node)) == len(batches)
    return len(batches)


def _anchored_roots(node: LedgerNode) -> Iterator[bytes]:
    from eth_utils.crypto import keccak

    ledger = node.runtime.ledger()
    topic = keccak(text="RootAnchored(bytes32,uint32,uint64,uint64,uint64)")
    logs = ledger.chain.logs(
        ledger.deployment.anchor_registry, [topic], ledger.deployment.block_number
    )
    for log in logs:
        yield log.topics[1]


def test_issue_then_anchor_with_proofs(ledger_node: LedgerNode) -> None:
    ledger_node.issue(5)
    worker = ledger_node.runtime.anchor_worker()
    assert worker.run_once() == 0, "the window has not passed: nothing is due yet"
    assert worker.run_once(force=True) == 10
    assert worker.run_once(force=True) == 0, "nothing pending: no empty batch"
    assert check_all_anchored_once(ledger_node) == 1


def test_batches_close_on_size(ledger_node: LedgerNode, monkeypatch: pytest.MonkeyPatch) -> None:
    from node.ledger.worker import AnchorWorker, WorkerSettings

    ledger_node.issue(4)  # 8 copies
    ledger = ledger_node.runtime.ledger()
    worker = AnchorWorker(
        ledger_node.runtime.sessions,
        ledger.chain,
        ledger.anchors,
        ledger.account,
        WorkerSettings(max_batch=3),
    )
    while worker.run_once():
        pass
    worker.run_once(force=True)  # the last two leaves, below the size limit
    assert check_all_anchored_once(ledger_node) == 3


@pytest.mark.parametrize("fault", ["after_build", "after_send", "before_confirm"])
def test_crash_at_each_step_then_resume_anchors_exactly_once(
    ledger_node: LedgerNode, fault: str
) -> None:
    ledger_node.issue(3)
    crashed = ledger_node.credreg("anchor-worker", "--once", "--force", fault=fault)
    assert crashed.returncode == FAULT_EXIT_CODE, crashed.stderr
    assert f"fault point {fault}" in crashed.stderr
    resumed = ledger_node.credreg("anchor-worker", "--once")
    assert resumed.returncode == 0, resumed.stderr
    assert check_all_anchored_once(ledger_node) == 1


def test_restart_keeps_the_chain_and_the_anchors(ledger_node: LedgerNode) -> None:
    ledger_node.issue(2)
    assert ledger_node.runtime.anchor_worker().run_once(force=True) == 4
    before = ledger_node.runtime.ledger().chain.block().number
    ledger_node.reopen()
    assert ledger_node.runtime.ledger().chain.block().number >= before
    assert check_all_anchored_once(ledger_node) == 1
    ledger_node.issue(2, start=10)
    assert ledger_node.runtime.anchor_worker().run_once(force=True) == 4
    assert check_all_anchored_once(ledger_node) == 2
