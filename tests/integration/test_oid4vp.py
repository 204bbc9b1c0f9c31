"""OpenID4VP verifier in process, on SQLite and PostgreSQL: a relying party's request, the
signed request object, a wallet's direct_post answer built here, the stored result; and
presentations on POST /api/verify. (A real third-party holder library answers in
tests/e2e/test_wallet_vp.py.)"""

from __future__ import annotations

import base64
import copy
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from sqlalchemy import update

from node.credentials.examples import example_claims
from node.db.models import PresentationRequest
from tests.conftest import RunningNode
from vc import data_integrity
from vc.did import StaticDidResolver, did_jwk_for, did_key_for
from vc.jose import decode_jws, sign_jws, verify_jwt
from vc.multikey import public_key_to_jwk
from vc.signer import Ed25519Signer, P256Signer, Signer

JWT = "jwt_vc_json"
JCS = "ldp_vc+eddsa-jcs-2022"
TYPES = ["VerifiableCredential", "OpenBadgeCredential"]


class Holder:
    """A wallet's key: P-256 did:jwk (signs VP JWTs) and Ed25519 did:key (Data Integrity)."""

    def __init__(self) -> None:
        p256 = ec.generate_private_key(ec.SECP256R1())
        self.jwk_did = did_jwk_for(public_key_to_jwk(p256.public_key()))
        self.jwt_signer: Signer = P256Signer(f"{self.jwk_did}#0", p256)
        ed = ed25519.Ed25519PrivateKey.generate()
        self.key_did, vm = did_key_for(ed.public_key())
        self.di_signer = Ed25519Signer(vm, ed)


def _issue(node: RunningNode, subject: str, fmt: str) -> Any:
    response = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(3), "subjectId": subject, "formats": [fmt]},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    return response.json()["credentials"][0]["credential"]


def _query(fmt: str = "jwt_vc_json", qid: str = "micro") -> dict[str, Any]:
    return {
        "credentials": [
            {
                "id": qid,
                "format": fmt,
                "meta": {"type_values": [TYPES]},
                "claims": [{"path": ["credentialSubject", "achievement", "name"]}],
            }
        ]
    }


def _create(node: RunningNode, query: dict[str, Any], **extra: Any) -> dict[str, Any]:
    response = node.client.post(
        "/api/presentations", json={"dcql_query": query, **extra}, headers=node.auth()
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _fetch(node: RunningNode, created: dict[str, Any]) -> dict[str, Any]:
    """GET request_uri; the request object verifies with the node's DID document."""
    path = created["request_uri"].removeprefix(node.settings.origin)
    response = node.client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/oauth-authz-req+jwt"
    header, claims, _, _ = decode_jws(response.text)
    assert header["typ"] == "oauth-authz-req+jwt"
    document = node.client.get("/.well-known/did.json").json()
    assert header["kid"].split("#")[0] == document["id"]
    checked = verify_jwt(response.text, StaticDidResolver({document["id"]: document}))
    assert checked.key_id == header["kid"] and checked.controller == document["id"]
    assert (
        claims["client_id"] == created["client_id"] == "decentralized_identifier:" + document["id"]
    )
    return claims


def _jwt_vp(holder: Holder, credentials: list[str], *, nonce: str, aud: str) -> str:
    payload = {
        "iss": holder.jwk_did,
        "aud": aud,
        "nonce": nonce,
        "iat": int(time.time()),
        "vp": {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": credentials,
        },
    }
    return sign_jws({"typ": "JWT"}, payload, holder.jwt_signer)


def _ldp_vp(holder: Holder, credentials: list[Any], *, nonce: str, aud: str) -> dict[str, Any]:
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder.key_did,
        "verifiableCredential": credentials,
    }
    return data_integrity.sign(
        vp,
        holder.di_signer,
        cryptosuite=data_integrity.JCS,
        proof_purpose="authentication",
        challenge=nonce,
        domain=aud,
    )


def _post(node: RunningNode, claims: dict[str, Any], vp_token: dict[str, Any]) -> Any:
    path = claims["response_uri"].removeprefix(node.settings.origin)
    return node.client.post(path, data={"vp_token": json.dumps(vp_token), "state": claims["state"]})


def _result(node: RunningNode, created: dict[str, Any]) -> dict[str, Any]:
    response = node.client.get(f"/api/presentations/{created['id']}", headers=node.auth())
    assert response.status_code == 200, response.text
    return dict(response.json())


def _checks(entry: dict[str, Any]) -> dict[str, Any]:
    return {c["name"]: c["ok"] for c in entry["checks"]}


