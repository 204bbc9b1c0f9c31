"""GET /credentials/{id}/anchor: a holder's proof, checked here against the chain itself."""

from __future__ import annotations

from anchoring.merkle import verify_inclusion
from node.credentials.examples import example_claims
from tests.conftest import RunningNode


def test_anchor_proof_for_the_holder(node: RunningNode) -> None:
    issued = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(31), "formats": ["ldp_vc+eddsa-jcs-2022", "jwt_vc_json"]},
        headers=node.auth(),
    ).json()
    record_id = issued["id"]
    pending = node.client.get(f"/credentials/{record_id}/anchor")
    assert pending.status_code == 200
    assert [c["state"] for c in pending.json()["copies"]] == ["pending", "pending"]

    runtime = node.client.app.state.runtime  # type: ignore[attr-defined]
    assert runtime.anchor_worker().run_once(force=True) == 2
    body = node.client.get(f"/credentials/{record_id}/anchor").json()
    chain_root = None
    for copy, signed in zip(body["copies"], issued["credentials"], strict=True):
        assert copy["state"] == "confirmed"
        assert copy["leafDigest"] == signed["leafDigest"]
        assert verify_inclusion(
            bytes.fromhex(copy["leafDigest"]),
            copy["leafIndex"],
            copy["treeSize"],
            [bytes.fromhex(h) for h in copy["proof"]],
            bytes.fromhex(copy["root"]),
        )
        # The root is the one the contract holds, in the block the node reports.
        info = runtime.ledger().anchors.root_info(bytes.fromhex(copy["root"]))
        assert info is not None and info.block_number == copy["blockNumber"]
        chain_root = copy["root"]
    assert chain_root is not None


def test_unknown_record_is_404(node: RunningNode) -> None:
    response = node.client.get("/credentials/00000000-0000-0000-0000-000000000000/anchor")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_one_copy_by_its_leaf_digest(node: RunningNode) -> None:
    """What another member's verifier asks for (issue 11, item 11b): by the copy's hash."""
    issued = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(32), "formats": ["ldp_vc+eddsa-jcs-2022", "jwt_vc_json"]},
        headers=node.auth(),
    ).json()
    node.anchor_all()
    by_record = node.client.get(f"/credentials/{issued['id']}/anchor").json()
    digest = issued["credentials"][1]["leafDigest"]
    by_digest = node.client.get(f"/credentials/{digest}/anchor")
    assert by_digest.status_code == 200, by_digest.text
    assert by_digest.json() == {"recordId": issued["id"], "copies": [by_record["copies"][1]]}
    unknown = node.client.get(f"/credentials/{'0' * 64}/anchor")
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
