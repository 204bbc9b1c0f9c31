"""The OpenID4VCI authorization code flow with PKCE in process, on SQLite and PostgreSQL:
the learner signs in and approves; every negative of the authorize and token endpoints; the
offer page the institution mails. (The real npm wallet drives it in
tests/e2e/test_wallet_authcode.py.)"""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select, update

from node.db.models import WalletAuthorization
from tests.conftest import RunningNode
from tests.integration.test_learners import PASSWORD, Browser, provision, record
from tests.integration.test_oid4vci import proof
from vc.jose import decode_jws
from wallet_bridge.authorization import code_challenge

ISSUER = "https://uni-a.example"
JWT_ID = "MicroCredential_jwt_vc_json"
LDP_ID = "MicroCredential_ldp_vc"
CLIENT = "https://wallet.example"
REDIRECT = "https://wallet.example/cb?x=1"


def _query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class Flow:
    def __init__(self, node: RunningNode, browser: Browser) -> None:
        self.node = node
        self.browser = browser
        self.verifier = secrets.token_urlsafe(48)
        self.state = secrets.token_urlsafe(8)

    def params(self, **extra: str) -> dict[str, str]:
        base = {
            "response_type": "code",
            "client_id": CLIENT,
            "redirect_uri": REDIRECT,
            "state": self.state,
            "code_challenge": code_challenge(self.verifier),
            "code_challenge_method": "S256",
            "scope": JWT_ID,
        }
        base.update(extra)
        return {k: v for k, v in base.items() if v != ""}

    def authorize(self, **extra: str) -> Any:
        return self.browser.client.get("/authorize?" + urlencode(self.params(**extra)))

    def consent_path(self, **extra: str) -> str:
        started = self.authorize(**extra)
        assert started.status_code == 303, started.text
        path = str(started.headers["location"])
        assert path.startswith("/learner/authorize/")
        return path

    def decide(self, path: str, decision: str, record_id: str = "") -> Any:
        page = self.browser.client.get(path)
        assert page.status_code == 200, page.text
        choice = record_id or re.findall(r'name="record_id" id="r-0" value="([^"]+)"', page.text)[0]
        return self.browser.client.post(
            path.split("?")[0],
            data={"decision": decision, "record_id": choice, "csrf": self.browser.csrf(page.text)},
        )

    def code(self, **extra: str) -> str:
        approved = self.decide(self.consent_path(**extra), "approve")
        assert approved.status_code == 303, approved.text
        location = approved.headers["location"]
        assert location.startswith("https://wallet.example/cb?")
        answer = _query(location)
        assert answer["state"] == self.state and answer["iss"] == ISSUER and answer["x"] == "1"
        return answer["code"]

    def token(self, code: str, **extra: str) -> Any:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": self.verifier,
            "redirect_uri": REDIRECT,
            "client_id": CLIENT,
        }
        form.update(extra)
        return self.node.client.post("/token", data={k: v for k, v in form.items() if v})


def _signed_in(node: RunningNode, *records: str) -> Browser:
    provision(node, "learner@example.org", list(records), password=PASSWORD)
    browser = Browser(node)
    assert browser.sign_in("learner@example.org").status_code == 303
    return browser


def test_metadata_announces_the_code_flow(node: RunningNode) -> None:
    server = node.client.get("/.well-known/oauth-authorization-server").json()
    assert server["authorization_endpoint"] == ISSUER + "/authorize"
    assert "authorization_code" in server["grant_types_supported"]
    assert server["code_challenge_methods_supported"] == ["S256"]
    assert server["response_types_supported"] == ["code"]
    assert server["authorization_response_iss_parameter_supported"] is True
    issuer = node.client.get("/.well-known/openid-credential-issuer").json()
    assert issuer["credential_configurations_supported"][JWT_ID]["scope"] == JWT_ID


