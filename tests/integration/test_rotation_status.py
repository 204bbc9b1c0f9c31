"""After a signing-key rotation the anchor service's status-list publisher signs with the new
key: the rounds are built once, when the service starts, and must not keep the old key."""

from __future__ import annotations

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
