"""Status through the verifier: now and on a date, from the anchored version history; a
list whose bytes do not match the chain is caught as tampered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from node.credentials.examples import example_claims
from node.db.models import CredentialFormat, StatusListVersion
from node.issuance.service import IssueRequest
from node.runtime import NodeRuntime, build_runtime
from node.setup import create_institution
from node.status.bitstring import Bitstring
from tests.anvil import rpc
from tests.conftest import make_settings

DAY = 24 * 3600


@pytest.fixture
def anvil_node(tmp_path: Path, anvil_url: str) -> Iterator[NodeRuntime]:
    settings = make_settings(
        tmp_path / "data", f"sqlite:///{tmp_path / 'n.db'}", chain="rpc", chain_rpc_url=anvil_url
    )
    runtime = build_runtime(settings)
    create_institution(
        runtime.sessions,
        runtime.keystore,
        name="U",
        country="ES",
        legal_status="public-institution",
        origin=settings.origin,
    )
    from node.ledger.connection import open_chain
    from node.ledger.network import deploy_as_genesis

    chain = open_chain(settings, runtime.anchoring_account())
    deploy_as_genesis(
        runtime.sessions,
        chain,
        runtime.identity(),
        runtime.anchoring_account(),
        frozenset({6, 7}),
    )
    chain.close()
    try:
        yield runtime
    finally:
        runtime.close()


def _issue(runtime: NodeRuntime, n: int) -> tuple[str, dict[str, Any]]:
    (outcome,) = runtime.issuance().issue_batch(
        [IssueRequest(example_claims(n))], [CredentialFormat.LDP_JCS], None
    )
    assert outcome.record_id is not None
    return outcome.record_id, json.loads(outcome.copies[0].content)


def _chain_time(anvil_url: str) -> int:
    block: Any = rpc(anvil_url, "eth_getBlockByNumber", ["latest", False])
    return int(block["timestamp"], 16)


def _advance(anvil_url: str, seconds: int) -> None:
    rpc(anvil_url, "evm_increaseTime", [seconds])
    rpc(anvil_url, "evm_mine")


def _status(runtime: NodeRuntime, credential: dict[str, Any], when: datetime | None) -> Any:
    report = runtime.verifier().verify(credential, when)
    return next(c for c in report.checks if c.name == "status")


def test_valid_on_each_day_of_its_history(anvil_node: NodeRuntime, anvil_url: str) -> None:
    runtime = anvil_node
    record_id, credential = _issue(runtime, 1)
    runtime.ledger_rounds().run_once()
    start = _chain_time(anvil_url)
    for action, day in (("suspend", 2), ("reinstate", 4), ("revoke", 6)):
        _advance(anvil_url, start + day * DAY - _chain_time(anvil_url))
        runtime.status().change([record_id], action, f"day {day}", None)  # type: ignore[arg-type]
        assert runtime.ledger_rounds().run_once() >= 1  # the new version is anchored

    def on(day: float) -> Any:
        return _status(runtime, credential, datetime.fromtimestamp(start + day * DAY, UTC))

    assert on(1).ok is True
    assert on(3).ok is False and "suspended" in on(3).detail
    assert on(5).ok is True
    assert on(7).ok is False and "revoked" in on(7).detail
    now = _status(runtime, credential, None)
    assert now.ok is False and "revoked" in now.detail
    before = datetime.fromtimestamp(start, UTC) - timedelta(days=30)
    assert _status(runtime, credential, before).ok is None, "no version anchored back then"


def test_revocation_counts_before_its_version_is_anchored(anvil_node: NodeRuntime) -> None:
    runtime = anvil_node
    record_id, credential = _issue(runtime, 2)
    runtime.ledger_rounds().run_once()
    assert _status(runtime, credential, None).ok is True
    runtime.status().change([record_id], "revoke", "fraud", None)
    pending = _status(runtime, credential, None)
    assert pending.ok is False
    assert "not yet anchored" in pending.detail


def test_a_list_that_does_not_match_the_chain_is_tampered(anvil_node: NodeRuntime) -> None:
    runtime = anvil_node
    record_id, credential = _issue(runtime, 3)
    runtime.status().change([record_id], "revoke", "fraud", None)
    runtime.ledger_rounds().run_once()
    assert _status(runtime, credential, None).ok is False
    # A tampered store "un-revokes" the credential in the anchored version's bytes.
    entry = next(e for e in credential["credentialStatus"] if e["statusPurpose"] == "revocation")
    list_id = int(entry["statusListCredential"].rsplit("/", 1)[1])
    with runtime.sessions() as session, session.begin():
        latest = session.scalar(
            select(func.max(StatusListVersion.version)).where(StatusListVersion.list_id == list_id)
        )
        assert latest is not None
        row = session.get_one(StatusListVersion, (list_id, latest))
        document = json.loads(row.content)
        bits = Bitstring.decode(document["credentialSubject"]["encodedList"])
        bits.set(int(entry["statusListIndex"]), False)
        document["credentialSubject"]["encodedList"] = bits.encode()
        session.execute(
            update(StatusListVersion)
            .where(StatusListVersion.list_id == list_id, StatusListVersion.version == latest)
            .values(content=json.dumps(document))
        )
    check = _status(runtime, credential, None)
    assert check.ok is False
    assert "tampered" in check.detail
