"""After a signing-key rotation the anchor service's status-list publisher signs with the new
key: the rounds are built once, when the service starts, and must not keep the old key."""

from __future__ import annotations

import time

from node.credentials.examples import example_claims
from tests.conftest import RunningNode


def test_background_publisher_signs_with_the_key_in_use_after_rotation(
    node: RunningNode,
) -> None:
    rounds = node.runtime.ledger_rounds()  # as AnchorService holds them from its start
    rounds.run_once()
    rotated = node.client.post("/admin/network/keys/rotate", headers=node.auth(node.admin_token))
    assert rotated.status_code == 201, rotated.text
    assert rotated.json()["active"] is True
    issued = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(3), "formats": ["ldp_vc+eddsa-jcs-2022"]},
        headers=node.auth(),
    )
    assert issued.status_code == 201, issued.text
    rounds.run_once()  # publishes the new lists' first versions
    entries = issued.json()["credentials"][0]["credential"]["credentialStatus"]
    for entry in entries:
        served = node.client.get(entry["statusListCredential"].removeprefix(node.settings.origin))
        assert served.status_code == 200, served.text
        method = served.json()["proof"]["verificationMethod"]
        assert method.endswith("#ed25519-2"), method


def test_a_list_signed_right_after_a_rotation_verifies_while_the_chain_runs_ahead(
    node: RunningNode,
) -> None:
    """A dev chain mining several blocks a second dates each a second later, so its time runs
    ahead of the wall clock, and a new key is valid from the chain's time. Status lists are
    re-signed with the new key at once: checked "now", they must verify, not read as
    "not signed by the issuer: tampered"."""
    issued = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(4), "formats": ["ldp_vc+eddsa-jcs-2022"]},
        headers=node.auth(),
    )
    assert issued.status_code == 201, issued.text
    credential = issued.json()["credentials"][0]["credential"]
    node.anchor_all()
    ledger = node.runtime.ledger()
    for _ in range(40):  # 40 blocks within a few seconds: the chain's time runs ahead
        ledger.chain.wait_for_receipt(
            ledger.chain.send(ledger.account, ledger.account.address, b"")
        )
    assert ledger.chain.block().timestamp > time.time() + 20
    rotated = node.client.post("/admin/network/keys/rotate", headers=node.auth(node.admin_token))
    assert rotated.status_code == 201 and rotated.json()["active"] is True, rotated.text
    report = node.client.post("/api/verify", json={"credential": credential}).json()
    status = next(c for c in report["checks"] if c["name"] == "status")
    assert status["ok"] is True, status
    assert report["verdict"] == "valid", report["checks"]
