"""Revocation and suspension as an independent verifier sees them.

The node's credentials are checked by ``verify.mjs`` with npm
``@digitalbazaar/vc-bitstring-status-list`` (``checkStatus``; the two 1-bit entries of the
VCDM 2.0 copies) and ``@4sure-tech/vc-bitstring-status-lists`` (the single 2-bit ``message``
entry of the VCDM 1.1 ``jwt_vc_json`` copy), given the exact status list credentials the
node serves at ``/status/N``: revoke → revoked, suspend → suspended, reinstate → valid, and
a list with one bit flipped but its signature left as is → rejected. The VC API issuer's
own lists (``/vc-api/status/N``) are checked the same way.
"""

from __future__ import annotations

import base64
import gzip
import uuid
from typing import Any

import pytest

from node.credentials.examples import example_claims
from tests.conftest import RunningNode
from tests.interop.jsverifier import JsVerifier, VerifyResult, status_list_documents
from tests.interop.test_node_credentials import jwt_claims, served
from vc.multikey import public_key_from_multibase, public_key_to_jwk

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
        return {
            self.did_document["id"]: self.did_document,
            **status_list_documents(self.copies["ldp_vc+eddsa-rdfc-2022"], served(self.node)),
            **status_list_documents(self.vc11(), served(self.node)),
        }

    def vc11(self) -> dict[str, Any]:
        """The VCDM 1.1 credential inside the jwt_vc_json copy."""
        claims: dict[str, Any] = jwt_claims(self.copies["jwt_vc_json"])["vc"]
        return claims

    def expect(self, results: list[VerifyResult], state: str) -> None:
        """Every copy reports ``state`` (valid / revoked / suspended): the VCDM 2.0 copies
        by their two 1-bit entries, the VCDM 1.1 copy by its one 2-bit entry."""
        bits = {"revocation": state == "revoked", "suspension": state == "suspended"}
        value = {"valid": 0, "revoked": 1, "suspended": 2}[state]
        for result in results[:2]:
            assert result["statuses"] == bits, result
        assert results[2]["statuses"] == {"message": value}, results[2]
        for result in results:
            assert result["verified"] is (state == "valid"), result
            if state != "valid":
                assert state in (result["error"] or ""), result

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


def test_status_entries_of_each_data_model(node: RunningNode) -> None:
    """VCDM 2.0: one entry per purpose. VCDM 1.1 (§4.9: one ``credentialStatus`` object,
    which strict holders such as Credo enforce): the 2-bit message entry."""
    issued = Issued(node)
    rdfc = issued.copies["ldp_vc+eddsa-rdfc-2022"]["credentialStatus"]
    assert sorted(e["statusPurpose"] for e in rdfc) == ["revocation", "suspension"]
    assert issued.copies["ldp_vc+eddsa-jcs-2022"]["credentialStatus"] == rdfc
    entry = issued.vc11()["credentialStatus"]
    assert isinstance(entry, dict) and entry["type"] == "BitstringStatusListEntry"
    assert entry["statusPurpose"] == "message" and entry["statusSize"] == 2
    assert entry["statusMessage"] == [
        {"status": "0x0", "message": "valid"},
        {"status": "0x1", "message": "revoked"},
        {"status": "0x2", "message": "suspended"},
        {"status": "0x3", "message": "undefined"},
    ]
    revocation = next(e for e in rdfc if e["statusPurpose"] == "revocation")
    assert entry["statusListIndex"] == revocation["statusListIndex"]  # the paired list


def test_revoked_is_reported_revoked(node: RunningNode, js_verifier: JsVerifier) -> None:
    issued = Issued(node)
    issued.expect(issued.verify_all(js_verifier), "valid")
    issued.act("revoke")
    issued.expect(issued.verify_all(js_verifier), "revoked")


def test_suspend_then_reinstate(node: RunningNode, js_verifier: JsVerifier) -> None:
    issued = Issued(node)
    issued.act("suspend")
    issued.expect(issued.verify_all(js_verifier), "suspended")
    issued.act("reinstate")
    issued.expect(issued.verify_all(js_verifier), "valid")


def test_other_credentials_on_the_same_list_are_untouched(
    node: RunningNode, js_verifier: JsVerifier
) -> None:
    revoked, bystander = Issued(node), Issued(node)
    revoked.act("revoke")
    for result in bystander.verify_all(js_verifier):
        assert result["verified"], result


def _tampered(list_credential: dict[str, Any], bit: int) -> dict[str, Any]:
    subject = list_credential["credentialSubject"]
    return {
        **list_credential,
        "credentialSubject": {**subject, "encodedList": _flip_one_bit(subject["encodedList"], bit)},
    }


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
    message = issued.vc11()["credentialStatus"]
    documents = issued.documents()
    url, message_url = entry["statusListCredential"], message["statusListCredential"]
    tampered = {
        **documents,
        url: _tampered(documents[url], int(entry["statusListIndex"])),
        # the low bit of the 2-bit entry: "valid" would read "revoked"
        message_url: _tampered(documents[message_url], 2 * int(message["statusListIndex"]) + 1),
    }
    assert tampered[url] != documents[url] and tampered[message_url] != documents[message_url]
    for result in issued.verify_all(js_verifier, tampered):
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
