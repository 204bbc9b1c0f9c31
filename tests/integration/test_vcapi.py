"""The W3C VC API (generic did:key issuer): issue, verify credentials and presentations."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from node.status.bitstring import MIN_ENTRIES, Bitstring
from node.vcapi.status import record_id_for
from tests.conftest import RunningNode
from tests.interop.conftest import js_verifier
from tests.interop.jsverifier import JsVerifier
from vc import data_integrity
from vc.did import StaticDidResolver, did_key_for
from vc.multikey import public_key_from_multibase, public_key_to_jwk
from vc.signer import Ed25519Signer

__all__ = ["js_verifier"]  # the session fixture of tests/interop, used here too

V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
RDFC = "/credentials/issue"
JCS = "/vc-api/eddsa-jcs-2022/credentials/issue"
JWT = "/vc-api/vc-jwt/credentials/issue"


def _issuers(node: RunningNode) -> dict[str, str]:
    response = node.client.get("/vc-api/issuers")
    assert response.status_code == 200, response.text
    issuers: dict[str, str] = response.json()["issuers"]
    return issuers


def _credential(issuer: str, **extra: Any) -> dict[str, Any]:
    return {
        "@context": [V2, EXAMPLES],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": issuer,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice", "alumniOf": "Example University"},
        **extra,
    }


def _issue(
    node: RunningNode, path: str, credential: dict[str, Any] | None = None, **options: Any
) -> Any:
    body = {"credential": credential or _credential(_issuers(node)[path]), "options": options}
    return node.client.post(path, json=body, headers=node.auth(node.vcapi_token))


def _issued(node: RunningNode, path: str = RDFC) -> dict[str, Any]:
    response = _issue(node, path)
    assert response.status_code == 201, response.text
    credential: dict[str, Any] = response.json()["verifiableCredential"]
    return credential


def _verify(node: RunningNode, credential: Any) -> Any:
    return node.client.post("/credentials/verify", json={"verifiableCredential": credential})


@pytest.mark.parametrize(("path", "suite"), [(RDFC, "eddsa-rdfc-2022"), (JCS, "eddsa-jcs-2022")])
def test_issue_then_verify_data_integrity(node: RunningNode, path: str, suite: str) -> None:
    credential = _issued(node, path)
    assert credential["proof"]["cryptosuite"] == suite
    assert credential["proof"]["verificationMethod"].startswith(credential["issuer"] + "#")

    response = _verify(node, credential)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verified"] is True
    assert body["errors"] == [] and body["warnings"] == []
    assert {"structure", "issuer_key", "signature", "validity"} <= set(body["checks"])


def test_vc_jwt_is_enveloped_and_verifies(node: RunningNode) -> None:
    enveloped = _issued(node, JWT)
    assert enveloped["@context"] == V2
    assert enveloped["type"] == "EnvelopedVerifiableCredential"
    assert enveloped["id"].startswith("data:application/vc+jwt,ey")

    assert _verify(node, enveloped).status_code == 200

    header, payload, signature = enveloped["id"].split(",", 1)[1].split(".")
    forged = {**enveloped, "id": f"data:application/vc+jwt,{header}.{payload}.{signature[::-1]}"}
    response = _verify(node, forged)
    assert response.status_code == 400
    assert response.json()["verified"] is False


def test_tampered_credential_fails_with_400(node: RunningNode) -> None:
    tampered = copy.deepcopy(_issued(node))
    tampered["credentialSubject"]["alumniOf"] = "Another University"
    response = _verify(node, tampered)
    assert response.status_code == 400
    body = response.json()
    assert body["verified"] is False
    assert body["error"] == "verification_failed"
    assert any(p["element"] == "signature" for p in body["problems"])


def test_unsecured_credential_does_not_verify(node: RunningNode) -> None:
    response = _verify(node, _credential(_issuers(node)[RDFC]))
    assert response.status_code == 400
    assert response.json()["problems"][0]["element"] == "proof"


@pytest.mark.parametrize(
    ("change", "element"),
    [
        (lambda c: c.pop("issuer"), "issuer"),
        (
            lambda c: c.update(issuer="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
            "issuer",
        ),
        (lambda c: c.update(issuer="not a url"), "issuer"),
        (lambda c: c.update(validFrom="2024-01-01T00:00:00"), "validFrom"),
        (lambda c: c.update(validFrom="Sat 25 Feb 2023 07:16:31 PM CST"), "validFrom"),
        (lambda c: c.update({"@context": [V2]}), "@context"),  # no @vocab: terms undefined
        (lambda c: c.update({"@context": [V2, EXAMPLES][::-1]}), "@context"),
        (lambda c: c.update(type=["ExampleAlumniCredential"]), "type"),
        (lambda c: c.update(credentialSubject={}), "credentialSubject"),
        (lambda c: c.update(id="not-a-url"), "id"),
        (lambda c: c.update(credentialSchema={"type": "JsonSchema"}), "credentialSchema.id"),
        (lambda c: c.update(evidence=[{"id": "https://example.org/e/1"}]), "evidence.type"),
        (lambda c: c.update(name={"@value": "x", "url": "y"}), "name"),
        (lambda c: c.update(validUntil="2023-01-01T00:00:00Z"), "validUntil"),
        (lambda c: c.update(relatedResource=["https://example.org/r"]), "relatedResource"),
        (
            lambda c: c.update(relatedResource=[{"id": V2, "digestMultibase": "uAAAA"}]),
            "relatedResource",
        ),
    ],
)
def test_invalid_credential_is_refused_with_400(
    node: RunningNode, change: Any, element: str
) -> None:
    credential = _credential(_issuers(node)[RDFC])
    change(credential)
    response = _issue(node, RDFC, credential)
    assert response.status_code == 400, response.text
    body = response.json()
    assert element in [p["element"] for p in body["problems"]], body


def test_vcdm11_credentials_for_the_eddsa_suite(node: RunningNode) -> None:
    credential = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": _issuers(node)[RDFC],
        "issuanceDate": "2020-03-16T22:37:26.544Z",
        "credentialSubject": {"id": "did:example:alice"},
    }
    response = _issue(node, RDFC, credential)
    assert response.status_code == 201, response.text
    assert _verify(node, response.json()["verifiableCredential"]).status_code == 200
    assert _issue(node, RDFC, {**credential, "issuanceDate": "soon"}).status_code == 400
    jwt_credential = {**credential, "issuer": _issuers(node)[JWT]}
    assert _issue(node, JWT, jwt_credential).status_code == 400  # vc+jwt is VCDM 2.0 only


def test_vc_jwt_issuer_is_the_p256_did_key(node: RunningNode) -> None:
    issuers = _issuers(node)
    assert issuers[JWT] != issuers[RDFC] == issuers[JCS]
    response = _issue(node, JWT, _credential(issuers[RDFC]))
    assert response.status_code == 400


# -- status (W3C Bitstring Status List) -------------------------------------------------------

STATUS = "/credentials/status"
ENTRY = "BitstringStatusListEntry"


def issue_with_status(
    node: RunningNode, path: str = RDFC, purpose: Any = None, **extra: Any
) -> dict[str, Any]:
    option: dict[str, Any] = {"type": ENTRY}
    if purpose is not None:
        option["statusPurpose"] = purpose
    credential = _credential(_issuers(node)[path], id=f"urn:uuid:{uuid.uuid4()}", **extra)
    response = _issue(node, path, credential, credentialStatus=option)
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()["verifiableCredential"]
    return issued


def _list_path(entry: dict[str, Any]) -> str:
    url: str = entry["statusListCredential"]
    assert url.startswith("https://uni-a.example/vc-api/status/"), url
    return url.removeprefix("https://uni-a.example")


def _served_list(node: RunningNode, entry: dict[str, Any]) -> dict[str, Any]:
    response = node.client.get(_list_path(entry))
    assert response.status_code == 200, response.text
    document: dict[str, Any] = json.loads(response.content)
    return document


def _set_status(node: RunningNode, credential_id: str, purpose: str, status: Any = True) -> Any:
    body = {
        "credentialId": credential_id,
        "credentialStatus": {"type": ENTRY, "statusPurpose": purpose, "status": status},
    }
    return node.client.post(STATUS, json=body, headers=node.auth(node.vcapi_token))


@pytest.mark.parametrize("path", [RDFC, JCS])
def test_credential_status_option_adds_the_requested_entry(node: RunningNode, path: str) -> None:
    issuers = _issuers(node)
    credential = issue_with_status(node, path, "revocation")
    (entry,) = credential["credentialStatus"]
    assert entry["type"] == ENTRY
    assert entry["statusPurpose"] == "revocation"
    assert (
        entry["statusListIndex"].isdigit()
        and str(int(entry["statusListIndex"])) == entry["statusListIndex"]
    ), "a base-10 string"
    assert entry["id"] != entry["statusListCredential"]

    listed = _served_list(node, entry)
    assert listed["issuer"] == issuers[path], "a string, the credential's issuer"
    assert "BitstringStatusListCredential" in listed["type"]
    subject = listed["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert subject["encodedList"].startswith("u")
    bits = Bitstring.decode(subject["encodedList"])
    assert bits.size >= MIN_ENTRIES
    assert not bits.get(int(entry["statusListIndex"]))
    assert data_integrity.verify(listed, StaticDidResolver()).ok

    assert _verify(node, credential).status_code == 200


def test_both_purposes_when_none_is_named(node: RunningNode) -> None:
    credential = issue_with_status(node)
    purposes = sorted(e["statusPurpose"] for e in credential["credentialStatus"])
    assert purposes == ["revocation", "suspension"]
    both = issue_with_status(node, purpose=["suspension", "revocation"])
    assert len(both["credentialStatus"]) == 2


def test_vcapi_lists_are_not_the_institutions(node: RunningNode) -> None:
    entry = issue_with_status(node, purpose="revocation")["credentialStatus"][0]
    list_id = entry["statusListCredential"].rsplit("/", 1)[1]
    assert node.client.get(f"/status/{list_id}").status_code == 404
    response = node.client.get(_list_path(entry))
    etag = response.headers["ETag"]
    assert response.headers["Cache-Control"].startswith("public")
    again = node.client.get(_list_path(entry), headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_vcapi_status_records_are_not_institution_records(node: RunningNode) -> None:
    credential = issue_with_status(node, purpose="revocation")
    record_id = record_id_for(credential["id"])
    for method, path in (
        ("GET", f"/admin/credentials/{record_id}"),
        ("POST", f"/admin/credentials/{record_id}/issue"),
        ("POST", f"/admin/credentials/{record_id}/offers"),
        ("POST", f"/admin/credentials/{record_id}/share-links"),
    ):
        soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        body = {"expiresAt": soon} if path.endswith("share-links") else {}
        response = node.client.request(method, path, headers=node.auth(), json=body)
        assert response.status_code == 404, (path, response.text)


def test_revoked_credential_fails_verification(node: RunningNode) -> None:
    credential = issue_with_status(node, purpose="revocation")
    entry = credential["credentialStatus"][0]
    assert _verify(node, credential).status_code == 200

    response = _set_status(node, credential["id"], "revocation")
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "revoked"

    subject = _served_list(node, entry)["credentialSubject"]
    assert Bitstring.decode(subject["encodedList"]).get(int(entry["statusListIndex"]))
    failed = _verify(node, credential)
    assert failed.status_code == 400
    assert failed.json()["verified"] is False
    assert any(r["name"] == "status" and r["ok"] is False for r in failed.json()["results"])
    assert "revoked" in failed.json()["message"]

    # final: clearing the revocation bit is refused; setting it again is a no-op
    assert _set_status(node, credential["id"], "revocation", False).status_code == 409
    assert _set_status(node, credential["id"], "revocation").status_code == 200


def test_suspend_and_reinstate_round_trip(node: RunningNode) -> None:
    credential = issue_with_status(node, JCS, "suspension")
    assert _set_status(node, credential["id"], "suspension").json()["state"] == "suspended"
    failed = _verify(node, credential)
    assert failed.status_code == 400
    assert "suspended" in failed.json()["message"]

    assert _set_status(node, credential["id"], "suspension", False).json()["state"] == "issued"
    assert _verify(node, credential).status_code == 200
    assert _set_status(node, credential["id"], "suspension", "suspended").status_code == 200
    assert _verify(node, credential).status_code == 400


def test_a_revoked_credential_in_a_presentation_fails(node: RunningNode) -> None:
    credential = issue_with_status(node, purpose="revocation")
    _set_status(node, credential["id"], "revocation")
    key = Ed25519PrivateKey.generate()
    holder, vm = did_key_for(key.public_key())
    presentation = data_integrity.sign(
        {
            "@context": [V2],
            "type": ["VerifiablePresentation"],
            "holder": holder,
            "verifiableCredential": [credential],
        },
        Ed25519Signer(vm, key),
        cryptosuite=data_integrity.JCS,
        proof_purpose="authentication",
        challenge="c-1",
    )
    response = node.client.post(
        "/presentations/verify",
        json={"verifiablePresentation": presentation, "options": {"challenge": "c-1"}},
    )
    assert response.status_code == 400, response.text


def test_status_found_by_the_credential_itself(node: RunningNode) -> None:
    issuer = _issuers(node)[RDFC]
    response = _issue(node, RDFC, _credential(issuer), credentialStatus={"type": ENTRY})
    credential = response.json()["verifiableCredential"]
    assert "id" not in credential
    body = {
        "credential": credential,
        "credentialStatus": [{"type": ENTRY, "statusPurpose": "revocation"}],
    }
    answer = node.client.post(STATUS, json=body, headers=node.auth(node.vcapi_token))
    assert answer.status_code == 200, answer.text
    assert _verify(node, credential).status_code == 400


def test_same_credential_id_keeps_its_status_entries(node: RunningNode) -> None:
    first = issue_with_status(node, purpose="revocation")
    issuer = _issuers(node)[RDFC]
    again = _issue(
        node,
        RDFC,
        _credential(issuer, id=first["id"]),
        credentialStatus={"type": ENTRY, "statusPurpose": "revocation"},
    ).json()["verifiableCredential"]
    assert again["credentialStatus"] == first["credentialStatus"]


def test_status_update_needs_a_vcapi_token_and_a_known_credential(node: RunningNode) -> None:
    credential = issue_with_status(node, purpose="revocation")
    body = {
        "credentialId": credential["id"],
        "credentialStatus": {"type": ENTRY, "statusPurpose": "revocation"},
    }
    assert node.client.post(STATUS, json=body).status_code == 401
    assert node.client.post(STATUS, json=body, headers=node.auth()).status_code == 403
    assert _set_status(node, "urn:uuid:unknown", "revocation").status_code == 404
    assert _set_status(node, credential["id"], "message").status_code in (400, 422)
    publish = _list_path(credential["credentialStatus"][0]) + "/publish"
    assert node.client.post(publish, json={}).status_code == 401
    answer = node.client.post(publish, json={}, headers=node.auth(node.vcapi_token))
    assert answer.status_code == 204
    assert _verify(node, credential).status_code == 200


@pytest.mark.parametrize(
    ("path", "option"),
    [
        (RDFC, {"type": "StatusList2021Entry"}),
        (RDFC, {"type": ENTRY, "statusPurpose": "message"}),
        (RDFC, {"type": ENTRY, "statusPurpose": 5}),
        (RDFC, "BitstringStatusListEntry"),
        (JWT, {"type": ENTRY}),
    ],
)
def test_unsupported_status_options_are_400(node: RunningNode, path: str, option: Any) -> None:
    response = _issue(node, path, credentialStatus=option)
    assert response.status_code in (400, 422), response.text


def test_malformed_status_entry_is_refused_on_issue(node: RunningNode) -> None:
    """The bitstring suite's MALFORMED_VALUE_ERROR test: statusListIndex must be a string."""
    credential = _credential(
        _issuers(node)[RDFC],
        credentialStatus={
            "type": ENTRY,
            "statusListIndex": True,
            "statusListCredential": "https://example.com",
        },
    )
    assert _issue(node, RDFC, credential).status_code == 400


