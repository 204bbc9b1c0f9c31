"""Governance on anvil through the admin API: two genesis members admit a third by vote,
suspend it (its anchors are refused, its status lists still publish), and rotate a key."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchoring.errors import ChainError
from anchoring.registries import MemberStatus
from node.app import create_app
from node.credentials.examples import example_claims
from node.ledger.network import genesis_spec, store_deployment
from node.ledger.worker import AnchorWorker
from node.network.keys import set_active_key_id
from node.settings import Settings
from tests.conftest import PASSPHRASE, RunningNode, start_node

FORMAT = ["ldp_vc+eddsa-rdfc-2022"]


def node_settings(data_dir: Path, database_url: str, origin: str, anvil_url: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        origin=origin,
        key_passphrase=PASSPHRASE,
        sign_workers=1,
        chain="rpc",
        chain_rpc_url=anvil_url,
        anchor_window_seconds=3600.0,
    )


def runtime_of(node: RunningNode) -> Any:
    return node.client.app.state.runtime  # type: ignore[attr-defined]


def membership_application(node: RunningNode) -> dict[str, Any]:
    reply = node.client.get("/admin/network/self", headers=node.auth(node.admin_token))
    assert reply.status_code == 200, reply.text
    application: dict[str, Any] = reply.json()["application"]
    return application


@pytest.fixture
def network(
    tmp_path: Path, anvil_url: str, database_url_postgresql: str
) -> Iterator[list[RunningNode]]:
    from node.ledger.network import deploy_as_genesis

    nodes = [
        start_node(node_settings(tmp_path / name, url, f"https://{name}.example", anvil_url))
        for name, url in (
            ("uni-a", f"sqlite:///{tmp_path / 'a.db'}"),
            ("uni-b", database_url_postgresql),
            ("uni-c", f"sqlite:///{tmp_path / 'c.db'}"),
        )
    ]
    a, b, c = (runtime_of(n) for n in nodes)
    from sqlalchemy import select

    from node.db.models import Institution
    from node.ledger.connection import open_chain

    with b.sessions() as session:
        institution_b = session.scalar(select(Institution))
    spec_b = genesis_spec(
        b.identity(), institution_b, b.anchoring_account().address, frozenset({6, 7})
    )
    chain = open_chain(a.settings, a.anchoring_account())
    try:
        deployment = deploy_as_genesis(
            a.sessions, chain, a.identity(), a.anchoring_account(), frozenset({6, 7}), [spec_b]
        )
    finally:
        chain.close()
    store_deployment(b.sessions, deployment)
    store_deployment(c.sessions, deployment)
    for node in nodes:
        node.client.__enter__()
    try:
        yield nodes
    finally:
        for node in nodes:
            node.client.__exit__(None, None, None)


def post_json(node: RunningNode, path: str, body: object = None) -> Any:
    return node.client.post(f"/admin/network{path}", json=body, headers=node.auth(node.admin_token))


def issue_credential(node: RunningNode, n: int) -> dict[str, Any]:
    reply = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(n), "formats": FORMAT},
        headers=node.auth(),
    )
    assert reply.status_code == 201, reply.text
    credential: dict[str, Any] = reply.json()["credentials"][0]["credential"]
    credential["_record"] = reply.json()["id"]  # removed again before verifying
    return credential


def anchor_pending(node: RunningNode) -> int:
    runtime = runtime_of(node)
    runtime.status().publish_changed()
    confirmed: int = runtime.anchor_worker().run_once(force=True)
    runtime.status_anchorer().run_once()
    return confirmed


def verify_credential(node: RunningNode, credential: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in credential.items() if k != "_record"}
    reply = node.client.post("/api/verify", json={"credential": body})
    assert reply.status_code == 200, reply.text
    report: dict[str, Any] = reply.json()
    report["by_name"] = {c["name"]: c for c in report["checks"]}
    return report


def tick() -> None:
    """Let a second pass: anvil's blocks within one second share a timestamp. (Not
    evm_increaseTime: verifiers compare chain times with the wall clock.)"""
    time.sleep(1.1)


def test_admission_suspension_and_key_rotation(network: list[RunningNode]) -> None:
    a, b, c = network
    assert a.client.post("/admin/network/keys/rotate").status_code == 401
    forbidden = a.client.get("/admin/network/proposals", headers=a.auth(a.issuer_token))
    assert forbidden.status_code == 403
    members = a.client.get("/api/network/members").json()["members"]
    assert [m["did"] for m in members] == ["did:web:uni-a.example", "did:web:uni-b.example"]
    assert members[1]["accreditation"]["eqfLevels"] == [6, 7]

    # C is not a member yet: its anchors are refused by the contract.
    assert post_json(c, "/self").status_code == 405  # GET only
    # A proposes C (and votes for it); 1 of 2 is no strict majority; B's vote admits C.
    proposed = post_json(a, "/proposals/admission", membership_application(c))
    assert proposed.status_code == 201, proposed.text
    proposal = proposed.json()["proposal"]
    assert proposal["kind"] == "admission" and proposal["state"] == "open"
    assert proposal["votesFor"] == 1 and proposal["eligible"] == 2
    again = post_json(a, f"/proposals/{proposal['id']}/vote", {"support": True})
    assert again.status_code == 409 and again.json()["error"] == "AlreadyVoted"
    voted = post_json(b, f"/proposals/{proposal['id']}/vote", {"support": True})
    assert voted.status_code == 200, voted.text
    assert voted.json()["proposal"]["state"] == "executed"
    assert "MemberAdmitted" in voted.json()["events"]
    listed = b.client.get("/api/network/members").json()["members"]
    assert [m["status"] for m in listed] == ["active", "active", "active"]

    bad = post_json(a, "/proposals/admission", {**membership_application(c), "accounts": ["0x12"]})
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["element"] == "accounts.0"
    taken = post_json(a, "/proposals/admission", membership_application(c))
    assert taken.status_code == 409 and taken.json()["error"] == "DidTaken"

    # Each issues a credential; each verifies the others' (keys and membership from chain).
    credentials = [issue_credential(node, i) for i, node in enumerate(network)]
    for node in network:
        assert anchor_pending(node) == 1
    for verifier in network:
        for credential in credentials:
            report = verify_credential(verifier, credential)
            assert report["verified"] is True, report
            assert report["by_name"]["membership"]["ok"] is True

    tick()
    # C is suspended by A and B (C does not vote on its own case: 2 of 2 eligible).
    suspend = post_json(a, "/proposals/suspension", {"member": "did:web:uni-c.example"})
    assert suspend.status_code == 201, suspend.text
    assert suspend.json()["proposal"]["state"] == "open"
    own_case = post_json(
        c, f"/proposals/{suspend.json()['proposal']['id']}/vote", {"support": False}
    )
    assert own_case.status_code == 409 and own_case.json()["error"] == "OwnCase"
    done = post_json(b, f"/proposals/{suspend.json()['proposal']['id']}/vote", {"support": True})
    assert done.json()["proposal"]["state"] == "executed", done.text
    runtime_c = runtime_of(c)
    assert runtime_c.ledger().network.status_of(3) is MemberStatus.SUSPENDED

    # Its new anchors are refused; it can still revoke (a new status list version anchors).
    issue_credential(c, 10)
    with pytest.raises(ChainError, match="MemberNotActive"):
        _anchor_strict(runtime_c.anchor_worker())
    record = c.client.get("/admin/network/proposals", headers=c.auth(c.admin_token))
    assert record.status_code == 200 and len(record.json()) == 2
    old = credentials[2]
    revoke = c.client.post(
        f"/admin/credentials/{_record_id(c, old)}/revoke",
        json={"reason": "suspended member revokes"},
        headers=c.auth(),
    )
    assert revoke.status_code == 200, revoke.text
    runtime_c.status().publish_changed()
    assert runtime_c.status_anchorer().run_once() >= 1
    # The status check caches a list's latest anchored version for 5 s: verifiers afresh.
    for node in network:
        runtime_of(node).reload_identity()
    report = verify_credential(c, old)  # C holds the anchor proof: issued while C was active
    assert report["by_name"]["membership"]["ok"] is True, report
    assert "suspended since" in report["by_name"]["membership"]["detail"]
    assert report["by_name"]["status"]["ok"] is False  # revoked
    foreign = verify_credential(a, old)  # A has no anchor proof for C's credential: judged now
    assert foreign["by_name"]["anchor"]["ok"] is None
    assert foreign["by_name"]["membership"]["ok"] is False
    assert "suspended since" in foreign["by_name"]["membership"]["detail"]

    # A rotates its key: B votes it in; A switches and retires the old key.
    rotated = post_json(a, "/keys/rotate")
    assert rotated.status_code == 201, rotated.text
    assert rotated.json()["keyId"] == "ed25519-2" and rotated.json()["active"] is False
    early = post_json(a, "/keys/ed25519-2/activate")
    assert early.status_code == 409
    key_proposal = rotated.json()["outcome"]["proposal"]["id"]
    assert post_json(b, f"/proposals/{key_proposal}/vote", {"support": True}).status_code == 200
    assert post_json(a, "/keys/ed25519-2/activate").status_code == 200
    did_doc = a.client.get("/.well-known/did.json").json()
    ids = [m["id"] for m in did_doc["verificationMethod"]]
    assert "did:web:uni-a.example#ed25519-1" in ids and "did:web:uni-a.example#ed25519-2" in ids
    new = issue_credential(a, 20)
    assert new["proof"]["verificationMethod"].endswith("#ed25519-2")
    assert anchor_pending(a) == 1
    assert anchor_pending(a) == 0  # the re-signed status lists are anchored too
    tick()
    in_use = post_json(a, "/keys/ed25519-2/retire")
    assert in_use.status_code == 409
    retired = post_json(a, "/keys/ed25519-1/retire")
    assert retired.status_code == 200, retired.text
    assert retired.json()["events"] == ["KeyRetired"]
    # A's own node has the anchor proof: old credential judged at its anchor time.
    old_report = verify_credential(a, credentials[0])
    assert old_report["verified"] is True, [c for c in old_report["checks"] if not c["ok"]]
    assert verify_credential(a, new)["verified"] is True
    assert verify_credential(b, new)["verified"] is True

    # At B (no proof of A's anchor) the old credential is judged now: its key is retired.
    runtime_of(b).reload_identity()
    without_proof = verify_credential(b, credentials[0])
    assert without_proof["by_name"]["issuer_key"]["ok"] is False
    # The holder fetched the anchor proof from A ahead of time and hands it to B.
    proof = a.client.get(f"/credentials/{credentials[0]['_record']}/anchor").json()
    forged = {"copies": [{**proof["copies"][0], "root": "11" * 32}]}
    refused = b.client.post("/api/network/anchor-proofs", json=forged)
    assert refused.status_code == 422, refused.text
    assert "does not lead to the root" in refused.json()["problems"][0]["reason"]
    accepted = b.client.post("/api/network/anchor-proofs", json=proof)
    assert accepted.status_code == 200, accepted.text
    with_proof = verify_credential(b, credentials[0])
    assert with_proof["verified"] is True, with_proof["checks"]
    assert with_proof["by_name"]["anchor"]["ok"] is True

    # A credential signed with the retired key after its retirement fails (a node that kept
    # or stole the old key): its anchor is later than the key's window.
    tick()
    runtime_a = runtime_of(a)
    set_active_key_id(runtime_a.settings.data_dir, "ed25519-1")
    runtime_a.reload_identity()
    late = issue_credential(a, 30)
    assert late["proof"]["verificationMethod"].endswith("#ed25519-1")
    assert anchor_pending(a) == 1
    late_report = verify_credential(a, late)
    assert late_report["verified"] is False
    assert late_report["by_name"]["anchor"]["ok"] is True
    assert late_report["by_name"]["issuer_key"]["ok"] is False
    assert "(retired)" in late_report["by_name"]["issuer_key"]["detail"]
    assert verify_credential(b, late)["by_name"]["issuer_key"]["ok"] is False


def _anchor_strict(worker: AnchorWorker) -> None:
    worker.run_once(force=True)


def _record_id(node: RunningNode, credential: dict[str, Any]) -> str:
    record_id: str = credential["_record"]
    return record_id


def test_a_node_from_its_embedded_chain_joins_and_reanchors(
    network: list[RunningNode], tmp_path: Path, anvil_url: str
) -> None:
    from anchoring.rpc import Web3ChainClient
    from node.ledger.network import stored_deployment
    from node.network.migrate import migrate_to_network
    from node.runtime import build_runtime

    a, b, _c = network
    # D ran alone on its embedded chain and issued there.
    settings_d = Settings(
        data_dir=tmp_path / "uni-d",
        database_url=f"sqlite:///{tmp_path / 'd.db'}",
        origin="https://uni-d.example",
        key_passphrase=PASSPHRASE,
        sign_workers=1,
        anchor_window_seconds=3600.0,
    )
    d = start_node(settings_d, file_keys=True)  # build_runtime below reads the same key files
    with d.client:
        earlier = issue_credential(d, 40)
        assert anchor_pending(d) == 1
        assert runtime_of(d).ledger().deployment.chain_id == 1337
        before = verify_credential(d, earlier)
        assert before["by_name"]["anchor"]["ok"] is True
        application = membership_application(d)
    # A proposes D on the network chain, B's vote admits it.
    proposed = post_json(a, "/proposals/admission", application).json()["proposal"]
    assert post_json(b, f"/proposals/{proposed['id']}/vote", {"support": True}).status_code == 200

    deployment = stored_deployment(runtime_of(a).sessions)
    assert deployment is not None
    runtime_d = build_runtime(settings_d)
    try:
        with Web3ChainClient(anvil_url) as chain:
            done = migrate_to_network(runtime_d, chain, deployment)
            assert (done.roots, done.member) == (1, 3)
            head = chain.block().number
            again = migrate_to_network(runtime_d, chain, deployment)  # idempotent
            assert again.roots == 1 and chain.block().number == head  # nothing sent
        assert stored_deployment(runtime_d.sessions) == deployment
    finally:
        runtime_d.close()

    rpc_settings = settings_d.model_copy(update={"chain": "rpc", "chain_rpc_url": anvil_url})
    d_rpc = RunningNode(
        TestClient(create_app(rpc_settings), raise_server_exceptions=False),
        rpc_settings,
        d.issuer_token,
        d.admin_token,
        d.vcapi_token,
    )
    with d_rpc.client:
        anchor_pending(d_rpc)  # re-publishes D's status list versions on the network chain
        own = verify_credential(d_rpc, earlier)
        assert own["verified"] is True, own["checks"]
        assert own["by_name"]["anchor"]["ok"] is True
        anchor_document = d_rpc.client.get(f"/credentials/{earlier['_record']}/anchor").json()
        assert anchor_document["copies"][0]["chainId"] == 31337
        # Any member verifies D's earlier credential with the holder's proof.
        handed = a.client.post("/api/network/anchor-proofs", json=anchor_document)
        assert handed.status_code == 200, handed.text
        at_a = verify_credential(a, earlier)
        assert at_a["verified"] is True, at_a["checks"]
        assert at_a["by_name"]["anchor"]["ok"] is True
        assert at_a["by_name"]["membership"]["ok"] is True
