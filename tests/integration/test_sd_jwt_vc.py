"""SD-JWT VC (dc+sd-jwt) in process, on SQLite and PostgreSQL: issued by the admin API and
through OpenID4VCI, verified by POST /api/verify with and without disclosures, tampered,
revoked and suspended; the Token Status List view of the status lists."""

from __future__ import annotations

import json
import time
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from node.credentials.examples import example_claims
from node.db.models import CredentialFormat, CredentialRecord, SignedCopy
from node.identity import P256_KEY_NAME
from node.issuance.signing import CredentialSigner, SigningJob, issuer_keys
from node.network.keys import key_name
from node.status.allocation import StatusAssignment
from node.status.token_status import read_status
from tests.conftest import RunningNode
from tests.integration.test_oid4vci import (
    ISSUER,
    make_offer,
    pre_authorized_code,
    proof,
    request_credential,
    request_token,
)
from vc import jose, sdjwt
from vc.did import StaticDidResolver, did_jwk_for
from vc.digest import sd_jwt_digest
from vc.multikey import public_key_to_jwk
from vc.signer import P256Signer

SD_ID = "MicroCredential_dc_sd_jwt"
VCT = ISSUER + "/vct/microcredential/v1"


def _runtime(node: RunningNode) -> Any:
    return node.client.app.state.runtime  # type: ignore[attr-defined]


def _issue(node: RunningNode, n: int = 61) -> tuple[str, str]:
    response = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(n), "formats": ["dc+sd-jwt"]},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    (copy,) = body["credentials"]
    assert copy["format"] == "dc+sd-jwt"
    assert copy["leafDigest"] == sd_jwt_digest(copy["credential"]).hex()
    return str(body["id"]), str(copy["credential"])


def _verify(node: RunningNode, credential: str) -> dict[str, Any]:
    response = node.client.post("/api/verify", json={"credential": credential})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _anchor_all(node: RunningNode) -> None:
    runtime = _runtime(node)
    runtime.anchor_worker().run_once(force=True)
    runtime.ledger_rounds().run_once()


def _checks(report: dict[str, Any]) -> dict[str, Any]:
    return {c["name"]: c for c in report["checks"]}


def test_verify_full_and_selective_disclosure(node: RunningNode) -> None:
    claims = example_claims(61)
    assert claims.get("grade"), "the example must carry a grade"
    _record, token = _issue(node)
    _anchor_all(node)
    full = _verify(node, token)
    assert full["verified"] is True and full["verdict"] == "valid", full
    checks = _checks(full)
    assert checks["anchor"]["ok"] is True and checks["status"]["ok"] is True
    assert "every disclosure matches a signed digest" in checks["signature"]["detail"]
    learner = claims["learner"]
    assert full["credential"]["learner"] == f"{learner['givenName']} {learner['familyName']}"
    assert full["credential"]["grade"].startswith(claims["grade"]["value"])
    assert full["credential"]["title"] == claims["title"]["en"]

    minimal = sdjwt.present(token, [])  # the holder withholds every selective claim
    report = _verify(node, minimal)
    assert report["verified"] is True, report
    assert "grade" not in report["credential"] and "learner" not in report["credential"]
    assert "not disclosed: learner" in _checks(report)["elements"]["detail"]
    assert report["credential"]["ects"] == f"{claims['workload']['ects']:g}"
    # Same issuer-signed JWT: the same anchor, whatever is disclosed.
    lookup = node.client.get(f"/api/lookup/{sd_jwt_digest(minimal).hex()}")
    assert lookup.status_code == 200 and lookup.json()["format"] == "dc+sd-jwt"


def test_tampered_disclosure_fails_the_signature_check(node: RunningNode) -> None:
    _record, token = _issue(node)
    _jwt, disclosures, _kb = sdjwt.split(token)
    grade = next(d for d in disclosures if sdjwt.parse_disclosure(d).name == "grade")
    forged = sdjwt.new_disclosure("grade", "A+", salt=sdjwt.parse_disclosure(grade).salt)
    report = _verify(node, token.replace(grade, forged.encoded))
    assert report["verified"] is False and report["verdict"] == "invalid"
    signature = _checks(report)["signature"]
    assert (
        signature["ok"] is False
        and "not covered by the issuer's signature" in (signature["detail"])
    )
    assert report["credential"].get("grade") is None

    not_sd_jwt = node.client.post("/api/verify", json={"credential": "abc~def~"})
    assert not_sd_jwt.status_code == 422