def test_foreign_status_list_is_not_fetched(node: RunningNode) -> None:
    credential = _credential(
        _issuers(node)[RDFC],
        credentialStatus={
            "id": "https://elsewhere.example/status/1#5",
            "type": ENTRY,
            "statusPurpose": "revocation",
            "statusListIndex": "5",
            "statusListCredential": "https://elsewhere.example/status/1",
        },
    )
    response = _issue(node, RDFC, credential)
    assert response.status_code == 201, response.text
    answer = _verify(node, response.json()["verifiableCredential"])
    assert answer.status_code == 200
    (status,) = [r for r in answer.json()["results"] if r["name"] == "status"]
    assert status["ok"] is None and "not served here" in status["detail"]


def test_issue_needs_a_vcapi_token(node: RunningNode) -> None:
    body = {"credential": _credential(_issuers(node)[RDFC]), "options": {}}
    assert node.client.post(RDFC, json=body).status_code == 401
    assert node.client.post(JWT, json=body, headers=node.auth()).status_code == 403


def _presentation(
    node: RunningNode, *, challenge: str, domain: str, holder_key: Ed25519PrivateKey
) -> dict[str, Any]:
    holder, vm_id = did_key_for(holder_key.public_key())
    presentation = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [_issued(node), _issued(node, JWT)],
    }
    return data_integrity.sign(
        presentation,
        Ed25519Signer(vm_id, holder_key),
        cryptosuite="eddsa-rdfc-2022",
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
    )


