"""Revocation and suspension as an independent verifier sees them.

The node's credentials are checked by ``verify.mjs`` with npm
``@digitalbazaar/vc-bitstring-status-list`` (``checkStatus``), given the exact status list
credentials the node serves at ``/status/N``: revoke → revoked, suspend → suspended,
reinstate → valid, and a list with one bit flipped but its signature left as is → rejected.
The VC API issuer's own lists (``/vc-api/status/N``) are checked the same way.
"""

from __future__ import annotations

import base64
import gzip
import uuid
from typing import Any

import pytest

from node.credentials.examples import example_claims
from node.vc.multikey import public_key_from_multibase, public_key_to_jwk
from tests.conftest import RunningNode
from tests.interop.jsverifier import JsVerifier, VerifyResult, status_list_documents
from tests.interop.test_node_credentials import jwt_claims, served

pytestmark = pytest.mark.interop

FORMATS = ["ldp_vc+eddsa-rdfc-2022", "ldp_vc+eddsa-jcs-2022", "jwt_vc_json"]


class Issued:
    """One record's three signed copies and what the independent verifier needs."""

    def __init__(self, node: RunningNode) -> None:
        response = node.client.post(
            "/admin/credentials",
            json={"claims": example_claims(7), "formats": FORMATS},
            headers=node.auth(),
        )
        assert response.status_code == 201, response.text
        body = response.json()
        self.node = node
        self.record_id: str = body["id"]
        self.copies = {c["format"]: c["credential"] for c in body["credentials"]}
        self.did_document: dict[str, Any] = node.client.get("/.well-known/did.json").json()
        method = next(
            m for m in self.did_document["verificationMethod"] if m["id"].endswith("#p256-1")
        )
        self.jwk = public_key_to_jwk(public_key_from_multibase(method["publicKeyMultibase"]))

    def documents(self) -> dict[str, Any]:
        """The DID document and the lists as served now (fetched afresh each time)."""
        credential = self.copies["ldp_vc+eddsa-rdfc-2022"]
        return {
            self.did_document["id"]: self.did_document,
            **status_list_documents(credential, served(self.node)),
        }

    def verify_all(
        self, js: JsVerifier, documents: dict[str, Any] | None = None
    ) -> list[VerifyResult]:
        documents = documents if documents is not None else self.documents()
        return [
            js.verify_ldp(self.copies["ldp_vc+eddsa-rdfc-2022"], documents=documents),
            js.verify_ldp(self.copies["ldp_vc+eddsa-jcs-2022"], documents=documents),
            js.verify_jwt(self.copies["jwt_vc_json"], jwk=self.jwk, documents=documents),
        ]

    def act(self, action: str) -> None:
        response = self.node.client.post(
            f"/admin/credentials/{self.record_id}/{action}",
            json={"reason": f"interop test: {action}"},
            headers=self.node.auth(),
        )
        assert response.status_code == 200, response.text


def test_the_two_entries_agree_across_copies(node: RunningNode) -> None:
    issued = Issued(node)
    rdfc = issued.copies["ldp_vc+eddsa-rdfc-2022"]["credentialStatus"]
    assert sorted(e["statusPurpose"] for e in rdfc) == ["revocation", "suspension"]
    assert issued.copies["ldp_vc+eddsa-jcs-2022"]["credentialStatus"] == rdfc
    assert jwt_claims(issued.copies["jwt_vc_json"])["vc"]["credentialStatus"] == rdfc


def test_revoked_is_reported_revoked(node: RunningNode, js_verifier: JsVerifier) -> None:
    issued = Issued(node)
    for result in issued.verify_all(js_verifier):
        assert result["verified"], result
        assert result["statuses"] == {"revocation": False, "suspension": False}

    issued.act("revoke")
    for result in issued.verify_all(js_verifier):
        assert not result["verified"]
        assert result["statuses"] == {"revocation": True, "suspension": False}, result
        assert "revoked" in (result["error"] or "")