def test_sign_in_approve_token_credential(node: RunningNode) -> None:
    mine = record(node)
    provision(node, "learner@example.org", [mine], password=PASSWORD)
    browser = Browser(node)
    flow = Flow(node, browser)
    path = flow.consent_path()
    # Not signed in yet: the consent page sends the learner to sign in, then back.
    to_sign_in = browser.client.get(path)
    assert to_sign_in.status_code == 303 and "/learner/sign-in" in to_sign_in.headers["location"]
    signed = browser.sign_in("learner@example.org", next_path=path.split("?")[0])
    assert signed.headers["location"] == path.split("?")[0]
    consent = browser.client.get(path)
    assert "wallet.example" in consent.text and "Sustainable Supply Chains" in consent.text
    csp = consent.headers["content-security-policy"]
    assert "form-action 'self' https://wallet.example" in csp

    approved = flow.decide(path, "approve", mine)
    answer = _query(approved.headers["location"])
    token = flow.token(answer["code"])
    assert token.status_code == 200, token.text
    body = token.json()
    assert "authorization_details" not in body  # asked by scope
    key = ec.generate_private_key(ec.SECP256R1())
    credential = node.client.post(
        "/credential",
        json={
            "credential_configuration_id": JWT_ID,
            "proofs": {"jwt": [proof(key, body["c_nonce"])]},
        },
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert credential.status_code == 200, credential.text
    jwt = credential.json()["credentials"][0]["credential"]
    assert decode_jws(jwt)[1]["sub"].startswith("did:jwk:")
    # Only the configuration asked for is granted.
    nonce = node.client.post("/nonce").json()["c_nonce"]
    other = node.client.post(
        "/credential",
        json={"credential_configuration_id": LDP_ID, "proofs": {"jwt": [proof(key, nonce)]}},
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert other.json()["error"] == "credential_request_denied"

    # The code was single use, and replaying it withdraws the access token it gave.
    replay = flow.token(answer["code"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    nonce = node.client.post("/nonce").json()["c_nonce"]
    withdrawn = node.client.post(
        "/credential",
        json={"credential_configuration_id": JWT_ID, "proofs": {"jwt": [proof(key, nonce)]}},
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert withdrawn.status_code == 401 and withdrawn.json()["error"] == "invalid_token"


def test_authorization_details_get_credential_identifiers(node: RunningNode) -> None:
    flow = Flow(node, _signed_in(node, record(node)))
    details = json.dumps([{"type": "openid_credential", "credential_configuration_id": LDP_ID}])
    code = flow.code(scope="", authorization_details=details)
    body = flow.token(code).json()
    assert body["authorization_details"] == [
        {
            "type": "openid_credential",
            "credential_configuration_id": LDP_ID,
            "credential_identifiers": [LDP_ID],
        }
    ]
    key = ec.generate_private_key(ec.SECP256R1())
    credential = node.client.post(
        "/credential",
        json={"credential_identifier": LDP_ID, "proofs": {"jwt": [proof(key, body["c_nonce"])]}},
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert credential.status_code == 200, credential.text
    assert (
        credential.json()["credentials"][0]["credential"]["proof"]["type"] == "DataIntegrityProof"
    )


def test_token_negatives(node: RunningNode) -> None:
    flow = Flow(node, _signed_in(node, record(node)))

    def error(response: Any) -> str:
        assert response.status_code == 400, response.text
        assert response.headers["cache-control"] == "no-store"
        return str(response.json()["error"])

    code = flow.code()
    assert error(flow.token(code, code_verifier=secrets.token_urlsafe(48))) == "invalid_grant"
    assert error(flow.token(code, code_verifier="short")) == "invalid_grant"
    assert error(flow.token(code, redirect_uri="https://wallet.example/other")) == "invalid_grant"
    assert error(flow.token(code, client_id="https://evil.example")) == "invalid_grant"
    assert error(flow.token(code, client_id="")) == "invalid_client"
    assert error(flow.token(code, code_verifier="")) == "invalid_request"
    assert error(flow.token("made-up")) == "invalid_grant"
    # None of those spent the code; the right request still works, once.
    assert flow.token(code).status_code == 200
    assert error(flow.token(code)) == "invalid_grant"

    late = flow.code()
    with node.client.app.state.runtime.sessions() as session:  # type: ignore[attr-defined]
        session.execute(
            update(WalletAuthorization)
            .where(WalletAuthorization.redeemed_at.is_(None))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        session.commit()
    assert error(flow.token(late)) == "invalid_grant"


def test_authorize_negatives_and_denial(node: RunningNode) -> None:
    mine = record(node)
    browser = _signed_in(node, mine)
    flow = Flow(node, browser)

    # redirect_uri or client_id not acceptable: an error page, never a redirect.
    for bad in (
        {"redirect_uri": ""},
        {"redirect_uri": "http://wallet.example/cb"},
        {"redirect_uri": "javascript:alert(1)"},
        {"redirect_uri": "https://wallet.example/cb#frag"},
        {"client_id": ""},
    ):
        page = flow.authorize(**bad)
        assert page.status_code == 400 and "location" not in page.headers, bad
        assert "cannot be accepted" in page.text
    repeated = browser.client.get(
        "/authorize?" + urlencode(flow.params()) + "&redirect_uri=https://evil.example/"
    )
    assert repeated.status_code == 400 and "location" not in repeated.headers

    # Other errors go back to the wallet with its state and our iss.
    for bad, code in (
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"scope": "openid"}, "invalid_scope"),
        ({"scope": "", "authorization_details": "[{}]"}, "invalid_authorization_details"),
        ({"issuer_state": "no-such-offer"}, "invalid_request"),
    ):
        response = flow.authorize(**bad)
        assert response.status_code == 303, (bad, response.text)
        answer = _query(response.headers["location"])
        assert answer["error"] == code and answer["state"] == flow.state, (bad, answer)
        assert answer["iss"] == ISSUER

    # The learner declines.
    path = flow.consent_path()
    forged = browser.client.post(path.split("?")[0], data={"decision": "deny", "csrf": "x"})
    assert forged.status_code == 403
    denied = flow.decide(path, "deny")
    answer = _query(denied.headers["location"])
    assert answer["error"] == "access_denied" and answer["state"] == flow.state
    assert "code" not in answer
    assert browser.client.get(path).status_code == 410  # answered: no second decision

    # Someone else's record cannot be approved.
    stranger = record(node, 5)
    path = flow.consent_path()
    refused = flow.decide(path, "approve", stranger)
    assert refused.status_code == 200 and "location" not in refused.headers
    with node.client.app.state.runtime.sessions() as session:  # type: ignore[attr-defined]
        approved = session.scalars(
            select(WalletAuthorization.record_id).where(
                WalletAuthorization.approved_at.is_not(None)
            )
        ).all()
    assert approved == []


def test_offer_page_and_issuer_state(node: RunningNode) -> None:
    mine = record(node)
    browser = _signed_in(node, mine, record(node, 2))
    response = node.client.post(
        f"/admin/credentials/{mine}/offers",
        json={"email": "learner@example.org", "configuration_ids": [JWT_ID]},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    offer = response.json()
    grants = json.loads(_query(offer["credential_offer_uri"])["credential_offer"])["grants"]
    assert grants["authorization_code"] == {"issuer_state": offer["offer_id"]}
    (mail,) = node.runtime.outbox().pending()
    found = re.search(r"https://uni-a\.example(/offer/\S+)", mail.body)
    assert found, mail.body
    for lang, heading in (("en", "Add your micro-credential"), ("fi", "Lisää mikrotutkintosi")):
        page = node.client.get(found.group(1) + f"&lang={lang}")
        assert page.status_code == 200 and heading in page.text
        assert "<svg" in page.text and 'id="pin-hint"' in page.text
    link = re.search(r'id="wallet-link" href="([^"]+)"', page.text)
    assert link and link.group(1).replace("&amp;", "&") == offer["credential_offer_uri"]
    assert node.client.get(f"/offer/{offer['offer_id']}?code=wrong").status_code == 404

    # issuer_state narrows the choice to the offer's record.
    flow = Flow(node, browser)
    path = flow.consent_path(issuer_state=offer["offer_id"])
    choices = re.findall(
        r'name="record_id" id="r-\d" value="([^"]+)"', browser.client.get(path).text
    )
    assert choices == [mine]
    wrong_config = flow.authorize(issuer_state=offer["offer_id"], scope=LDP_ID)
    assert _query(wrong_config.headers["location"])["error"] == "invalid_request"

    # Once the pre-authorized code is used, the page says so.
    code = grants["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
    token = node.client.post(
        "/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "pre-authorized_code": code,
            "tx_code": offer["tx_code"],
        },
    )
    assert token.status_code == 200
    used = node.client.get(found.group(1))
    assert used.status_code == 410 and "already used" in used.text