def _verify_vp(node: RunningNode, presentation: Any, **options: Any) -> Any:
    body = {"verifiablePresentation": presentation, "options": options}
    return node.client.post("/presentations/verify", json=body)


def test_presentation_challenge_and_domain(node: RunningNode) -> None:
    key = Ed25519PrivateKey.generate()
    vp = _presentation(node, challenge="c-123", domain="verifier.example", holder_key=key)

    ok = _verify_vp(node, vp, challenge="c-123", domain="verifier.example")
    assert ok.status_code == 200, ok.text
    assert {"holder_binding", "credentials"} <= set(ok.json()["checks"])

    assert _verify_vp(node, vp, challenge="other").status_code == 400
    assert _verify_vp(node, vp, challenge="c-123", domain="elsewhere").status_code == 400

    wrong_holder = {**vp, "holder": "did:example:mallory"}
    assert _verify_vp(node, wrong_holder, challenge="c-123").status_code == 400

    tampered = copy.deepcopy(vp)
    tampered["verifiableCredential"][0]["credentialSubject"]["alumniOf"] = "Elsewhere"
    response = _verify_vp(node, tampered, challenge="c-123")
    assert response.status_code == 400


def test_presentation_needs_an_authentication_proof(node: RunningNode) -> None:
    key = Ed25519PrivateKey.generate()
    vp = _presentation(node, challenge="c", domain="d", holder_key=key)
    unsigned = {k: v for k, v in vp.items() if k != "proof"}
    assert _verify_vp(node, unsigned, challenge="c").status_code == 400
    _holder, vm_id = did_key_for(key.public_key())
    asserted = data_integrity.sign(
        unsigned, Ed25519Signer(vm_id, key), cryptosuite="eddsa-rdfc-2022", challenge="c"
    )
    assert _verify_vp(node, asserted, challenge="c").status_code == 400  # assertionMethod