def test_jwt_presentation_round_trip(node: RunningNode) -> None:
    holder = Holder()
    credential = _issue(node, holder.jwk_did, JWT)
    created = _create(node, _query(), summary=True)
    assert created["authorization_request"].startswith("openid4vp://?client_id=")
    assert created["qr_png"].startswith("data:image/png;base64,")
    assert _result(node, created)["status"] == "created"
    claims = _fetch(node, created)
    assert _result(node, created)["status"] == "fetched"
    vp = _jwt_vp(holder, [credential], nonce=claims["nonce"], aud=claims["client_id"])
    response = _post(node, claims, {"micro": [vp]})
    assert response.status_code == 200, response.text
    state = _result(node, created)
    assert state["status"] == "answered" and state["answered_at"]
    result = state["result"]
    assert result["verified"] is True, result
    presentation = result["presentations"][0]
    assert presentation["holder"] == holder.jwk_did and presentation["kind"] == "jwt_vp"
    assert _checks(presentation) == {
        "structure": True,
        "holder_proof": True,
        "nonce": True,
        "audience": True,
    }
    (entry,) = presentation["credentials"]
    assert _checks(entry)["holder_binding"] is True and _checks(entry)["signature"] is True
    assert entry["claims"] == {
        "credentialSubject.achievement.name": example_claims(3)["title"]["en"]
    }
    assert entry["summary"]["title"] == example_claims(3)["title"]["en"]
    # the credential itself is not kept
    assert credential not in json.dumps(result)
    # replay: the same answer again is refused, the first result stands
    again = _post(node, claims, {"micro": [vp]})
    assert again.status_code == 400 and again.json()["error"] == "invalid_request"
    assert _result(node, created)["result"]["verified"] is True
    # and the request object is no longer served
    assert (
        node.client.get(created["request_uri"].removeprefix(node.settings.origin)).status_code
        == 400
    )


def test_ldp_presentation_round_trip(node: RunningNode) -> None:
    holder = Holder()
    credential = _issue(node, holder.key_did, JCS)
    created = _create(node, _query("ldp_vc"))
    claims = _fetch(node, created)
    vp = _ldp_vp(holder, [credential], nonce=claims["nonce"], aud=claims["client_id"])
    assert _post(node, claims, {"micro": [vp]}).status_code == 200
    result = _result(node, created)["result"]
    assert result["verified"] is True, result
    assert result["presentations"][0]["kind"] == "ldp_vp"
    assert "summary" not in result["presentations"][0]["credentials"][0]


@pytest.mark.parametrize(
    ("case", "failed"),
    [
        ("wrong-nonce", ("presentation", "nonce")),
        ("wrong-audience", ("presentation", "audience")),
        ("other-holder", ("credential", "holder_binding")),
        ("tampered", ("credential", "signature")),
        ("wrong-format", ("result", "query")),
    ],
)
def test_a_failed_presentation_is_stored_as_not_verified(
    node: RunningNode, case: str, failed: tuple[str, str]
) -> None:
    holder, other = Holder(), Holder()
    credential = _issue(node, (other if case == "other-holder" else holder).jwk_did, JWT)
    if case == "tampered":
        header, _payload, signature = credential.split(".")
        body = decode_jws(credential)[1]
        body["vc"]["credentialSubject"]["familyName"] = "Mallory"
        credential = ".".join([header, _b64e(body), signature])
    created = _create(node, _query("ldp_vc" if case == "wrong-format" else JWT))
    claims = _fetch(node, created)
    nonce = "not-the-nonce" if case == "wrong-nonce" else claims["nonce"]
    aud = "decentralized_identifier:did:web:evil.example" if case == "wrong-audience" else None
    vp = _jwt_vp(holder, [credential], nonce=nonce, aud=aud or claims["client_id"])
    assert _post(node, claims, {"micro": [vp]}).status_code == 200
    result = _result(node, created)["result"]
    assert result["verified"] is False
    level, name = failed
    presentation = result["presentations"][0]
    where = {
        "result": result,
        "presentation": presentation,
        "credential": presentation["credentials"][0],
    }[level]
    assert _checks(where)[name] is False, where


