"""SD-JWT (RFC 9901) / SD-JWT VC: known answers, issuing, processing, key binding; the
Token Status List view of the status bits."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from node.credentials.examples import example_claims
from node.credentials.model import MicroCredentialClaims
from node.credentials.render import SD_JWT_SELECTIVE, sd_jwt_vc_as_vcdm
from node.domain import CredentialFormat
from node.issuance.signing import CredentialSigner, IssuerKeys, SigningJob
from node.status.bitstring import Bitstring
from node.status.entries import StatusAssignment
from node.status.token_status import (
    encode_lst,
    read_status,
    status_claim,
    token_from_version,
    w3c_entries,
)
from vc import jose, sdjwt
from vc.did import StaticDidResolver, did_jwk_for, did_key_for
from vc.digest import sd_jwt_digest
from vc.errors import MalformedError
from vc.multikey import public_key_to_jwk
from vc.signer import Ed25519Signer, P256Signer

RESOLVE = StaticDidResolver()
NOW = 1_750_000_000


def _issuer() -> tuple[P256Signer, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    did, vm_id = did_key_for(key.public_key())
    return P256Signer(vm_id, key), did


def _holder() -> tuple[P256Signer, dict[str, str]]:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = public_key_to_jwk(key.public_key())
    return P256Signer(did_jwk_for(jwk) + "#0", key), jwk


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _sd_jwt(
    always: dict[str, Any] | None = None, selective: dict[str, Any] | None = None
) -> tuple[str, P256Signer, dict[str, str]]:
    signer, did = _issuer()
    holder, jwk = _holder()
    claims = {"iss": did, "iat": NOW, "vct": "https://node.example/vct/microcredential/v1"}
    claims["cnf"] = {"jwk": jwk}
    claims.update(always or {"achievement_title": "Data literacy"})
    token = sdjwt.issue(
        claims, selective or {"grade": "A", "birthdate": "2000-01-01"}, signer, decoys=2
    )
    return token, holder, jwk


# ---- known answers (RFC 9901 §4.2.1, §4.2.2) ---------------------------------------------


def test_rfc_disclosure_digest_known_answers() -> None:
    claim = "WyI2cU1RdlJMNWhhaiIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0"
    element = "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0"
    assert sdjwt.digest_of(claim) == "uutlBuYeMDyjLLTpf6Jxi7yNkEF35jdyWMn9U7b_RYY"
    assert sdjwt.digest_of(element) == "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs"
    parsed = sdjwt.parse_disclosure(claim)
    assert (parsed.salt, parsed.name, parsed.value) == ("6qMQvRL5haj", "family_name", "Möbius")
    assert parsed.digest == "uutlBuYeMDyjLLTpf6Jxi7yNkEF35jdyWMn9U7b_RYY"
    array = sdjwt.parse_disclosure(element)
    assert (array.salt, array.name, array.value) == ("lklxF5jMYlGTPUovMNIvCA", None, "FR")


def test_rfc_example_array_element_is_processed() -> None:
    # RFC 9901 §4.2.4.2: {"...": digest} in an array is replaced by the disclosed element.
    signer, did = _issuer()
    element = "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0"
    payload = {
        "iss": did,
        "vct": "x",
        "nationalities": [{"...": sdjwt.digest_of(element)}, "DE", {"...": "decoy"}],
    }
    jwt = jose.sign_jws({"typ": sdjwt.SD_JWT_VC_TYP}, payload, signer)
    parsed = sdjwt.parse(f"{jwt}~{element}~")
    assert parsed.problems == []
    assert parsed.claims["nationalities"] == ["FR", "DE"]
    withheld = sdjwt.parse(f"{jwt}~")
    assert withheld.claims["nationalities"] == ["DE"]


def test_new_disclosure_encodes_salt_name_value() -> None:
    disclosure = sdjwt.new_disclosure("given_name", "Ada", salt="c2FsdA")
    raw = base64.urlsafe_b64decode(disclosure.encoded + "=" * (-len(disclosure.encoded) % 4))
    assert json.loads(raw) == ["c2FsdA", "given_name", "Ada"]
    digest = _b64(hashlib.sha256(disclosure.encoded.encode()).digest())
    assert disclosure.digest == digest
    with pytest.raises(ValueError):
        sdjwt.new_disclosure("_sd", 1)


# ---- issue and process ------------------------------------------------------------------


def test_round_trip_discloses_every_claim_and_hides_digests() -> None:
    token, _holder_signer, _jwk = _sd_jwt()
    assert token.endswith("~") and token.count("~") == 3
    header, payload, _i, _s = jose.decode_jws(token.split("~")[0])
    assert header["typ"] == "dc+sd-jwt" and header["alg"] == "ES256"
    assert len(payload["_sd"]) == 4 and payload["_sd"] == sorted(payload["_sd"])  # 2 decoys
    assert "grade" not in payload and payload["_sd_alg"] == "sha-256"
    result = sdjwt.verify(token, RESOLVE, now=NOW)
    assert result.ok, result.problems
    assert result.claims["grade"] == "A" and result.claims["birthdate"] == "2000-01-01"
    assert "_sd" not in result.claims and "_sd_alg" not in result.claims
    assert not result.holder_bound


def test_withheld_claims_are_absent_and_still_verify() -> None:
    token, _h, _j = _sd_jwt()
    shown = sdjwt.present(token, ["birthdate"])
    assert shown.count("~") == 2
    result = sdjwt.verify(shown, RESOLVE, now=NOW)
    assert result.ok, result.problems
    assert "grade" not in result.claims and result.claims["birthdate"] == "2000-01-01"
    none = sdjwt.verify(sdjwt.present(token, []), RESOLVE, now=NOW)
    assert none.ok and "birthdate" not in none.claims


def test_tampered_disclosure_is_not_covered_by_the_signature() -> None:
    token, _h, _j = _sd_jwt()
    _jwt, disclosures, _kb = sdjwt.split(token)
    grade = next(d for d in disclosures if sdjwt.parse_disclosure(d).name == "grade")
    salt = sdjwt.parse_disclosure(grade).salt
    forged = sdjwt.new_disclosure("grade", "A+", salt=salt).encoded
    result = sdjwt.verify(token.replace(grade, forged), RESOLVE, now=NOW)
    assert not result.ok
    assert "the disclosure of claim 'grade' is not covered by the issuer's signature" in (
        result.problems
    )
    assert result.claims.get("grade") is None


def test_duplicate_disclosure_and_repeated_digest_are_rejected() -> None:
    token, _h, _j = _sd_jwt()
    jwt, disclosures, _kb = sdjwt.split(token)
    doubled = f"{jwt}~{disclosures[0]}~{disclosures[0]}~"
    assert "the same disclosure is given twice" in sdjwt.parse(doubled).problems

    signer, did = _issuer()
    disclosure = sdjwt.new_disclosure("grade", "B")
    payload = {"iss": did, "vct": "x", "_sd": [disclosure.digest, disclosure.digest]}
    jwt2 = jose.sign_jws({"typ": "dc+sd-jwt"}, payload, signer)
    problems = sdjwt.parse(f"{jwt2}~{disclosure.encoded}~").problems
    assert "a digest appears more than once in the payload" in problems


def test_disclosure_of_a_claim_already_present_is_rejected() -> None:
    signer, did = _issuer()
    disclosure = sdjwt.new_disclosure("grade", "B")
    payload = {"iss": did, "vct": "x", "grade": "A", "_sd": [disclosure.digest]}
    jwt = jose.sign_jws({"typ": "dc+sd-jwt"}, payload, signer)
    parsed = sdjwt.parse(f"{jwt}~{disclosure.encoded}~")
    assert "the disclosed claim 'grade' is already present" in parsed.problems
    assert parsed.claims["grade"] == "A"


def test_malformed_inputs_raise() -> None:
    for bad in ("no tilde", "a.b~", "~", f"{_sd_jwt()[0]}~notbase64!~"):
        with pytest.raises(MalformedError):
            sdjwt.parse(bad)
    token = _sd_jwt()[0]
    with pytest.raises(MalformedError):
        sdjwt.parse(token.replace("~", "~~", 1))


def test_never_disclosable_claims_are_refused_at_issuance() -> None:
    signer, _did = _issuer()
    for name in ("cnf", "status", "vct", "iss"):
        with pytest.raises(ValueError):
            sdjwt.issue({"a": 1}, {name: 1}, signer)
    with pytest.raises(ValueError):
        sdjwt.issue({"grade": 1}, {"grade": 2}, signer)


def test_wrong_typ_and_wrong_issuer_key_fail() -> None:
    signer, did = _issuer()
    other, _other_did = _issuer()
    token = sdjwt.issue({"iss": did, "vct": "x"}, {"grade": "A"}, signer, typ="JWT")
    assert "typ must be 'dc+sd-jwt', not 'JWT'" in sdjwt.verify(token, RESOLVE).problems
    legacy = sdjwt.issue({"iss": did, "vct": "x"}, {}, signer, typ="vc+sd-jwt")
    assert sdjwt.verify(legacy, RESOLVE).ok
    forged = sdjwt.issue({"iss": did, "vct": "x"}, {}, other)  # signed by a key not of `iss`
    assert not sdjwt.verify(forged, RESOLVE).ok


# ---- key binding ------------------------------------------------------------------------------


def _bound(token: str, holder: P256Signer, **overrides: Any) -> str:
    presentation = sdjwt.present(token, ["grade"])
    args: dict[str, Any] = {"nonce": "n-1", "aud": "https://rp.example", "iat": NOW}
    args.update(overrides)
    return presentation + sdjwt.key_binding_jwt(presentation, holder, **args)


def test_key_binding_passes_with_expected_nonce_and_audience() -> None:
    token, holder, _jwk = _sd_jwt()
    presented = _bound(token, holder)
    result = sdjwt.verify(
        presented, RESOLVE, expected_nonce="n-1", expected_aud="https://rp.example", now=NOW
    )
    assert result.ok, result.problems
    assert result.holder_bound and result.claims["grade"] == "A"
    assert "birthdate" not in result.claims
    # The anchoring digest ignores disclosures and key binding (docs/architecture.md "Anchoring").
    assert sd_jwt_digest(presented) == sd_jwt_digest(token)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"nonce": "other"}, "the KB-JWT's nonce is not the expected one"),
        ({"aud": "https://evil.example"}, "the KB-JWT's aud is not this verifier"),
        ({"iat": NOW - 3600}, "the KB-JWT's iat is not recent"),
    ],
)
def test_key_binding_claims_are_checked(change: dict[str, Any], problem: str) -> None:
    token, holder, _jwk = _sd_jwt()
    result = sdjwt.verify(
        _bound(token, holder, **change),
        RESOLVE,
        expected_nonce="n-1",
        expected_aud="https://rp.example",
        now=NOW,
    )
    assert not result.ok and problem in result.problems


def test_key_binding_by_another_key_or_for_other_disclosures_fails() -> None:
    token, _holder_signer, _jwk = _sd_jwt()
    stranger, _ = _holder()
    result = sdjwt.verify(_bound(token, stranger), RESOLVE, expected_nonce="n-1", now=NOW)
    assert "the KB-JWT is not signed by the holder key (cnf.jwk)" in result.problems
    token2, holder2, _j = _sd_jwt()
    presented = _bound(token2, holder2)
    kb = presented.rsplit("~", 1)[1]
    swapped = sdjwt.present(token2, ["grade", "birthdate"]) + kb  # disclosures added later
    result2 = sdjwt.verify(swapped, RESOLVE, expected_nonce="n-1", now=NOW)
    assert "the KB-JWT's sd_hash does not match the presentation" in result2.problems


def test_a_presentation_verifier_requires_key_binding() -> None:
    token, _holder_signer, _jwk = _sd_jwt()
    result = sdjwt.verify(token, RESOLVE, expected_nonce="n-1", expected_aud="rp", now=NOW)
    assert not result.ok and "no key binding JWT" in result.problems


def test_holder_jwk_of_did_jwk_and_did_key() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = public_key_to_jwk(key.public_key())
    assert sdjwt.holder_jwk(did_jwk_for(jwk)) == jwk
    did, _vm = did_key_for(key.public_key())
    assert sdjwt.holder_jwk(did) == jwk


# ---- the node's SD-JWT VC ---------------------------------------------------------------------


def _signer() -> CredentialSigner:
    ed = ed25519.Ed25519PrivateKey.generate()
    p256 = ec.generate_private_key(ec.SECP256R1())
    did = "did:web:node.example"
    return CredentialSigner(
        IssuerKeys(
            did=did,
            name="Example University",
            country="FI",
            legal_status="public-institution",
            origin="https://node.example",
            ed25519_vm=f"{did}#ed",
            ed25519_raw=ed.private_bytes_raw(),
            p256_vm=f"{did}#p256",
            p256_der=p256.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
    )


def test_credential_signer_issues_a_holder_bound_sd_jwt_vc() -> None:
    raw = example_claims(1)
    model = MicroCredentialClaims.model_validate(raw)
    holder_key = ec.generate_private_key(ec.SECP256R1())
    holder_did, _vm = did_key_for(holder_key.public_key())
    job = SigningJob(
        "3b5e2a64-8f6d-4c1e-9a0b-2d7c5e1f4a93",
        model.model_dump(mode="json", by_alias=True, exclude_none=True),
        holder_did,
        datetime(2025, 7, 1, tzinfo=UTC),
        (CredentialFormat.SD_JWT_VC,),
        StatusAssignment(revocation=(4, 17), suspension=(5, 99), message=(6, 17)),
    )
    (copy,) = _signer().sign(job)
    assert copy.format is CredentialFormat.SD_JWT_VC
    jwt = copy.content.split("~")[0]
    assert copy.leaf_digest == hashlib.sha256(jwt.encode()).hexdigest()
    header, payload, _i, _s = jose.decode_jws(jwt)
    assert header == {"typ": "dc+sd-jwt", "alg": "ES256", "kid": "did:web:node.example#p256"}
    assert payload["vct"] == "https://node.example/vct/microcredential/v1"
    assert payload["cnf"] == {"jwk": public_key_to_jwk(holder_key.public_key())}
    # One Token Status List reference (draft-ietf-oauth-status-list §6.2): the 2-bit list of
    # both states, so a standard verifier sees a suspension too.
    assert payload["status"] == {
        "status_list": {"idx": 17, "uri": "https://node.example/status/6/token"},
    }
    for always in ("achievement_title", "ects_points", "eqf_level", "awarding_body"):
        assert always in payload
    parsed = sdjwt.parse(copy.content)
    assert parsed.problems == []
    assert set(parsed.disclosed) <= set(SD_JWT_SELECTIVE)
    assert {"given_name", "family_name", "birthdate"} <= set(parsed.disclosed)
    assert not set(parsed.disclosed) & set(payload)
    assert parsed.claims["family_name"] == model.learner.family_name
    view = sd_jwt_vc_as_vcdm(parsed.claims)
    assert view["credentialSubject"]["familyName"] == model.learner.family_name
    assert w3c_entries(payload["status"]) == [
        {
            "id": "https://node.example/status/6#17",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "message",
            "statusListIndex": "17",
            "statusListCredential": "https://node.example/status/6",
            "statusSize": 2,
        },
    ]


# ---- Token Status List ------------------------------------------------------------------------


def test_token_status_list_known_answers() -> None:
    # draft-ietf-oauth-status-list §4.1 examples: 1-bit [1,0,0,1,1,1,0,1, 1,1,0,0,0,1,0,1]
    # and the 2-bit list [1,2,0,3,0,1,0,1,1,2,3,3].
    w3c = Bitstring(16)
    statuses = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
    for index, value in enumerate(statuses):
        w3c.set(index, bool(value))
    raw = base64.urlsafe_b64decode(w3c.encode()[1:] + "==")
    lst = encode_lst(gzip.decompress(raw), "revocation")
    assert lst == "eNrbuRgAAhcBXQ"
    assert [read_status(lst, 1, i) for i in range(16)] == statuses
    two = "eNo76fITAAPfAgc"
    assert [read_status(two, 2, i) for i in range(12)] == [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]


def test_message_view_keeps_every_two_bit_value() -> None:
    """A W3C message list (2-bit entries, first bit most significant) re-encoded as the
    Token Status List of the draft's §4.1 2-bit example: the same values, byte for byte."""
    values = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]
    w3c = Bitstring.with_values(enumerate(values), len(values), 2)
    assert [w3c.value(i, 2) for i in range(len(values))] == values
    raw = base64.urlsafe_b64decode(w3c.encode()[1:] + "==")
    assert encode_lst(gzip.decompress(raw), "message") == "eNo76fITAAPfAgc"


