"""The node's SD-JWT VCs and Token Status Lists as an independent verifier sees them.

``verify.mjs`` (kind ``dc+sd-jwt``) runs npm ``@sd-jwt/sd-jwt-vc`` (signature with the
institution's P-256 JWK, every disclosure, key binding) and ``@sd-jwt/jwt-status-list``
(the ``statuslist+jwt`` the node serves at the ``status.status_list`` reference, one 2-bit
list: 0x00 VALID, 0x01 INVALID, 0x02 SUSPENDED): valid, withheld claims, tampered
disclosure, revoked, suspended and reinstated, a KB-JWT for a nonce and audience.
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from node.credentials.examples import example_claims
from tests.conftest import RunningNode
from tests.integration.test_oid4vci import (
    make_offer,
    pre_authorized_code,
    proof,
    request_credential,
    request_token,
)
from tests.interop.jsverifier import JsVerifier
from vc import jose, sdjwt
from vc.did import did_jwk_for
from vc.multikey import public_key_from_multibase, public_key_to_jwk
from vc.signer import P256Signer

pytestmark = pytest.mark.interop

SD_ID = "MicroCredential_dc_sd_jwt"


def _issuer_jwk(node: RunningNode) -> dict[str, Any]:
    document = node.client.get("/.well-known/did.json").json()
    method = next(m for m in document["verificationMethod"] if m["id"].endswith("#p256-1"))
    return public_key_to_jwk(public_key_from_multibase(method["publicKeyMultibase"]))


def fetch_status_lists(node: RunningNode, token: str) -> dict[str, str]:
    """Every Token Status List the SD-JWT points at, as the node serves it now."""
    status = jose.decode_jws(token.split("~")[0])[1]["status"]
    lists = {}
    for reference in status.values():
        response = node.client.get(
            reference["uri"].removeprefix(node.settings.origin),
            headers={"Accept": "application/statuslist+jwt"},
        )
        assert response.status_code == 200, response.text
        lists[reference["uri"]] = response.text
    return lists


def _wallet_copy(node: RunningNode) -> tuple[str, str, ec.EllipticCurvePrivateKey]:
    record = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(9), "formats": ["jwt_vc_json"]},
        headers=node.auth(),
    ).json()["id"]
    offer = make_offer(node, record, configuration_ids=[SD_ID])
    access = request_token(node, pre_authorized_code(offer), offer["tx_code"]).json()
    key = ec.generate_private_key(ec.SECP256R1())
    body = {
        "credential_configuration_id": SD_ID,
        "proofs": {"jwt": [proof(key, access["c_nonce"])]},
    }
    response = request_credential(node, access["access_token"], body)
    assert response.status_code == 200, response.text
    return str(record), str(response.json()["credentials"][0]["credential"]), key


def test_valid_withheld_and_key_bound(node: RunningNode, js_verifier: JsVerifier) -> None:
    _record, token, key = _wallet_copy(node)
    jwk = _issuer_jwk(node)
    full = js_verifier.verify_sd_jwt(token, jwk=jwk, status_lists=fetch_status_lists(node, token))
    assert full["verified"], full
    assert full["statuses"] == {"status_list": 0}
    claims = full["claims"]
    assert claims["family_name"] == example_claims(9)["learner"]["familyName"]
    assert claims["vct"].endswith("/vct/microcredential/v1")

    shown = sdjwt.present(token, ["given_name"])
    holder = P256Signer(did_jwk_for(public_key_to_jwk(key.public_key())) + "#0", key)
    bound = shown + sdjwt.key_binding_jwt(shown, holder, nonce="n-42", aud="https://rp.example")
    result = js_verifier.verify_sd_jwt(
        bound,
        jwk=jwk,
        status_lists=fetch_status_lists(node, token),
        key_binding={"nonce": "n-42", "aud": "https://rp.example"},
        required_claims=["given_name", "achievement_title", "ects_points"],
    )
    assert result["verified"], result
    assert "grade" not in result["claims"] and "family_name" not in result["claims"]
    wrong_nonce = js_verifier.verify_sd_jwt(
        bound,
        jwk=jwk,
        status_lists=fetch_status_lists(node, token),
        key_binding={"nonce": "other", "aud": "https://rp.example"},
    )
    assert not wrong_nonce["verified"]


def test_tampered_disclosure_and_wrong_key(node: RunningNode, js_verifier: JsVerifier) -> None:
    _record, token, _key = _wallet_copy(node)
    lists = fetch_status_lists(node, token)
    _jwt, disclosures, _kb = sdjwt.split(token)
    family = next(d for d in disclosures if sdjwt.parse_disclosure(d).name == "family_name")
    forged = sdjwt.new_disclosure("family_name", "Mallory").encoded
    tampered = js_verifier.verify_sd_jwt(
        token.replace(family, forged), jwk=_issuer_jwk(node), status_lists=lists
    )
    # @sd-jwt 0.19 drops a disclosure no digest references instead of rejecting the whole
    # SD-JWT (RFC 9901 §7.1 step 5; the node's verifier rejects it): the forged value
    # never becomes a claim.
    assert "family_name" not in tampered.get("claims", {}), tampered
    other = public_key_to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())
    assert not js_verifier.verify_sd_jwt(token, jwk=other, status_lists=lists)["verified"]


def _act(node: RunningNode, record: str, action: str) -> None:
    changed = node.client.post(
        f"/admin/credentials/{record}/{action}", json={"reason": "interop"}, headers=node.auth()
    )
    assert changed.status_code == 200, changed.text


def test_revoked_suspended_and_reinstated(node: RunningNode, js_verifier: JsVerifier) -> None:
    """@sd-jwt/sd-jwt-vc reads ``status.status_list`` as the standard says; suspension is
    no longer in a member it ignores."""
    jwk = _issuer_jwk(node)
    (revoked, revoked_token, _k), (suspended, suspended_token, _l) = (
        _wallet_copy(node),
        _wallet_copy(node),
    )
    assert set(jose.decode_jws(revoked_token.split("~")[0])[1]["status"]) == {"status_list"}
    _act(node, revoked, "revoke")
    _act(node, suspended, "suspend")
    for token, value in ((revoked_token, 1), (suspended_token, 2)):
        result = js_verifier.verify_sd_jwt(
            token, jwk=jwk, status_lists=fetch_status_lists(node, token)
        )
        assert not result["verified"], result
        assert result["statuses"] == {"status_list": value}, result
    _act(node, suspended, "reinstate")
    result = js_verifier.verify_sd_jwt(
        suspended_token, jwk=jwk, status_lists=fetch_status_lists(node, suspended_token)
    )
    assert result["verified"], result
    assert result["statuses"] == {"status_list": 0}