def _b64e(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_expired_and_unknown_requests(node: RunningNode) -> None:
    created = _create(node, _query())
    claims = _fetch(node, created)
    runtime = node.client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.sessions.begin() as session:
        session.execute(
            update(PresentationRequest)
            .where(PresentationRequest.id == created["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    response = _post(node, claims, {"micro": ["a.b.c"]})
    assert response.status_code == 400 and "expired" in response.json()["error_description"]
    assert _result(node, created)["status"] == "expired"
    path = created["request_uri"].removeprefix(node.settings.origin)
    assert node.client.get(path).status_code == 400
    assert node.client.get("/oid4vp/requests/nope").status_code == 404
    unknown = node.client.post("/oid4vp/responses/nope", data={"vp_token": "{}"})
    assert unknown.status_code == 404 and unknown.json()["error"] == "invalid_request"


def test_malformed_answers_and_requests(node: RunningNode) -> None:
    bad = node.client.post(
        "/api/presentations", json={"dcql_query": {"credentials": []}}, headers=node.auth()
    )
    assert bad.status_code == 400 and "credentials" in bad.json()["error_description"]
    assert node.client.post("/api/presentations", json={"dcql_query": _query()}).status_code == 401
    created = _create(node, _query())
    claims = _fetch(node, created)
    path = claims["response_uri"].removeprefix(node.settings.origin)
    assert node.client.post(path, data={"state": claims["state"]}).status_code == 400
    wrong_state = node.client.post(path, data={"vp_token": '{"micro":["a.b.c"]}', "state": "x"})
    assert wrong_state.status_code == 400
    assert node.client.post(path, json={"vp_token": {}}).status_code == 400
    # none of these consumed the request; a wallet's error answer does
    assert (
        node.client.post(
            path, data={"error": "access_denied", "state": claims["state"]}
        ).status_code
        == 200
    )
    result = _result(node, created)["result"]
    assert result["verified"] is False and result["error"]["error"] == "access_denied"


def test_api_verify_reports_each_credential_of_a_presentation(node: RunningNode) -> None:
    holder = Holder()
    first, second = _issue(node, holder.key_did, JCS), _issue(node, holder.key_did, JCS)
    node.anchor_all()  # status lists anchored: the verdict can be "valid"
    vp = _ldp_vp(holder, [first, second], nonce="whatever", aud="https://rp.example")
    response = node.client.post("/api/verify", json={"credential": vp})
    assert response.status_code == 200, response.text
    report = response.json()
    presentation = report["presentation"]
    assert presentation["holder"] == holder.key_did and len(presentation["credentials"]) == 2
    checks = {c["name"]: c for c in presentation["checks"]}
    assert checks["holder_proof"]["ok"] is True
    assert checks["nonce"]["ok"] is None and "freshness is not" in checks["nonce"]["detail"]
    for entry in presentation["credentials"]:
        assert _checks(entry)["holder_binding"] is True and entry["credential"]["title"]
    assert report["verified"] is True and report["verdict"] == "valid"
    # a credential of someone else in the same presentation breaks the binding
    stranger = _issue(node, Holder().key_did, JCS)
    mixed = _ldp_vp(holder, [first, stranger], nonce="n", aud="a")
    report = node.client.post("/api/verify", json={"credential": mixed}).json()
    bindings = [_checks(c)["holder_binding"] for c in report["presentation"]["credentials"]]
    assert bindings == [True, False] and report["verified"] is False
    # a tampered holder proof
    forged = copy.deepcopy(vp)
    forged["holder"] = Holder().key_did
    report = node.client.post("/api/verify", json={"credential": forged}).json()
    assert {c["name"]: c["ok"] for c in report["presentation"]["checks"]}["holder_proof"] is False
    assert report["verified"] is False and report["verdict"] == "invalid"


@pytest.mark.parametrize("nonce", ["n-1", "stale"])
def test_sd_jwt_key_binding_is_checked(node: RunningNode, nonce: str) -> None:
    """dc+sd-jwt: the KB-JWT's nonce and aud are the presentation checks; the holder is the
    cnf key (its did:jwk). The issuer-signed part goes through the pipeline as it is."""
    from node.identity import P256_KEY_NAME
    from node.verification.presentation import verify_presentation
    from vc import sdjwt

    runtime = node.client.app.state.runtime  # type: ignore[attr-defined]
    identity = runtime.identity()
    issuer = P256Signer(identity.p256_vm, runtime.keystore.private_key(P256_KEY_NAME))
    holder = Holder()
    jwk = public_key_to_jwk(holder.jwt_signer.public_key)  # type: ignore[attr-defined]
    now = int(time.time())
    claims = {"iss": identity.did, "vct": "urn:x", "nbf": now, "cnf": {"jwk": jwk}}
    issued = sdjwt.issue(claims, {"grade": "A"}, issuer)
    kb = sdjwt.key_binding_jwt(issued, holder.jwt_signer, nonce=nonce, aud="client")
    report = verify_presentation(runtime.verifier(), issued + kb, nonce="n-1", audience="client")
    checks = {c.name: c.ok for c in report.checks}
    assert checks["holder_proof"] is True and checks["audience"] is True
    assert checks["nonce"] is (nonce == "n-1")
    assert report.holder == holder.jwk_did and report.kind == "dc+sd-jwt"
    (credential,) = report.credentials
    assert credential.vct == "urn:x" and credential.claims["grade"] == "A"
    assert credential.report.check("signature").ok is True
    assert credential.report.check("holder_binding").ok is True
