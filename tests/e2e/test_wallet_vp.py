"""A real third-party holder library (npm @openid4vc/openid4vp) answers the node's OpenID4VP
request: `credreg serve` runs as a process; the relying party creates a request with a DCQL
query (API token); tests/wallet/vp.mjs opens the openid4vp:// link, fetches and verifies the
signed request object (did:web of the node, resolved over http on 127.0.0.1), presents a
jwt_vc_json credential the node issued to the wallet's did:jwk, and posts it by direct_post.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from node.credentials.examples import example_claims
from tests.e2e.test_serve import Server, init_node
from tests.e2e.test_wallet import ensure_wallet_installed, run_wallet_script
from vc.did import did_jwk_for
from vc.multikey import public_key_to_jwk

TYPES = ["VerifiableCredential", "OpenBadgeCredential"]


class Wallet:
    """The holder's P-256 key (did:jwk) and the credential the node issued to it."""

    def __init__(self, node: RelyingParty) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        public = public_key_to_jwk(key.public_key())
        d = key.private_numbers().private_value.to_bytes(32, "big")
        self.private_jwk = {**public, "d": _b64(d)}
        self.did = did_jwk_for(public)
        self.credential = node.issue(self.did)

    def answer(self, request: str, **extra: Any) -> dict[str, Any]:
        scenario = {
            "request": request,
            "credential": self.credential,
            "holderJwk": self.private_jwk,
            "holderDid": self.did,
            **extra,
        }
        return run_wallet_script("vp.mjs", scenario)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class RelyingParty:
    def __init__(self, server: Server, token: str) -> None:
        self.url = server.url
        self.auth = {"Authorization": f"Bearer {token}"}

    def issue(self, subject: str) -> str:
        response = httpx.post(
            f"{self.url}/admin/credentials",
            json={"claims": example_claims(5), "subjectId": subject, "formats": ["jwt_vc_json"]},
            headers=self.auth,
            timeout=30,
        )
        assert response.status_code == 201, response.text
        return str(response.json()["credentials"][0]["credential"])

    def ask(self) -> dict[str, Any]:
        query = {
            "credentials": [
                {
                    "id": "micro",
                    "format": "jwt_vc_json",
                    "meta": {"type_values": [TYPES]},
                    "claims": [{"path": ["credentialSubject", "achievement", "name"]}],
                }
            ]
        }
        response = httpx.post(
            f"{self.url}/api/presentations",
            json={"dcql_query": query},
            headers=self.auth,
            timeout=10,
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def result(self, request_id: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.url}/api/presentations/{request_id}", headers=self.auth, timeout=10
        )
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture(scope="module")
def rp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelyingParty]:
    ensure_wallet_installed()
    tmp = tmp_path_factory.mktemp("vp-node")
    server, tokens = init_node(tmp, "Verifier U")
    token = tokens["issuer"]
    server.start()
    try:
        yield RelyingParty(server, token)
    finally:
        server.stop()
    # Neither the presentation nor the credential reached the log.
    assert "eyJ" not in (tmp / "serve.log").read_text(errors="replace")


def test_a_third_party_wallet_answers_a_dcql_request(rp: RelyingParty) -> None:
    wallet = Wallet(rp)
    created = rp.ask()
    answer = wallet.answer(created["authorization_request"], replay=True)
    assert answer["ok"] is True, answer
    # the library resolved the request object by reference, signed by the node's DID
    assert answer["clientPrefix"] == "decentralized_identifier"
    assert answer["clientId"] == created["client_id"]
    assert answer["sendBy"] == "reference" and answer["version"] == 100
    assert answer["signer"].startswith(created["client_id"].split(":", 1)[1] + "#")
    assert answer["status"] == 200 and answer["queryId"] == "micro"
    # the same response again is a replay
    assert answer["replay"]["status"] == 400
    assert answer["replay"]["body"]["error"] == "invalid_request"
    state = rp.result(created["id"])
    assert state["status"] == "answered"
    result = state["result"]
    assert result["verified"] is True, result
    presentation = result["presentations"][0]
    assert presentation["holder"] == wallet.did
    (credential,) = presentation["credentials"]
    assert {c["name"]: c["ok"] for c in credential["checks"]}["holder_binding"] is True
    assert credential["claims"] == {
        "credentialSubject.achievement.name": example_claims(5)["title"]["en"]
    }


@pytest.mark.parametrize(("tamper", "check"), [("wrong-nonce", "nonce"), ("wrong-aud", "audience")])
def test_a_wrong_nonce_or_audience_is_not_verified(
    rp: RelyingParty, tamper: str, check: str
) -> None:
    wallet = Wallet(rp)
    created = rp.ask()
    answer = wallet.answer(created["authorization_request"], tamper=tamper)
    assert answer["ok"] is True and answer["status"] == 200, answer
    result = rp.result(created["id"])["result"]
    assert result["verified"] is False
    checks = {c["name"]: c["ok"] for c in result["presentations"][0]["checks"]}
    assert checks[check] is False and checks["holder_proof"] is True
