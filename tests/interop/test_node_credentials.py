"""Every format the node issues verifies in an independent verifier — status included —
and tampering is caught."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest

from node.credentials.examples import example_claims
from tests.conftest import RunningNode
from tests.interop.jsverifier import JsVerifier, status_list_documents
from vc.multikey import public_key_from_multibase, public_key_to_jwk

pytestmark = pytest.mark.interop

FORMATS = ["ldp_vc+eddsa-rdfc-2022", "ldp_vc+eddsa-jcs-2022", "jwt_vc_json"]
ORIGIN = "https://uni-a.example"


def _issued(node: RunningNode) -> tuple[dict[str, Any], dict[str, Any]]:
    response = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(11), "formats": FORMATS, "subjectId": _learner_did()},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    did_document = node.client.get("/.well-known/did.json").json()
    return response.json(), did_document


def _learner_did() -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from vc.did import did_key_for

    return did_key_for(Ed25519PrivateKey.generate().public_key())[0]


def served(node: RunningNode) -> Any:
    """``fetch`` for :func:`status_list_documents`: the exact JSON the node serves."""

    def fetch(url: str) -> Any:
        assert url.startswith(ORIGIN + "/"), url
        response = node.client.get(url.removeprefix(ORIGIN))
        assert response.status_code == 200, response.text
        return json.loads(response.content)

    return fetch


def jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


@pytest.mark.parametrize("fmt", FORMATS[:2])
def test_data_integrity_copies_verify_independently(
    node: RunningNode, js_verifier: JsVerifier, fmt: str
) -> None:
    record, did_document = _issued(node)
    credential = next(c["credential"] for c in record["credentials"] if c["format"] == fmt)
    lists = status_list_documents(credential, served(node))
    assert len(lists) == 2, "a revocation and a suspension list"
    documents = {did_document["id"]: did_document, **lists}

    result = js_verifier.verify_ldp(credential, documents=documents)
    assert result["verified"], result
    assert result["statuses"] == {"revocation": False, "suspension": False}

    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["achievement"]["name"] = "Something else"
    assert not js_verifier.verify_ldp(tampered, documents=documents)["verified"]

    # Status is checked, not assumed: without the lists the credential does not verify.
    unlisted = js_verifier.verify_ldp(credential, documents={did_document["id"]: did_document})
    assert not unlisted["verified"]
    assert "credentialStatus" in (unlisted["error"] or "")
    ignored = js_verifier.verify_ldp(
        credential, documents={did_document["id"]: did_document}, ignore_status=True
    )
    assert ignored["verified"], ignored


def test_jwt_vc_json_copy_verifies_independently(
    node: RunningNode, js_verifier: JsVerifier
) -> None:
    record, did_document = _issued(node)
    token = next(c["credential"] for c in record["credentials"] if c["format"] == "jwt_vc_json")
    method = next(m for m in did_document["verificationMethod"] if m["id"].endswith("#p256-1"))
    jwk = public_key_to_jwk(public_key_from_multibase(method["publicKeyMultibase"]))
    # The lists are Data Integrity credentials signed by the institution's Ed25519 key.
    documents = {
        did_document["id"]: did_document,
        **status_list_documents(jwt_claims(token)["vc"], served(node)),
    }

    result = js_verifier.verify_jwt(token, kind="jwt_vc_json", jwk=jwk, documents=documents)
    assert result["verified"], result
    assert result["statuses"] == {"message": 0}  # the one 2-bit entry of VCDM 1.1

    header, _, signature = token.split(".")
    claims = jwt_claims(token)
    claims["vc"]["credentialSubject"]["achievement"]["name"] = "Something else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged_token = f"{header}.{forged}.{signature}"
    assert not js_verifier.verify_jwt(forged_token, jwk=jwk, documents=documents)["verified"]