def _token_value(node: RunningNode, reference: dict[str, Any]) -> int:
    """The value at the SD-JWT's ``status_list`` reference, as a Token Status List
    verifier reads it from the ``statuslist+jwt`` the node serves."""
    response = node.client.get(reference["uri"].removeprefix(ISSUER))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/statuslist+jwt")
    header, payload, _i, _s = jose.decode_jws(response.text)
    assert header["typ"] == "statuslist+jwt" and payload["sub"] == reference["uri"]
    assert payload["status_list"]["bits"] == 2
    return read_status(payload["status_list"]["lst"], 2, reference["idx"])


def test_revoked_suspended_and_reinstated_sd_jwt(node: RunningNode) -> None:
    """One 2-bit Token Status List carries both states (0x01 INVALID, 0x02 SUSPENDED):
    what the node's verifier reports, the token says too."""
    (revoked, revoked_token), (suspended, suspended_token) = _issue(node), _issue(node, 62)
    _anchor_all(node)
    for record_id, action in ((revoked, "revoke"), (suspended, "suspend")):
        changed = node.client.post(
            f"/admin/credentials/{record_id}/{action}", json={"reason": "test"}, headers=node.auth()
        )
        assert changed.status_code == 200, changed.text
    for token, verdict, value in (
        (revoked_token, "revoked", 0x01),
        (suspended_token, "suspended", 0x02),
    ):
        report = _verify(node, token)
        assert report["verified"] is False and report["verdict"] == verdict, report
        status = jose.decode_jws(token.split("~")[0])[1]["status"]
        assert set(status) == {"status_list"}
        assert _token_value(node, status["status_list"]) == value

    reinstated = node.client.post(
        f"/admin/credentials/{suspended}/reinstate", json={"reason": "test"}, headers=node.auth()
    )
    assert reinstated.status_code == 200, reinstated.text
    status = jose.decode_jws(suspended_token.split("~")[0])[1]["status"]
    assert _token_value(node, status["status_list"]) == 0x00
    _anchor_all(node)
    assert _verify(node, suspended_token)["verified"] is True


def test_sd_jwt_vc_of_the_earlier_form_is_still_checked(node: RunningNode) -> None:
    """An SD-JWT VC issued before message lists (``status_list`` → the revocation list's
    token, ``suspension_status_list`` → the suspension list's): its suspension still counts."""
    record_id, _token = _issue(node, 63)
    runtime = _runtime(node)
    with runtime.sessions() as session:
        record = session.get_one(CredentialRecord, record_id)
        assignment = StatusAssignment(
            (record.revocation_list_id, record.revocation_index),
            (record.suspension_list_id, record.suspension_index),
        )
        claims, issued_at = record.claims, record.issued_at
    identity = runtime.identity()
    ed = runtime.keystore.private_key(key_name(identity.ed25519_key_id))
    p256 = runtime.keystore.private_key(P256_KEY_NAME)
    signer = CredentialSigner(issuer_keys(identity, ed, p256))
    job = SigningJob(record_id, claims, None, issued_at, (CredentialFormat.SD_JWT_VC,), assignment)
    (copy,) = signer.sign(job)
    status = jose.decode_jws(copy.content.split("~")[0])[1]["status"]
    assert set(status) == {"status_list", "suspension_status_list"}
    changed = node.client.post(
        f"/admin/credentials/{record_id}/suspend", json={"reason": "test"}, headers=node.auth()
    )
    assert changed.status_code == 200, changed.text
    report = _verify(node, copy.content)
    assert report["verdict"] == "suspended", report