def test_suspend_then_reinstate(node: RunningNode, js_verifier: JsVerifier) -> None:
    issued = Issued(node)
    issued.act("suspend")
    for result in issued.verify_all(js_verifier):
        assert not result["verified"]
        assert result["statuses"] == {"revocation": False, "suspension": True}, result
        assert "suspended" in (result["error"] or "")

    issued.act("reinstate")
    for result in issued.verify_all(js_verifier):
        assert result["verified"], result
        assert result["statuses"] == {"revocation": False, "suspension": False}


def test_other_credentials_on_the_same_list_are_untouched(
    node: RunningNode, js_verifier: JsVerifier
) -> None:
    revoked, bystander = Issued(node), Issued(node)
    revoked.act("revoke")
    for result in bystander.verify_all(js_verifier):
        assert result["verified"], result


def _flip_one_bit(encoded: str, index: int) -> str:
    text = encoded.removeprefix("u")
    bits = bytearray(gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))))
    bits[index // 8] ^= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def test_tampered_list_is_rejected(node: RunningNode, js_verifier: JsVerifier) -> None:
    """One bit flipped in ``encodedList`` (the credential's own bit: a tampered node
    "reinstating" or "revoking" it), the list's proof left as is."""
    issued = Issued(node)
    credential = issued.copies["ldp_vc+eddsa-rdfc-2022"]
    entry = next(e for e in credential["credentialStatus"] if e["statusPurpose"] == "revocation")
    documents = issued.documents()
    url = entry["statusListCredential"]
    tampered = {
        **documents[url],
        "credentialSubject": {
            **documents[url]["credentialSubject"],
            "encodedList": _flip_one_bit(
                documents[url]["credentialSubject"]["encodedList"], int(entry["statusListIndex"])
            ),
        },
    }
    assert tampered != documents[url]
    for result in issued.verify_all(js_verifier, {**documents, url: tampered}):
        assert not result["verified"]
        assert "statuses" not in result, "the bit of a list that does not verify is not read"
        assert "BitstringStatusListCredential" in (result["error"] or ""), result


def test_list_of_the_wrong_purpose_is_rejected(node: RunningNode, js_verifier: JsVerifier) -> None:
    issued = Issued(node)
    credential = issued.copies["ldp_vc+eddsa-rdfc-2022"]
    by_purpose = {
        e["statusPurpose"]: e["statusListCredential"] for e in credential["credentialStatus"]
    }
    documents = issued.documents()
    swapped = {
        **documents,
        by_purpose["revocation"]: documents[by_purpose["suspension"]],
    }
    result = js_verifier.verify_ldp(credential, documents=swapped)
    assert not result["verified"]
    assert "status purpose" in (result["error"] or "")


# -- the W3C VC API issuer's lists ---------------------------------------------------------


def _vcapi_issue(node: RunningNode, path: str) -> dict[str, Any]:
    issuer = node.client.get("/vc-api/issuers").json()["issuers"][path]
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:alice"},
    }
    response = node.client.post(
        path,
        json={
            "credential": credential,
            "options": {"credentialStatus": {"type": "BitstringStatusListEntry"}},
        },
        headers=node.auth(node.vcapi_token),
    )
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()["verifiableCredential"]
    return issued


@pytest.mark.parametrize("path", ["/credentials/issue", "/vc-api/eddsa-jcs-2022/credentials/issue"])
def test_vc_api_status_round_trip(node: RunningNode, js_verifier: JsVerifier, path: str) -> None:
    credential = _vcapi_issue(node, path)

    def check() -> VerifyResult:
        documents = status_list_documents(credential, served(node))
        return js_verifier.verify_ldp(credential, documents=documents)

    result = check()
    assert result["verified"], result
    assert result["statuses"] == {"revocation": False, "suspension": False}

    def update(purpose: str, status: bool) -> None:
        response = node.client.post(
            "/credentials/status",
            json={
                "credentialId": credential["id"],
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": purpose,
                    "status": status,
                },
            },
            headers=node.auth(node.vcapi_token),
        )
        assert response.status_code == 200, response.text

    update("suspension", True)
    assert check()["statuses"] == {"revocation": False, "suspension": True}
    update("suspension", False)
    assert check()["verified"]
    update("revocation", True)
    result = check()
    assert not result["verified"]
    assert result["statuses"] == {"revocation": True, "suspension": False}
