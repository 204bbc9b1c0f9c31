"""wallet_bridge.dcql (OpenID4VP 1.0 §6/§7) and wallet_bridge.presentation (request object,
request link, direct_post response)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from vc.did import StaticDidResolver, did_key_for, resolve_did_key
from vc.jose import decode_jws, verify_jwt
from vc.signer import P256Signer
from wallet_bridge import dcql
from wallet_bridge.errors import InvalidRequest
from wallet_bridge.presentation import (
    REQUEST_OBJECT_TYP,
    client_id_for,
    parse_authorization_response,
    request_link,
    request_object_claims,
    sign_request_object,
)

MICRO = ["VerifiableCredential", "MicroCredential"]


def _query(**extra: Any) -> dict[str, Any]:
    credential = {
        "id": "micro",
        "format": "jwt_vc_json",
        "meta": {"type_values": [MICRO]},
        "claims": [
            {"id": "title", "path": ["credentialSubject", "achievement", "name"]},
            {"id": "ects", "path": ["credentialSubject", "creditsEarned"], "values": [5, 6]},
        ],
    }
    credential.update(extra)
    return {"credentials": [credential]}


def test_a_valid_query_parses() -> None:
    query = dcql.parse_dcql(
        {
            **_query(claim_sets=[["title", "ects"], ["title"]], multiple=True),
            "credential_sets": [{"options": [["micro"]], "required": True}],
        }
    )
    micro = query.credentials[0]
    assert (micro.id, micro.format, micro.multiple) == ("micro", "jwt_vc_json", True)
    assert micro.type_values == (tuple(MICRO),)
    assert micro.claims[1].values == (5, 6) and micro.claim_sets == (("title", "ects"), ("title",))
    assert query.credential_sets[0].options == (("micro",),)
    sd = dcql.parse_dcql(
        {"credentials": [{"id": "x", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:v"]}}]}
    )
    assert sd.credentials[0].vct_values == ("urn:v",)


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ([], "must be a JSON object"),
        ({"credentials": []}, "non-empty array"),
        ({"credentials": [{"id": "a b", "format": "ldp_vc"}]}, "id must be"),
        ({"credentials": [{"id": "a", "format": "mso_mdoc", "meta": {}}]}, "not supported"),
        ({"credentials": [{"id": "a", "format": "ldp_vc"}]}, "meta is required"),
        ({"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}}]}, "type_values"),
        ({"credentials": [{"id": "a", "format": "dc+sd-jwt", "meta": {}}]}, "vct_values"),
        (_query(claims=[{"path": []}]), "path must be"),
        (_query(claims=[{"path": ["a", -1]}]), "non-negative"),
        (_query(claims=[{"path": ["a"], "values": []}]), "values must be"),
        (_query(claim_sets=[["nope"]]), "unknown claims"),
        (_query(multiple="yes"), "multiple must be a boolean"),
        ({**_query(), "credential_sets": [{"options": [["other"]]}]}, "unknown credentials"),
        ({**_query(), "extra": 1}, "unknown members"),
        ({"credentials": [_query()["credentials"][0]] * 2}, "unique"),
    ],
)
def test_malformed_queries_are_refused_with_a_reason(query: Any, reason: str) -> None:
    with pytest.raises(dcql.InvalidDcqlQuery, match=reason) as raised:
        dcql.parse_dcql(query)
    assert raised.value.body()["error"] == "invalid_request"


def _presented(ects: int = 5, types: list[str] = MICRO) -> dcql.Presented:
    claims = {
        "type": types,
        "credentialSubject": {"achievement": {"name": "Data"}, "creditsEarned": ects},
        "list": [{"a": 1}, {"a": 2}],
    }
    return dcql.Presented("jwt_vc_json", tuple(types), None, claims)


def test_claim_paths_select_members_elements_and_all_elements() -> None:
    claims = _presented().claims
    assert dcql.select_path(claims, ["list", None, "a"]) == [1, 2]
    assert dcql.select_path(claims, ["list", 1, "a"]) == [2]
    assert dcql.select_path(claims, ["list", 5]) == []
    assert dcql.select_path(claims, ["credentialSubject", "missing"]) == []


def test_matching_checks_format_types_claims_and_values() -> None:
    query = dcql.parse_dcql(_query()).credentials[0]
    assert dcql.credential_problems(query, _presented()) == []
    assert dcql.requested_claims(query, _presented()) == {
        "credentialSubject.achievement.name": "Data",
        "credentialSubject.creditsEarned": 5,
    }
    assert "not matching" in dcql.credential_problems(query, _presented(ects=3))[0]
    assert "types" in dcql.credential_problems(query, _presented(types=["Other"]))[0]
    other = dcql.Presented("ldp_vc", tuple(MICRO), None, _presented().claims)
    assert "format" in dcql.credential_problems(query, other)[0]
    # claim_sets: the second set (title only) is enough
    lenient = dcql.parse_dcql(_query(claim_sets=[["title", "ects"], ["title"]])).credentials[0]
    assert dcql.credential_problems(lenient, _presented(ects=3)) == []


def test_response_must_answer_the_query() -> None:
    query = dcql.parse_dcql(_query())
    assert dcql.response_problems(query, {"micro": 1}) == []
    assert "one presentation" in dcql.response_problems(query, {"micro": 2})[0]
    assert "not a credential query" in dcql.response_problems(query, {"x": 1, "micro": 1})[0]
    assert "no presentation for micro" in dcql.response_problems(query, {})[0]
    optional = dcql.parse_dcql(
        {**_query(), "credential_sets": [{"options": [["micro"]], "required": False}]}
    )
    assert dcql.response_problems(optional, {}) == []


def test_the_request_object_is_signed_and_names_the_did_client() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    did, vm = did_key_for(key.public_key())
    client_id = client_id_for(did)
    claims = request_object_claims(
        client_id=client_id,
        response_uri="https://rp.example/oid4vp/responses/1",
        nonce="n-1",
        state="1",
        dcql_query=_query(),
        issued_at=1000,
        expires_at=1600,
    )
    jwt = sign_request_object(claims, P256Signer(vm, key))
    header, payload, _, _ = decode_jws(jwt)
    assert header == {"typ": REQUEST_OBJECT_TYP, "alg": "ES256", "kid": vm}
    assert payload["client_id"] == f"decentralized_identifier:{did}"
    assert payload["response_type"] == "vp_token" and payload["response_mode"] == "direct_post"
    assert payload["dcql_query"] == _query() and payload["nonce"] == "n-1"
    assert set(payload["client_metadata"]["vp_formats_supported"]) == {
        "jwt_vc_json",
        "ldp_vc",
        "dc+sd-jwt",
    }
    # no iss: the wallet checks that the kid's DID is the client_id's (§5.9.3)
    assert "iss" not in payload
    checked = verify_jwt(jwt, StaticDidResolver({did: resolve_did_key(did)}), now=1100)
    assert checked.ok and checked.key_id == vm and checked.controller == did
    tampered = jwt[:-4] + ("AAAA" if not jwt.endswith("AAAA") else "BBBB")
    assert not verify_jwt(tampered, StaticDidResolver({did: resolve_did_key(did)})).ok


def test_request_link_carries_client_id_and_request_uri() -> None:
    link = request_link("decentralized_identifier:did:web:x", "https://x/oid4vp/requests/1")
    parts = urlsplit(link)
    assert parts.scheme == "openid4vp"
    assert parse_qs(parts.query) == {
        "client_id": ["decentralized_identifier:did:web:x"],
        "request_uri": ["https://x/oid4vp/requests/1"],
    }
    assert request_link("c", "u", "haip-vp").startswith("haip-vp://?")
    with pytest.raises(ValueError):
        request_link("c", "u", "https")


def test_direct_post_responses_are_parsed() -> None:
    token = {"micro": ["a.b.c", {"type": ["VerifiablePresentation"]}]}
    parsed = parse_authorization_response({"vp_token": json.dumps(token), "state": "s"})
    assert parsed.vp_token == token and parsed.state == "s" and parsed.error is None
    error = parse_authorization_response({"error": "access_denied", "state": "s"})
    assert error.error == "access_denied" and error.vp_token == {}
    for bad in (
        {},
        {"vp_token": "not json"},
        {"vp_token": "[]"},
        {"vp_token": json.dumps({"micro": []})},
        {"vp_token": json.dumps({"micro": "a.b.c"})},
        {"vp_token": json.dumps({"micro": [1]})},
    ):
        with pytest.raises(InvalidRequest):
            parse_authorization_response(bad)
