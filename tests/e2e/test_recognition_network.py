"""Recognition between partners across three `credreg serve` processes on one anvil chain
(the network of tests/e2e/test_network.py: A on SQLite, B on PostgreSQL, C admitted by vote).

A and B agree (A proposes over B's registered endpoint, B's staff accept: both sign, B
anchors the digest). A learner earns a credential at B from B's catalogue entry and receives
it in the third-party npm wallet (@openid4vc/openid4vci, tests/wallet/wallet.mjs); A asks
the wallet for it over OpenID4VP (@openid4vc/openid4vp, tests/wallet/vp.mjs); A recognises it
automatically and issues the decision credential, which the independent verifier
(@digitalbazaar/vc) accepts and C verifies. C, not a party, finds the agreement valid
against the chain, and refuses a copy signed by one party only.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ec

from node.catalogue.samples import SAMPLES
from tests.e2e.test_network import Member, publish_at, wait_for
from tests.e2e.test_network import members as members  # the fixture: three nodes
from tests.e2e.test_wallet import JWT_ID, ensure_wallet_installed, run_wallet_script
from tests.integration.test_agreements import terms
from tests.integration.test_catalogue_issuing import request_claims
from tests.interop.jsverifier import JsVerifier, status_list_documents
from tests.interop.jsverifier import ensure_installed as ensure_verifier
from vc.did import did_jwk_for
from vc.multikey import public_key_to_jwk


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def holder() -> tuple[dict[str, Any], str]:
    """The learner's wallet key (P-256, a private JWK) and its did:jwk."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = public_key_to_jwk(key.public_key())
    d = key.private_numbers().private_value.to_bytes(32, "big")
    return {**public, "d": _b64(d)}, did_jwk_for(public)


def to_wallet(member: Member, record_id: str, holder_key: dict[str, Any]) -> str:
    """The record's holder-bound jwt_vc_json copy, as the npm wallet receives it over
    OpenID4VCI (an offer mailed to the learner, its PIN)."""
    offer = member.post(
        f"/admin/credentials/{record_id}/offers", {"email": "learner@example.org"}, admin=False
    )
    assert offer.status_code == 201, offer.text
    received = run_wallet_script(
        "wallet.mjs",
        {
            "offer": offer.json()["credential_offer_uri"],
            "txCode": offer.json()["tx_code"],
            "configurationId": JWT_ID,
            "holderKey": holder_key,
        },
    )
    assert received["ok"], received
    (credential,) = [item["credential"] for item in received["credentialResponse"]["credentials"]]
    return str(credential)


def _get(member: Member, path: str, **params: Any) -> Any:
    reply = httpx.get(
        f"{member.url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {member.admin}"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def _check(member: Member, document: dict[str, Any]) -> dict[str, Any]:
    reply = httpx.post(f"{member.url}/api/agreements/check", json=document, timeout=30)
    assert reply.status_code == 200, reply.text
    report: dict[str, Any] = reply.json()
    report["by_name"] = {c["name"]: c for c in report["checks"]}
    return report


def test_a_partners_credential_is_recognised_from_the_wallet(members: list[Member]) -> None:
    ensure_wallet_installed()
    ensure_verifier()
    a, b, c = members
    a_did, b_did = (httpx.get(f"{m.url}/.well-known/did.json").json()["id"] for m in (a, b))

    # B offers a course; A and B agree that it counts towards A's programme.
    entry = publish_at(b, SAMPLES[1])
    version = httpx.get(entry, params={"format": "json"}, timeout=10).json()
    proposal = terms(b_did, b_did, a_did)
    proposal["modules"][0] |= {"entry": entry, "digest": version["status"]["digest"]}
    made = a.post("/admin/agreements", proposal)
    assert made.status_code == 201 and made.json()["delivery"]["state"] == "delivered", made.text
    url = made.json()["url"]
    accepted = b.post("/admin/agreements/accept", {"url": url})
    assert accepted.status_code == 200 and accepted.json()["state"] == "agreed", accepted.text

    def agreed_at_a() -> dict[str, Any] | None:
        items = httpx.get(f"{a.url}/api/agreements", timeout=10).json()["items"]
        done = [i for i in items if i["anchor"] and i["anchor"]["state"] == "confirmed"]
        return done[0] if done else None

    agreement = wait_for(agreed_at_a, 60, "A never saw the agreement anchored")
    document = agreement["document"]
    report = _check(c, document)  # C is no party, and checks it against the chain
    assert report["verdict"] == "valid", report
    assert "3 active members" in report["network"]
    half = _check(c, {**document, "proof": document["proof"][:1]})
    assert (
        half["verdict"] == "invalid" and "not signed by" in half["by_name"]["signatures"]["detail"]
    )

    # The learner earns the credential at B and takes it into the npm wallet.
    holder_key, holder_did = holder()
    body = {"claims": request_claims() | {"grade": {"value": "A"}}, "catalogueEntry": entry}
    record = b.post("/admin/credentials", body, admin=False)
    assert record.status_code == 201, record.text
    held = to_wallet(b, record.json()["id"], holder_key)

    def anchored_at_b() -> bool:
        copies = httpx.get(f"{b.url}/credentials/{record.json()['id']}/anchor", timeout=5)
        return all(x["state"] == "confirmed" for x in copies.json()["copies"])

    wait_for(anchored_at_b, 60, "B never anchored the wallet's copy")

    # A asks the wallet over OpenID4VP; the wallet presents; A decides automatically.
    asked = a.post(
        "/admin/recognitions/wallet", {"agreement": url, "programme": "MSC-DS"}, admin=False
    )
    assert asked.status_code == 201 and asked.json()["state"] == "awaiting", asked.text
    answer = run_wallet_script(
        "vp.mjs",
        {
            "request": asked.json()["presentation"]["link"],
            "credential": held,
            "holderJwk": holder_key,
            "holderDid": holder_did,
        },
    )
    assert answer["ok"] and answer["status"] == 200, answer
    case = _get(a, f"/admin/recognitions/{asked.json()['id']}")
    assert case["state"] == "decided" and case["outcome"] == "recognised", case["conditions"]
    assert case["decidedBy"] == "automatic" and case["ects"] == 5

    # The decision credential: anchored at A, accepted by the independent verifier and by C.
    decision_id = case["decisionRecord"]
    copies = _get(a, f"/admin/credentials/{decision_id}")["credentials"]
    decision = copies[0]["credential"]
    recognition = decision["credentialSubject"]["recognition"]
    assert recognition["agreement"] == url and recognition["agreementDigest"] == agreement["digest"]
    assert decision["credentialSubject"]["id"] == holder_did

    def decision_anchored() -> bool:
        state = httpx.get(f"{a.url}/credentials/{decision_id}/anchor", timeout=5).json()
        return all(x["state"] == "confirmed" for x in state["copies"])

    wait_for(decision_anchored, 60, "A never anchored the decision")
    documents = {
        a_did: httpx.get(f"{a.url}/.well-known/did.json", timeout=5).json(),
        **status_list_documents(decision, lambda u: httpx.get(u, timeout=5).json()),
    }
    with JsVerifier() as verifier:
        independent = verifier.verify_ldp(decision, documents=documents)
    assert independent["verified"], independent
    at_c = httpx.post(f"{c.url}/api/verify", json={"credential": decision}, timeout=60).json()
    assert at_c["verified"] is True, at_c