def test_suspension_view_is_two_bits_with_suspended_value() -> None:
    w3c = Bitstring(64)
    w3c.set(0)
    w3c.set(37)
    raw_w3c = base64.urlsafe_b64decode(w3c.encode()[1:] + "==")
    lst = encode_lst(gzip.decompress(raw_w3c), "suspension")
    values = [read_status(lst, 2, i) for i in range(64)]
    assert values[0] == 2 and values[37] == 2 and sum(values) == 4


def test_token_from_version_is_signed_and_names_its_source() -> None:
    signer, did = _issuer()
    bits = Bitstring.with_set([3, 131_000])
    content = json.dumps(
        {
            "issuer": did,
            "credentialSubject": {"statusPurpose": "revocation", "encodedList": bits.encode()},
        }
    )
    token = token_from_version(
        "https://node.example/status/4", 7, content, "ab" * 32, signer, now=NOW
    )
    header, payload, _i, _s = jose.decode_jws(token)
    assert header["typ"] == "statuslist+jwt"
    assert jose.verify_jwt(token, RESOLVE, now=NOW).ok
    assert payload["sub"] == "https://node.example/status/4/token"
    assert payload["w3c_status_list"] == {
        "uri": "https://node.example/status/4",
        "version": 7,
        "sha256": "ab" * 32,
    }
    lst = payload["status_list"]["lst"]
    assert payload["status_list"]["bits"] == 1
    assert [read_status(lst, 1, i) for i in (2, 3, 4, 131_000)] == [0, 1, 0, 1]


