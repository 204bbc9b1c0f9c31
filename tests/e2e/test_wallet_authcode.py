"""The authorization code flow with PKCE, end to end: `credreg serve` as a process, the
third-party wallet client (npm @openid4vc/openid4vci, tests/wallet/authcode.mjs) builds the
authorization request with its own PKCE helpers, this test plays the learner in the browser
part (sign-in and approval as plain HTTP form posts), the client checks the redirect's
``iss``, exchanges the code and receives a credential that the independent verifier
(@digitalbazaar/vc, jose) then checks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from node.credentials.examples import example_claims
from tests.e2e.test_serve import Server, init_node
from tests.e2e.test_wallet import (
    ensure_wallet_installed,
    run_wallet_script,
    status_documents,
)
from tests.interop.jsverifier import JsVerifier
from tests.interop.jsverifier import ensure_installed as ensure_verifier
from vc.jose import decode_jws
from vc.multikey import public_key_from_multibase, public_key_to_jwk

JWT_ID = "MicroCredential_jwt_vc_json"
CLIENT_ID = "https://wallet.example"
REDIRECT_URI = "https://wallet.example/callback"
PASSWORD = "learner password 123"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def authcode(**scenario: Any) -> dict[str, Any]:
    return run_wallet_script("authcode.mjs", scenario)


class Node:
    def __init__(self, server: Server, issuer: str) -> None:
        self.url = server.url
        self.issuer = {"Authorization": f"Bearer {issuer}"}

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(f"{self.url}{path}", json=body, headers=self.issuer, timeout=30)
        assert response.status_code == 201, response.text
        return dict(response.json())


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    ensure_wallet_installed()
    tmp = tmp_path_factory.mktemp("authcode-node")
    server, tokens = init_node(tmp, "Authcode U")
    issuer = tokens["issuer"]
    server.start()
    try:
        yield Node(server, issuer)
    finally:
        server.stop()
    log = (tmp / "serve.log").read_text(errors="replace")
    assert "eyJ" not in log and PASSWORD not in log


@pytest.fixture(scope="module")
def js_verifier() -> Iterator[JsVerifier]:
    ensure_verifier()
    with JsVerifier() as verifier:
        yield verifier


def _learner_approves(node: Node, authorization_url: str, email: str) -> str:
    """The learner's browser: open the wallet's URL, sign in, approve; returns the redirect
    to the wallet (not followed: the wallet's own callback)."""
    with httpx.Client(base_url=node.url, follow_redirects=False, timeout=30) as browser:
        started = browser.get(authorization_url)
        assert started.status_code == 303, started.text
        consent = started.headers["location"]
        to_sign_in = browser.get(consent)
        assert to_sign_in.status_code == 303
        form = browser.get(to_sign_in.headers["location"])
        csrf = _CSRF.search(form.text)
        next_path = re.search(r'name="next" value="([^"]+)"', form.text)
        assert csrf and next_path
        signed = browser.post(
            "/learner/sign-in",
            data={
                "email": email,
                "password": PASSWORD,
                "csrf": csrf.group(1),
                "next": next_path.group(1),
            },
        )
        assert signed.status_code == 303, signed.text
        page = browser.get(signed.headers["location"])
        assert page.status_code == 200 and "wallet.example" in page.text
        choice = re.search(r'name="record_id" id="r-0" value="([^"]+)"', page.text)
        csrf = _CSRF.search(page.text)
        assert choice and csrf
        approved = browser.post(
            signed.headers["location"],
            data={"decision": "approve", "record_id": choice.group(1), "csrf": csrf.group(1)},
        )
        assert approved.status_code == 303, approved.text
        return str(approved.headers["location"])


def test_wallet_authorization_code_flow(node: Node, js_verifier: JsVerifier) -> None:
    record = node.post(
        "/admin/credentials",
        {"claims": example_claims(1), "issue": True, "formats": ["jwt_vc_json"]},
    )
    email = "learner@example.org"
    node.post(
        "/admin/learners",
        {"email": email, "name": "Mikko", "password": PASSWORD, "record_ids": [record["id"]]},
    )
    offer = node.post(f"/admin/credentials/{record['id']}/offers", {"email": email})
    uri = offer["credential_offer_uri"]
    scenario = {"offer": uri, "clientId": CLIENT_ID, "redirectUri": REDIRECT_URI, "scope": JWT_ID}

    started = authcode(phase="authorize", **scenario)
    assert started["ok"], started
    assert started["codeChallengeMethod"] == "S256"
    request = {
        k: v[0] for k, v in parse_qs(urlsplit(started["authorizationRequestUrl"]).query).items()
    }
    assert request["issuer_state"] == offer["offer_id"] and "code_challenge" in request
    assert "code_verifier" not in request

    redirect = _learner_approves(node, started["authorizationRequestUrl"], email)
    assert redirect.startswith(REDIRECT_URI + "?")
    done = authcode(
        phase="complete",
        redirectUrl=redirect,
        codeVerifier=started["codeVerifier"],
        configurationId=JWT_ID,
        **scenario,
    )
    assert done["ok"], done
    (entry,) = done["credentialResponse"]["credentials"]
    token = entry["credential"]
    _header, payload, _, _ = decode_jws(token)
    assert payload["sub"].startswith("did:jwk:")
    document = httpx.get(f"{node.url}/.well-known/did.json", timeout=5).json()
    p256 = next(m for m in document["verificationMethod"] if m["id"].endswith("#p256-1"))
    issuer_jwk = public_key_to_jwk(public_key_from_multibase(p256["publicKeyMultibase"]))
    lists = {document["id"]: document, **status_documents(payload["vc"])}
    independent = js_verifier.verify_jwt(token, jwk=issuer_jwk, documents=lists)
    assert independent["verified"], independent

    # The code is single use: the same redirect again is refused by the token endpoint.
    again = authcode(
        phase="complete",
        redirectUrl=redirect,
        codeVerifier=started["codeVerifier"],
        configurationId=JWT_ID,
        steps="token",
        **scenario,
    )
    assert not again["ok"] and again["stage"] == "token", again
    assert again["error"]["error"] == "invalid_grant", again


def test_wrong_verifier_and_forged_iss(node: Node) -> None:
    record = node.post(
        "/admin/credentials",
        {"claims": example_claims(2), "issue": True, "formats": ["jwt_vc_json"]},
    )
    email = "second@example.org"
    node.post(
        "/admin/learners",
        {"email": email, "name": "Ana", "password": PASSWORD, "record_ids": [record["id"]]},
    )
    offer = node.post(f"/admin/credentials/{record['id']}/offers", {"email": email})
    scenario = {
        "offer": offer["credential_offer_uri"],
        "clientId": CLIENT_ID,
        "redirectUri": REDIRECT_URI,
        "scope": JWT_ID,
    }
    started = authcode(phase="authorize", **scenario)
    other = authcode(phase="authorize", **scenario)  # a verifier of another request
    redirect = _learner_approves(node, started["authorizationRequestUrl"], email)
    wrong = authcode(
        phase="complete",
        redirectUrl=redirect,
        codeVerifier=other["codeVerifier"],
        steps="token",
        **scenario,
    )
    assert not wrong["ok"] and wrong["error"]["error"] == "invalid_grant", wrong

    # A wrong iss in the redirect is caught by the client itself (RFC 9207).
    forged = redirect.replace("iss=", "iss=https%3A%2F%2Fevil.example&x=")
    mixed = authcode(
        phase="complete",
        redirectUrl=forged,
        codeVerifier=started["codeVerifier"],
        steps="token",
        **scenario,
    )
    assert not mixed["ok"] and mixed["stage"] == "redirect", mixed
