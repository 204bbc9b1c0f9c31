"""After a signing-key rotation every OpenID4VCI copy is signed with the key it names.

The wallet service is used before the rotation (so anything it cached is stale), the key is
rotated (the embedded chain's sole member decides alone), and then a copy in every wallet
format is issued over OpenID4VCI and checked by the independent verifier (npm) and by the
node's own verifier.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from node.credentials.examples import example_claims
from tests.conftest import RunningNode
from tests.integration.test_oid4vci import make_offer, redeem
from tests.interop.jsverifier import JsVerifier, status_list_documents
from tests.interop.test_node_credentials import served
from tests.interop.test_sd_jwt_interop import fetch_status_lists
from vc import jose
from vc.multikey import public_key_from_multibase, public_key_to_jwk

pytestmark = pytest.mark.interop

CONFIGURATIONS = [
    "MicroCredential_jwt_vc_json",
    "MicroCredential_ldp_vc",
    "MicroCredential_ldp_vc_jcs",
    "MicroCredential_dc_sd_jwt",
]


def _record(node: RunningNode, n: int) -> str:
    response = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(n), "formats": ["jwt_vc_json"]},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _wallet_copy(node: RunningNode, record_id: str, configuration: str) -> Any:
    offer = make_offer(node, record_id, configuration_ids=[configuration])
    key: Any = ec.generate_private_key(ec.SECP256R1())
    if configuration == "MicroCredential_ldp_vc":
        key = ed25519.Ed25519PrivateKey.generate()
    response, _token = redeem(node, offer, configuration, key)
    assert response.status_code == 200, response.text
    return response.json()["credentials"][0]["credential"]


def _p256_jwk(did_document: dict[str, Any]) -> dict[str, Any]:
    method = next(m for m in did_document["verificationMethod"] if m["id"].endswith("#p256-1"))
    return public_key_to_jwk(public_key_from_multibase(method["publicKeyMultibase"]))


def _independent(
    node: RunningNode, verifier: JsVerifier, configuration: str, credential: Any
) -> dict[str, Any]:
    did_document = node.client.get("/.well-known/did.json").json()
    if configuration == "MicroCredential_dc_sd_jwt":
        lists = fetch_status_lists(node, credential)
        return dict(
            verifier.verify_sd_jwt(credential, jwk=_p256_jwk(did_document), status_lists=lists)
        )
    if configuration == "MicroCredential_jwt_vc_json":
        vc = jose.decode_jws(credential)[1]["vc"]
        documents = {did_document["id"]: did_document, **status_list_documents(vc, served(node))}
        return dict(
            verifier.verify_jwt(credential, jwk=_p256_jwk(did_document), documents=documents)
        )
    documents = {
        did_document["id"]: did_document,
        **status_list_documents(credential, served(node)),
    }
    return dict(verifier.verify_ldp(credential, documents=documents))


def test_every_wallet_format_after_a_key_rotation(
    node: RunningNode, js_verifier: JsVerifier
) -> None:
    record_id = _record(node, 21)
    before = _wallet_copy(node, record_id, "MicroCredential_ldp_vc")  # the service is in use
    assert before["proof"]["verificationMethod"].endswith("#ed25519-1")

    rotated = node.client.post("/admin/network/keys/rotate", headers=node.auth(node.admin_token))
    assert rotated.status_code == 201, rotated.text
    assert rotated.json()["keyId"] == "ed25519-2" and rotated.json()["active"] is True

    copies = {c: _wallet_copy(node, record_id, c) for c in CONFIGURATIONS}
    for configuration in ("MicroCredential_ldp_vc", "MicroCredential_ldp_vc_jcs"):
        method = copies[configuration]["proof"]["verificationMethod"]
        assert method.endswith("#ed25519-2"), method
    node.anchor_all()
    for configuration, credential in copies.items():
        independent = _independent(node, js_verifier, configuration, credential)
        assert independent["verified"], (configuration, independent)
        report = node.client.post("/api/verify", json={"credential": credential}).json()
        checks = {c["name"]: c for c in report["checks"]}
        assert checks["signature"]["ok"] is True, (configuration, json.dumps(report)[:2000])
        assert report["verified"] is True, (
            configuration,
            [c for c in report["checks"] if not c["ok"]],
        )