def test_openapi_documents_the_vc_api(node: RunningNode) -> None:
    paths = node.client.get("/openapi.json").json()["paths"]
    for path in (RDFC, JCS, JWT, "/credentials/verify", "/presentations/verify"):
        operation = paths[path]["post"]
        assert operation["summary"]
        assert "400" in operation["responses"]


@pytest.mark.interop
@pytest.mark.parametrize("path", [RDFC, JCS])
def test_data_integrity_output_verifies_independently(
    node: RunningNode, js_verifier: JsVerifier, path: str
) -> None:
    credential = _issued(node, path)
    result = js_verifier.verify_ldp(credential)
    assert result["verified"], result

    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["alumniOf"] = "Another University"
    assert not js_verifier.verify_ldp(tampered)["verified"]


@pytest.mark.interop
def test_vc_jwt_output_verifies_independently(node: RunningNode, js_verifier: JsVerifier) -> None:
    token = _issued(node, JWT)["id"].split(",", 1)[1]
    did = _issuers(node)[JWT]
    jwk = public_key_to_jwk(public_key_from_multibase(did.removeprefix("did:key:")))
    result = js_verifier.verify_jwt(token, kind="vc+jwt", jwk=jwk)
    assert result["verified"], result

    header, payload, signature = token.split(".")
    forged_payload = payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB")
    forged = f"{header}.{forged_payload}.{signature}"
    assert not js_verifier.verify_jwt(forged, kind="vc+jwt", jwk=jwk)["verified"]
