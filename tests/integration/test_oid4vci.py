"""OpenID4VCI issuer endpoints in process, on SQLite and PostgreSQL (the real wallet client
drives a `credreg serve` process in tests/e2e/test_wallet.py)."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from sqlalchemy import func, select

from node.credentials.examples import example_claims
from node.db.models import Base, MailOutbox, SignedCopy
from node.errors import Conflict
from tests.conftest import RunningNode, make_settings, start_node
from vc.did import did_key_for
from vc.jose import decode_jws
from vc.multikey import public_key_to_jwk
from vc.signer import Ed25519Signer, P256Signer
from wallet_bridge.metadata import PRE_AUTHORIZED_GRANT

ISSUER = "https://uni-a.example"
JWT_ID = "MicroCredential_jwt_vc_json"
LDP_ID = "MicroCredential_ldp_vc"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def proof(key: Any, nonce: str, *, aud: str = ISSUER, header: dict[str, Any] | None = None) -> str:
    alg = "EdDSA" if isinstance(key, ed25519.Ed25519PrivateKey) else "ES256"
    h = {"typ": "openid4vci-proof+jwt", "alg": alg}
    h.update(header or {"jwk": public_key_to_jwk(key.public_key())})
    payload = {"aud": aud, "iat": int(time.time()), "nonce": nonce}
    signing_input = _b64(json.dumps(h).encode()) + "." + _b64(json.dumps(payload).encode())
    signer = Ed25519Signer("k", key) if alg == "EdDSA" else P256Signer("k", key)
    return signing_input + "." + _b64(signer.sign(signing_input.encode()))


def _record(node: RunningNode, *, issue: bool = True) -> str:
    response = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(1), "issue": issue, "formats": ["jwt_vc_json"]},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def make_offer(node: RunningNode, record_id: str, **extra: Any) -> dict[str, Any]:
    response = node.client.post(
        f"/admin/credentials/{record_id}/offers",
        json={"email": "learner@example.org", **extra},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def pre_authorized_code(offer: dict[str, Any]) -> str:
    query = parse_qs(urlsplit(offer["credential_offer_uri"]).query)
    grants = json.loads(query["credential_offer"][0])["grants"]
    return str(grants[PRE_AUTHORIZED_GRANT]["pre-authorized_code"])


def request_token(node: RunningNode, code: str, tx_code: str | None) -> Any:
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}
    if tx_code is not None:
        form["tx_code"] = tx_code
    return node.client.post("/token", data=form)


def request_credential(node: RunningNode, token: str, body: dict[str, Any]) -> Any:
    return node.client.post("/credential", json=body, headers={"Authorization": f"Bearer {token}"})


def redeem(
    node: RunningNode, offer: dict[str, Any], configuration: str, key: Any
) -> tuple[Any, dict[str, Any]]:
    """Token (code + PIN), then one credential request with one proof by ``key``: the
    credential response and the token response."""
    token = request_token(node, pre_authorized_code(offer), offer["tx_code"]).json()
    body = {
        "credential_configuration_id": configuration,
        "proofs": {"jwt": [proof(key, token["c_nonce"])]},
    }
    return request_credential(node, token["access_token"], body), token


def test_metadata(node: RunningNode) -> None:
    metadata = node.client.get("/.well-known/openid-credential-issuer").json()
    assert metadata["credential_issuer"] == ISSUER
    assert set(metadata["credential_configurations_supported"]) >= {JWT_ID, LDP_ID}
    server = node.client.get("/.well-known/oauth-authorization-server").json()
    assert server["token_endpoint"] == ISSUER + "/token"
    logo = node.client.get("/oid4vci/logo.svg")
    assert logo.headers["content-type"].startswith("image/svg+xml")


def test_pre_authorized_flow_batch_and_anchoring_rows(node: RunningNode) -> None:
    record_id = _record(node)
    offer = make_offer(node, record_id)
    assert offer["qr_png"].startswith("data:image/png;base64,")
    assert offer["qr_svg"].lstrip().startswith("<svg")
    assert len(offer["tx_code"]) == 6 and not offer["deferred"]
    runtime = node.client.app.state.runtime  # type: ignore[attr-defined]
    (mail,) = runtime.outbox().pending()
    assert mail.recipient == "learner@example.org" and mail.id == offer["outbox_id"]
    # The mail links to the offer page; the PIN reaches the learner another way.
    assert offer["offer_page_url"] in mail.body and offer["tx_code"] not in mail.body

    token = request_token(node, pre_authorized_code(offer), offer["tx_code"])
    assert token.status_code == 200, token.text
    assert token.headers["cache-control"] == "no-store"
    access, c_nonce = token.json()["access_token"], token.json()["c_nonce"]

    keys = [ec.generate_private_key(ec.SECP256R1()), ed25519.Ed25519PrivateKey.generate()]
    did_key, vm = did_key_for(keys[1].public_key())
    proofs = [proof(keys[0], c_nonce), proof(keys[1], c_nonce, header={"kid": vm})]
    response = request_credential(
        node, access, {"credential_configuration_id": JWT_ID, "proofs": {"jwt": proofs}}
    )
    assert response.status_code == 200, response.text
    credentials = [c["credential"] for c in response.json()["credentials"]]
    subjects = [decode_jws(c)[1]["sub"] for c in credentials]
    assert subjects[0].startswith("did:jwk:") and subjects[1] == did_key

    # Replaying the request: the nonce is spent.
    replay = request_credential(
        node, access, {"credential_configuration_id": JWT_ID, "proofs": {"jwt": proofs}}
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_nonce"

    # Draft 15: the single `proof`, ldp_vc by format, with a fresh nonce.
    nonce = node.client.post("/nonce").json()["c_nonce"]
    legacy = request_credential(
        node,
        access,
        {"format": "ldp_vc", "proof": {"proof_type": "jwt", "jwt": proof(keys[0], nonce)}},
    )
    assert legacy.status_code == 200, legacy.text
    ldp = legacy.json()["credentials"][0]["credential"]
    assert ldp["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert ldp["credentialSubject"]["id"] == subjects[0]
    verified = node.client.post("/api/verify", json={"credential": ldp})
    assert verified.status_code == 200, verified.text

    with runtime.sessions() as session:
        pending = session.scalar(
            select(func.count())
            .select_from(SignedCopy)
            .where(SignedCopy.record_id == record_id, SignedCopy.batch_id.is_(None))
        )
    assert pending == 4  # the admin's copy + three wallet copies, all awaiting anchoring

    # The code was single use.
    again = request_token(node, pre_authorized_code(offer), offer["tx_code"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_wrong_pin_limited_attempts(node: RunningNode) -> None:
    offer = make_offer(node, _record(node))
    code = pre_authorized_code(offer)
    wrong = "000000" if offer["tx_code"] != "000000" else "111111"
    missing = request_token(node, code, None)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    for _ in range(5):
        response = request_token(node, code, wrong)
        assert response.status_code == 400
        assert response.json() == {
            "error": "invalid_grant",
            "error_description": "the tx_code is wrong",
        }
    exhausted = request_token(node, code, offer["tx_code"])
    assert exhausted.status_code == 400 and exhausted.json()["error"] == "invalid_grant"
    assert "attempts" in exhausted.json()["error_description"]


def test_proof_errors(node: RunningNode) -> None:
    offer = make_offer(node, _record(node), configuration_ids=[JWT_ID])
    token = request_token(node, pre_authorized_code(offer), offer["tx_code"]).json()
    access, nonce = token["access_token"], token["c_nonce"]
    key = ec.generate_private_key(ec.SECP256R1())
    other = ec.generate_private_key(ec.SECP256R1())

    def ask(jwt: str, config: str = JWT_ID) -> Any:
        return request_credential(
            node, access, {"credential_configuration_id": config, "proofs": {"jwt": [jwt]}}
        )

    wrong_key = proof(key, nonce, header={"jwk": public_key_to_jwk(other.public_key())})
    assert ask(wrong_key).json()["error"] == "invalid_proof"
    assert ask(proof(key, nonce, aud="https://evil.example")).json()["error"] == "invalid_proof"
    assert ask(proof(key, "never-issued")).json()["error"] == "invalid_nonce"
    assert ask(proof(key, nonce), LDP_ID).json()["error"] == "credential_request_denied"
    assert ask(proof(key, nonce), "nope").json()["error"] == "unknown_credential_configuration"
    unauth = node.client.post("/credential", json={})
    assert unauth.status_code == 401 and unauth.json()["error"] == "invalid_token"
    assert ask(proof(key, nonce)).status_code == 200


def test_deferred_until_approved(tmp_path: Any, database_url: str) -> None:
    settings = make_settings(tmp_path / "data", database_url, require_approval=True)
    node = start_node(settings)
    with node.client:
        record_id = _record(node, issue=False)
        offer = make_offer(node, record_id, configuration_ids=[LDP_ID])
        assert offer["deferred"]
        pending, token = redeem(node, offer, LDP_ID, ed25519.Ed25519PrivateKey.generate())
        assert pending.status_code == 202, pending.text
        transaction_id = pending.json()["transaction_id"]
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        waiting = node.client.post(
            "/deferred_credential", json={"transaction_id": transaction_id}, headers=auth
        )
        assert waiting.status_code == 202
        approved = node.client.post(
            f"/admin/credentials/{record_id}/approve", headers=node.auth(node.admin_token)
        )
        assert approved.status_code == 200, approved.text
        done = node.client.post(
            "/deferred_credential", json={"transaction_id": transaction_id}, headers=auth
        )
        assert done.status_code == 200, done.text
        credential = done.json()["credentials"][0]["credential"]
        assert credential["credentialSubject"]["id"].startswith("did:jwk:")
        twice = node.client.post(
            "/deferred_credential", json={"transaction_id": transaction_id}, headers=auth
        )
        assert twice.json()["error"] == "invalid_transaction_id"
        # First signed through the wallet, the record still got its status bits: revoking
        # it reaches the wallet's copy.
        purposes = sorted(e["statusPurpose"] for e in credential["credentialStatus"])
        assert purposes == ["revocation", "suspension"]
        revoked = node.client.post(
            f"/admin/credentials/{record_id}/revoke", json={"reason": "r"}, headers=node.auth()
        )
        assert revoked.status_code == 200, revoked.text
        report = node.client.post("/api/verify", json={"credential": credential}).json()
        assert report["verdict"] == "revoked", report
    node.client.app.state.runtime.close()  # type: ignore[attr-defined]


def _stored_text(node: RunningNode) -> str:
    """Every row of every table as text: what a dump of the database holds."""
    lines = []
    with node.runtime.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                lines.append(" | ".join(str(value) for value in row))
    return "\n".join(lines)


def _raw_sqlite(node: RunningNode) -> bytes:
    """The SQLite database's files as they are on disk (empty for PostgreSQL)."""
    url = node.settings.effective_database_url
    if not url.startswith("sqlite:///"):
        return b""
    path = Path(url.removeprefix("sqlite:///"))
    return b"".join(
        p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
    )