def test_status_claim_and_entries_round_trip() -> None:
    def url(list_id: int) -> str:
        return f"https://n.example/status/{list_id}"

    claim = status_claim(StatusAssignment((1, 5), (2, 6), (3, 5)), url)
    assert claim == {"status_list": {"idx": 5, "uri": "https://n.example/status/3/token"}}
    (entry,) = w3c_entries(claim)
    assert (entry["statusPurpose"], entry["statusListCredential"]) == ("message", url(3))
    assert w3c_entries({"status_list": {"idx": "x", "uri": 3}}) == [
        {"type": "TokenStatusListEntry", "statusPurpose": "message"}
    ]
    assert w3c_entries(None) == []


def test_sd_jwt_vcs_of_the_earlier_form_stay_readable() -> None:
    """SD-JWT VCs issued before message lists carry two references (revocation list's
    token, and ``suspension_status_list``): the verifier still maps both to their lists."""
    earlier = status_claim(
        StatusAssignment((1, 5), (2, 6)), lambda i: f"https://n.example/status/{i}"
    )
    assert set(earlier) == {"status_list", "suspension_status_list"}
    assert [(e["statusPurpose"], e["statusListCredential"]) for e in w3c_entries(earlier)] == [
        ("revocation", "https://n.example/status/1"),
        ("suspension", "https://n.example/status/2"),
    ]


def test_ed25519_issuer_is_accepted_by_the_verifier() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    did, vm = did_key_for(key.public_key())
    token = sdjwt.issue({"iss": did, "vct": "x"}, {"grade": "A"}, Ed25519Signer(vm, key))
    assert sdjwt.verify(token, RESOLVE).ok