def test_token_status_list_is_the_anchored_w3c_version(node: RunningNode) -> None:
    record_id, token = _issue(node)
    status = jose.decode_jws(token.split("~")[0])[1]["status"]["status_list"]
    w3c_path = status["uri"].removeprefix(ISSUER).removesuffix("/token")
    w3c = node.client.get(w3c_path)
    assert w3c.status_code == 200
    token_response = node.client.get(w3c_path, headers={"Accept": "application/statuslist+jwt"})
    assert token_response.headers["content-type"].startswith("application/statuslist+jwt")
    _h, payload, _i, _s = jose.decode_jws(token_response.text)
    assert payload["w3c_status_list"]["sha256"] == w3c.headers["etag"].strip('"')
    assert payload["w3c_status_list"]["version"] == int(w3c.headers["x-status-list-version"])
    assert payload["status_list"]["bits"] == 2
    assert read_status(payload["status_list"]["lst"], 2, status["idx"]) == 0
    # Signed with the institution's P-256 key (the DID document's), like jwt_vc_json.
    identity = _runtime(node).identity()
    resolver = StaticDidResolver({identity.did: identity.did_document()})
    assert jose.verify_jwt(token_response.text, resolver).ok
    etag = token_response.headers["etag"]
    again = node.client.get(w3c_path + "/token", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert node.client.get(w3c_path + "/token?version=99").status_code == 404
    assert node.client.get("/status/99999/token").status_code == 404
    del record_id


def test_openid4vci_issues_a_holder_bound_sd_jwt_vc(node: RunningNode) -> None:
    metadata = node.client.get("/.well-known/openid-credential-issuer").json()
    configuration = metadata["credential_configurations_supported"][SD_ID]
    assert configuration["format"] == "dc+sd-jwt" and configuration["vct"] == VCT
    labels = {
        d["locale"] for c in configuration["credential_metadata"]["claims"] for d in c["display"]
    }
    assert labels == {"en", "de", "es", "fi"}
    type_metadata = node.client.get("/vct/microcredential/v1").json()
    assert type_metadata["vct"] == VCT
    assert {d["locale"] for d in type_metadata["display"]} == {"en", "de", "es", "fi"}
    sd = {c["path"][0]: c["sd"] for c in type_metadata["claims"]}
    assert sd["grade"] == "allowed" and sd["achievement_title"] == "always"

    response = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(3), "formats": ["jwt_vc_json"]},
        headers=node.auth(),
    )
    record_id = response.json()["id"]
    offer = make_offer(node, record_id, configuration_ids=[SD_ID])
    access = request_token(node, pre_authorized_code(offer), offer["tx_code"]).json()
    key = ec.generate_private_key(ec.SECP256R1())
    body = {
        "credential_configuration_id": SD_ID,
        "proofs": {"jwt": [proof(key, access["c_nonce"])]},
    }
    issued = request_credential(node, access["access_token"], body)
    assert issued.status_code == 200, issued.text
    (credential,) = [c["credential"] for c in issued.json()["credentials"]]
    header, payload, _i, _s = jose.decode_jws(credential.split("~")[0])
    assert header["typ"] == "dc+sd-jwt" and payload["vct"] == VCT
    jwk = public_key_to_jwk(key.public_key())
    assert payload["cnf"] == {"jwk": jwk}
    assert set(payload["status"]) == {"status_list"}
    with _runtime(node).sessions() as session:
        row = session.scalar(
            select(SignedCopy).where(SignedCopy.leaf_digest == sd_jwt_digest(credential).hex())
        )
        assert row is not None and row.format == "dc+sd-jwt" and row.record_id == record_id

    # The older wallets' format identifier, by vct.
    nonce = node.client.post("/nonce").json()["c_nonce"]
    legacy = request_credential(
        node,
        access["access_token"],
        {
            "format": "vc+sd-jwt",
            "vct": VCT,
            "proof": {"proof_type": "jwt", "jwt": proof(key, nonce)},
        },
    )
    assert legacy.status_code == 200, legacy.text
    assert "~" in legacy.json()["credentials"][0]["credential"]

    # The holder presents with key binding: the pipeline checks it (nonce/aud: the RP's).
    holder = P256Signer(did_jwk_for(jwk) + "#0", key)
    shown = sdjwt.present(credential, ["grade"])
    bound = shown + sdjwt.key_binding_jwt(shown, holder, nonce="n", aud="https://rp.example")
    _anchor_all(node)
    report = _verify(node, bound)
    assert report["verified"] is True, report
    assert _checks(report)["holder_binding"]["ok"] is True
    stranger = P256Signer("k", ec.generate_private_key(ec.SECP256R1()))
    forged = shown + sdjwt.key_binding_jwt(
        shown, stranger, nonce="n", aud="x", iat=int(time.time())
    )
    bad = _verify(node, forged)
    assert bad["verified"] is False and _checks(bad)["holder_binding"]["ok"] is False
    assert json.dumps(bad).count("cnf.jwk") >= 1
