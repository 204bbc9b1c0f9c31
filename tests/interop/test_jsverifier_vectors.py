"""The independent npm verifier is real: published vectors pass, any tampering fails.

Data Integrity vectors are the signed examples of the W3C vc-di-eddsa specification
(``vectors/``, see README.md). JWTs and the did:web/did:key credentials are made here with
fresh keys, so nothing in this file shares code with the node's signer.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import base58
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from joserfc import jwt
from joserfc.jwk import ECKey

from tests.interop.jsverifier import SCRIPT, JsVerifier

pytestmark = pytest.mark.interop

VECTORS = Path(__file__).parent / "vectors"
SUITES = ["eddsa-rdfc-2022", "eddsa-jcs-2022"]
CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"


def load_vector(suite: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / f"{suite}-signed.json").read_text("utf-8"))
    return data


# --------------------------------------------------------------------- W3C vectors


@pytest.mark.parametrize("suite", SUITES)
def test_w3c_vector_verifies(js_verifier: JsVerifier, suite: str) -> None:
    credential = load_vector(suite)
    assert credential["proof"]["cryptosuite"] == suite
    # The spec examples sign an https: issuer with a did:key, so the issuer binding is off.
    result = js_verifier.verify_ldp(credential, check_issuer=False)
    assert result["verified"], result["error"]
    assert result["error"] is None


@pytest.mark.parametrize("suite", SUITES)
def test_w3c_vector_issuer_binding_is_enforced_by_default(
    js_verifier: JsVerifier, suite: str
) -> None:
    result = js_verifier.verify_ldp(load_vector(suite))
    assert not result["verified"]
    assert "issuer must match the verification method controller" in (result["error"] or "")


def _set(path: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _flip_proof_value(doc: dict[str, Any]) -> None:
    value: str = doc["proof"]["proofValue"]
    doc["proof"]["proofValue"] = value[:10] + ("2" if value[10] != "2" else "3") + value[11:]


TAMPERINGS: dict[str, Callable[[dict[str, Any]], None]] = {
    "subject": _set(("credentialSubject", "alumniOf"), "The School of Counterfeits"),
    "subject-id": _set(("credentialSubject", "id"), "did:example:mallory"),
    "name": _set(("name",), "Alumni Credential (forged)"),
    "issuer": _set(("issuer",), "https://vc.example/issuers/1234"),
    "validFrom": _set(("validFrom",), "2022-01-01T00:00:00Z"),
    "type": _set(("type",), ["VerifiableCredential", "ExampleDegreeCredential"]),
    "proof-created": _set(("proof", "created"), "2023-02-24T23:36:39Z"),
    "proof-purpose": _set(("proof", "proofPurpose"), "authentication"),
    "proof-value": _flip_proof_value,
    "other-key": _set(
        ("proof", "verificationMethod"),
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
        "#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    ),
}


@pytest.mark.parametrize("field", sorted(TAMPERINGS))
@pytest.mark.parametrize("suite", SUITES)
def test_w3c_vector_tampered_fails(js_verifier: JsVerifier, suite: str, field: str) -> None:
    credential = load_vector(suite)
    tampered = copy.deepcopy(credential)
    TAMPERINGS[field](tampered)
    assert tampered != credential
    result = js_verifier.verify_ldp(tampered, check_issuer=False)
    assert not result["verified"], f"{suite}: changed {field} still verifies"
    assert result["error"]


def test_unknown_context_is_not_fetched(js_verifier: JsVerifier) -> None:
    credential = load_vector("eddsa-rdfc-2022")
    credential["@context"] = [*credential["@context"], "https://example.invalid/ctx/v1"]
    result = js_verifier.verify_ldp(credential, check_issuer=False)
    assert not result["verified"]
    assert "https://example.invalid/ctx/v1" in (result["error"] or "")


# --------------------------------------------------------- did:web / did:key (eddsa-jcs-2022)


def _multibase_ed25519(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + base58.b58encode(b"\xed\x01" + raw).decode("ascii")


def sign_jcs(unsecured: dict[str, Any], key: Ed25519PrivateKey, vm: str) -> dict[str, Any]:
    """eddsa-jcs-2022 per the W3C spec: sha256(JCS(proof config)) || sha256(JCS(document))."""
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": "2025-01-01T00:00:00Z",
        "verificationMethod": vm,
        "proofPurpose": "assertionMethod",
        "@context": unsecured["@context"],
    }
    digest = hashlib.sha256(rfc8785.dumps(proof)).digest()
    digest += hashlib.sha256(rfc8785.dumps(unsecured)).digest()
    proof["proofValue"] = "z" + base58.b58encode(key.sign(digest)).decode("ascii")
    return {**unsecured, "proof": proof}


def _credential(issuer: str) -> dict[str, Any]:
    return {
        "@context": [CREDENTIALS_V2, EXAMPLES_V2],
        "id": "urn:uuid:3e1f5a43-2f5b-4c7e-9d55-3b7a0c1c9f10",
        "type": ["VerifiableCredential", "ExampleAchievementCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "name": "Ada"},
    }


def _did_web(did: str, key: Ed25519PrivateKey) -> dict[str, Any]:
    # Relative "#key-1" references, as a did:web document served by the node may use.
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": [
            {
                "id": "#key-1",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": _multibase_ed25519(key),
            }
        ],
        "assertionMethod": ["#key-1"],
    }


def test_did_web_issuer_verifies_with_issuer_binding(js_verifier: JsVerifier) -> None:
    did = "did:web:issuer.example%3A8443:tenants:a"
    key = Ed25519PrivateKey.generate()
    signed = sign_jcs(_credential(did), key, f"{did}#key-1")
    documents = {did: _did_web(did, key)}
    result = js_verifier.verify_ldp(signed, documents=documents)
    assert result["verified"], result["error"]

    # The same DID document under its https: did.json URL resolves too.
    by_url = {"https://issuer.example:8443/tenants/a/did.json": _did_web(did, key)}
    assert js_verifier.verify_ldp(signed, documents=by_url)["verified"]

    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["name"] = "Eve"
    assert not js_verifier.verify_ldp(tampered, documents=documents)["verified"]

    other = {did: _did_web(did, Ed25519PrivateKey.generate())}
    assert not js_verifier.verify_ldp(signed, documents=other)["verified"]

    missing = js_verifier.verify_ldp(signed)
    assert not missing["verified"]
    assert did in (missing["error"] or "")

    not_asserted = {did: {**_did_web(did, key), "assertionMethod": []}}
    assert not js_verifier.verify_ldp(signed, documents=not_asserted)["verified"]


def test_did_key_issuer_verifies_with_issuer_binding(js_verifier: JsVerifier) -> None:
    key = Ed25519PrivateKey.generate()
    fingerprint = _multibase_ed25519(key)
    did = f"did:key:{fingerprint}"
    signed = sign_jcs(_credential(did), key, f"{did}#{fingerprint}")
    result = js_verifier.verify_ldp(signed)
    assert result["verified"], result["error"]

    wrong_issuer = sign_jcs(_credential("did:example:someone-else"), key, f"{did}#{fingerprint}")
    assert not js_verifier.verify_ldp(wrong_issuer)["verified"]


def test_credential_status_is_reported_not_ignored(js_verifier: JsVerifier) -> None:
    key = Ed25519PrivateKey.generate()
    fingerprint = _multibase_ed25519(key)
    did = f"did:key:{fingerprint}"
    unsecured = _credential(did)
    unsecured["credentialStatus"] = {
        "id": "https://issuer.example/status/1#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": "https://issuer.example/status/1",
    }
    signed = sign_jcs(unsecured, key, f"{did}#{fingerprint}")
    result = js_verifier.verify_ldp(signed)
    assert not result["verified"]
    assert "credentialStatus" in (result["error"] or "")

    ignored = js_verifier.verify_ldp(signed, ignore_status=True)
    assert ignored["verified"], ignored["error"]
    assert any("not checked" in w for w in ignored["warnings"])


# ------------------------------------------------------------------------------ JWTs


def _tamper_payload(token: str, change: Callable[[dict[str, Any]], None]) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    change(claims)
    raw = json.dumps(claims, separators=(",", ":")).encode()
    return ".".join([header, base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), signature])


def _jwt_vc_json_claims() -> dict[str, Any]:
    return {
        "iss": "did:example:issuer",
        "sub": "did:example:learner",
        "jti": "urn:uuid:0b5e6f43-5d51-4d27-8a5e-6a1c0d9b6b11",
        "nbf": 1735689600,
        "vc": {
            "@context": [CREDENTIALS_V1],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "issuanceDate": "2025-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:learner", "name": "Ada"},
        },
    }


def test_jwt_vc_json_verifies_and_tampering_fails(js_verifier: JsVerifier) -> None:
    key = ECKey.generate_key("P-256")
    public = key.as_dict(private=False)
    token = jwt.encode({"alg": "ES256", "typ": "JWT"}, _jwt_vc_json_claims(), key)

    result = js_verifier.verify_jwt(token, kind="jwt_vc_json", jwk=public)
    assert result["verified"], result["error"]

    tampered = _tamper_payload(token, lambda c: c["vc"]["credentialSubject"].update(name="Eve"))
    assert not js_verifier.verify_jwt(tampered, kind="jwt_vc_json", jwk=public)["verified"]

    other_key = ECKey.generate_key("P-256").as_dict(private=False)
    assert not js_verifier.verify_jwt(token, kind="jwt_vc_json", jwk=other_key)["verified"]

    # The typ must match the kind.
    assert not js_verifier.verify_jwt(token, kind="vc+jwt", jwk=public)["verified"]


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.pop("vc"),
        lambda c: c["vc"].update({"@context": [CREDENTIALS_V2]}),
        lambda c: c["vc"].update(type=["Credential"]),
        lambda c: c["vc"].pop("credentialSubject"),
        lambda c: c.update(iss="did:example:other"),
        lambda c: c.update(exp=1000),
    ],
    ids=["no-vc", "v2-context", "no-vc-type", "no-subject", "iss-mismatch", "expired"],
)
def test_jwt_vc_json_claims_are_checked(
    js_verifier: JsVerifier, change: Callable[[dict[str, Any]], None]
) -> None:
    key = ECKey.generate_key("P-256")
    claims = _jwt_vc_json_claims()
    change(claims)
    token = jwt.encode({"alg": "ES256", "typ": "JWT"}, claims, key)
    result = js_verifier.verify_jwt(token, kind="jwt_vc_json", jwk=key.as_dict(private=False))
    assert not result["verified"]


def test_vc_jwt_verifies_and_tampering_fails(js_verifier: JsVerifier) -> None:
    key = ECKey.generate_key("P-256")
    public = key.as_dict(private=False)
    did = "did:web:issuer.example"
    payload = _credential(did)
    token = jwt.encode({"alg": "ES256", "typ": "vc+jwt", "kid": f"{did}#jwk-1"}, payload, key)

    result = js_verifier.verify_jwt(token, kind="vc+jwt", jwk=public)
    assert result["verified"], result["error"]

    # Without `jwk`, the header kid resolves in the did:web document.
    did_document = {
        "@context": [DID_V1],
        "id": did,
        "verificationMethod": [
            {"id": "#jwk-1", "type": "JsonWebKey", "controller": did, "publicKeyJwk": public}
        ],
        "assertionMethod": ["#jwk-1"],
    }
    by_kid = js_verifier.verify_jwt(token, kind="vc+jwt", documents={did: did_document})
    assert by_kid["verified"], by_kid["error"]

    tampered = _tamper_payload(token, lambda c: c.update(validFrom="2020-01-01T00:00:00Z"))
    assert not js_verifier.verify_jwt(tampered, kind="vc+jwt", jwk=public)["verified"]
    assert not js_verifier.verify_jwt(token, kind="jwt_vc_json", jwk=public)["verified"]

    jwt_typ = jwt.encode({"alg": "ES256", "typ": "JWT"}, payload, key)
    assert not js_verifier.verify_jwt(jwt_typ, kind="vc+jwt", jwk=public)["verified"]


# ---------------------------------------------------------------------- protocol


def test_bad_requests_get_answers_not_crashes(js_verifier: JsVerifier) -> None:
    assert not js_verifier.request({"kind": "mdoc", "credential": {}})["verified"]
    assert not js_verifier.request({"kind": "ldp", "credential": "not-an-object"})["verified"]
    assert not js_verifier.request({"kind": "vc+jwt", "credential": "a.b.c"})["verified"]
    # The process is still alive and answering.
    assert js_verifier.verify_ldp(load_vector("eddsa-jcs-2022"), check_issuer=False)["verified"]


def test_single_request_mode_exit_codes(js_verifier: JsVerifier) -> None:
    credential = load_vector("eddsa-rdfc-2022")
    request = {"kind": "ldp", "credential": credential, "checkIssuer": False}
    ok = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert json.loads(ok.stdout) == {
        "verified": True,
        "error": None,
        "warnings": ["issuer not bound to the verification method controller"],
    }
    _flip_proof_value(credential)
    bad = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["verified"] is False