def test_no_usable_secret_at_rest(node: RunningNode) -> None:
    """After an offer with a PIN and a sign-in link, the database holds neither the code,
    the PIN nor the link token in clear; the mailer still gets the mail, and once it is
    delivered the sealed body is erased too."""
    record_id = _record(node)
    learner = node.client.post(
        "/admin/learners",
        json={
            "email": "learner@example.org",
            "name": "Lea Learner",
            "record_ids": [record_id],
            "send_sign_in_link": True,
        },
        headers=node.auth(),
    )
    assert learner.status_code == 201, learner.text
    offer = make_offer(node, record_id)
    outbox = node.runtime.outbox()
    mails = outbox.pending()
    assert sorted(m.subject for m in mails) == [
        "Your micro-credential is ready for your wallet",
        "Your sign-in link",
    ]
    link = next(m for m in mails if m.subject == "Your sign-in link")
    found = re.search(r"/learner/link/([A-Za-z0-9_-]+)", link.body)
    assert found
    secrets = {
        "code": pre_authorized_code(offer),
        "PIN": offer["tx_code"],
        "link token": found.group(1),
    }
    dump, raw = _stored_text(node), _raw_sqlite(node)
    assert "Lea Learner" in dump  # the dump does read the rows
    assert not raw or b"Lea Learner" in raw
    for name, value in secrets.items():
        clear = rf"(?<![0-9A-Za-z.]){re.escape(value)}(?![0-9A-Za-z])"
        assert not re.search(clear, dump), f"the {name} is stored in clear"
        assert not re.search(clear.encode(), raw), f"the {name} is in the database file"

    # A sealed body moved to another recipient's row does not open.
    with node.runtime.sessions() as session:
        rows = {r.id: r for r in session.scalars(select(MailOutbox))}
        rows[link.id].sealed_body, rows[offer["outbox_id"]].sealed_body = (
            rows[offer["outbox_id"]].sealed_body,
            rows[link.id].sealed_body,
        )
        rows[link.id].recipient = "someone@example.org"
        session.commit()
    with pytest.raises(Conflict, match="cannot be opened"):
        outbox.pending()
    with node.runtime.sessions() as session:
        session.get(MailOutbox, link.id).recipient = "learner@example.org"  # type: ignore[union-attr]
        session.commit()

    # The mailer sends each and says so: the body is erased, the record of it stays.
    for mail in mails:
        assert outbox.delivered(mail.id)
        assert not outbox.delivered(mail.id)  # once
    assert outbox.pending() == []
    with node.runtime.sessions() as session:
        kept = session.scalars(select(MailOutbox)).all()
    assert len(kept) == 2 and all(m.sealed_body is None and m.sent_at for m in kept)


def test_expired_mail_is_erased_unsent(node: RunningNode) -> None:
    offer = make_offer(node, _record(node), expires_in=60)
    outbox = node.runtime.outbox()
    assert [m.id for m in outbox.pending()] == [offer["outbox_id"]]
    assert outbox.erase_expired(datetime.now(UTC) + timedelta(seconds=61)) == 1
    assert outbox.pending() == []
    with node.runtime.sessions() as session:
        row = session.get(MailOutbox, offer["outbox_id"])
        assert row is not None and row.sealed_body is None and row.sent_at is None
