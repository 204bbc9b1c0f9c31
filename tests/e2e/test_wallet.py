"""A real third-party wallet client (npm @openid4vc/openid4vci) against `credreg serve`.

The node runs as a process (embedded chain, background anchoring); tests/wallet/wallet.mjs
drives the pre-authorized code flow with a tx_code, signs key proofs with keys it generates,
and the credentials it receives are checked by the independent verifier (@digitalbazaar/vc,
jose) and by the node's own /api/verify. The wallet copies are anchored like any other.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, update

from node.credentials.examples import example_claims
from node.db.models import WalletNonce
from tests.e2e.test_serve import Server, init_node, wait_until
from tests.interop.jsverifier import JsVerifier, status_list_documents
from tests.interop.jsverifier import ensure_installed as ensure_verifier
from vc import sdjwt
from vc.jose import decode_jws
from vc.multikey import public_key_from_multibase, public_key_to_jwk

WALLET_DIR = Path(__file__).resolve().parent.parent / "wallet"
JWT_ID = "MicroCredential_jwt_vc_json"
LDP_ID = "MicroCredential_ldp_vc"
JCS_ID = "MicroCredential_ldp_vc_jcs"


def ensure_wallet_installed() -> None:
    """``npm ci`` in tests/wallet unless the pinned packages are there (never a skip)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("Node.js and npm are needed for the wallet client")
    manifest = json.loads((WALLET_DIR / "package.json").read_text("utf-8"))
    for name, version in manifest["dependencies"].items():
        installed = WALLET_DIR / "node_modules" / name / "package.json"
        if not installed.is_file() or json.loads(installed.read_text())["version"] != version:
            break
    else:
        return
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=WALLET_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]


def run_wallet_script(script: str, scenario: dict[str, Any]) -> dict[str, Any]:
    """Run one of the npm wallet scripts in tests/wallet; its last output line is JSON."""
    done = subprocess.run(
        ["node", str(WALLET_DIR / script), json.dumps(scenario)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def wallet(**scenario: Any) -> dict[str, Any]:
    return run_wallet_script("wallet.mjs", scenario)


class Node:
    def __init__(self, server: Server, token: str, admin: str) -> None:
        self.server = server
        self.url = server.url
        self.issuer = {"Authorization": f"Bearer {token}"}
        self.admin = {"Authorization": f"Bearer {admin}"}

    def record(self, *, approve: bool = True, n: int = 1) -> str:
        """A prepared record (this node requires approval), approved by an admin token."""
        response = httpx.post(
            f"{self.url}/admin/credentials",
            json={"claims": example_claims(n), "issue": False},
            headers=self.issuer,
            timeout=30,
        )
        assert response.status_code == 201, response.text
        record_id = str(response.json()["id"])
        if approve:
            self.approve(record_id)
        return record_id

    def approve(self, record_id: str) -> None:
        response = httpx.post(
            f"{self.url}/admin/credentials/{record_id}/approve", headers=self.admin, timeout=10
        )
        assert response.status_code == 200, response.text

    def offer(self, record_id: str, **extra: Any) -> dict[str, Any]:
        response = httpx.post(
            f"{self.url}/admin/credentials/{record_id}/offers",
            json={"email": "learner@example.org", **extra},
            headers=self.issuer,
            timeout=30,
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def verify(self, credential: dict[str, Any] | str) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/api/verify", json={"credential": credential}, timeout=30)
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    ensure_wallet_installed()
    tmp = tmp_path_factory.mktemp("wallet-node")
    server, tokens = init_node(tmp, "Wallet U", ("issuer", "admin"), require_approval="true")
    issuer, admin = tokens["issuer"], tokens["admin"]
    server.start()
    try:
        yield Node(server, issuer, admin)
    finally:
        server.stop()
    # No secret in the log: the server saw codes, PINs, tokens and credentials.
    assert "eyJ" not in (tmp / "serve.log").read_text(errors="replace")


@pytest.fixture(scope="module")
def js_verifier() -> Iterator[JsVerifier]:
    ensure_verifier()
    with JsVerifier() as verifier:
        yield verifier


def _did_documents(node: Node) -> dict[str, Any]:
    document = httpx.get(f"{node.url}/.well-known/did.json", timeout=5).json()
    return {document["id"]: document}


def status_documents(credential: dict[str, Any]) -> dict[str, Any]:
    """The status lists a wallet copy points at, as the node serves them: the independent
    verifier checks the copy's revocation and suspension with them."""
    return status_list_documents(credential, lambda url: httpx.get(url, timeout=5).json())


def _documents(node: Node, credential: dict[str, Any]) -> dict[str, Any]:
    return {**_did_documents(node), **status_documents(credential)}


def test_jwt_vc_json_batch_with_tx_code(node: Node, js_verifier: JsVerifier) -> None:
    record_id = node.record()
    offer = node.offer(record_id)
    result = wallet(
        offer=offer["credential_offer_uri"],
        txCode=offer["tx_code"],
        configurationId=JWT_ID,
        proofs=2,
    )
    assert result["ok"], result
    assert result["version"] == "V1"
    credentials = [c["credential"] for c in result["credentialResponse"]["credentials"]]
    assert len(credentials) == 2
    document = httpx.get(f"{node.url}/.well-known/did.json", timeout=5).json()
    p256 = next(m for m in document["verificationMethod"] if m["id"].endswith("#p256-1"))
    for token, jwk in zip(credentials, result["holderJwks"], strict=True):
        _header, payload, _, _ = decode_jws(token)
        assert payload["sub"].startswith("did:jwk:")
        assert json.loads(_b64decode(payload["sub"].removeprefix("did:jwk:"))) == jwk
        issuer_jwk = public_key_to_jwk(public_key_from_multibase(p256["publicKeyMultibase"]))
        documents = _documents(node, payload["vc"])
        independent = js_verifier.verify_jwt(token, jwk=issuer_jwk, documents=documents)
        assert independent["verified"], independent
        assert independent["statuses"] == {"message": 0}  # VCDM 1.1: one 2-bit entry
        report = node.verify(token)
        checks = {c["name"]: c["ok"] for c in report["checks"]}
        assert checks["signature"] is True and checks["structure"] is True, report

    # Every copy handed out is anchored, like any other.
    def anchored() -> bool:
        copies = httpx.get(f"{node.url}/credentials/{record_id}/anchor", timeout=5).json()
        return len(copies["copies"]) == 2 and all(
            c["state"] == "confirmed" for c in copies["copies"]
        )

    wait_until(anchored, 60, "the wallet copies were not anchored")
    assert node.verify(credentials[0])["verified"] is True

    # The pre-authorized code was single use.
    reused = wallet(offer=offer["credential_offer_uri"], txCode=offer["tx_code"], steps="token")
    assert not reused["ok"] and reused["stage"] == "token"
    assert reused["error"]["error"] == "invalid_grant", reused

    # The nonce the credential request used is spent.
    replay = wallet(
        offer=offer["credential_offer_uri"],
        accessToken=result["accessToken"],
        nonce=result["nonce"],
        configurationId=JWT_ID,
    )
    assert not replay["ok"] and replay["error"]["error"] == "invalid_nonce", replay


def _b64decode(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.mark.parametrize(("configuration", "alg"), [(LDP_ID, "EdDSA"), (JCS_ID, "ES256")])
def test_ldp_vc(node: Node, js_verifier: JsVerifier, configuration: str, alg: str) -> None:
    """The wallet scans the QR code's offer by reference: it fetches the offer (§4.1.3)."""
    offer = node.offer(node.record())
    assert "credential_offer_uri=" in offer["credential_offer_by_reference"]
    result = wallet(
        offer=offer["credential_offer_by_reference"],
        txCode=offer["tx_code"],
        configurationId=configuration,
        alg=alg,
    )
    assert result["ok"], result
    (entry,) = result["credentialResponse"]["credentials"]
    credential = entry["credential"]
    assert credential["credentialSubject"]["id"].startswith("did:jwk:")
    independent = js_verifier.verify_ldp(credential, documents=_documents(node, credential))
    assert independent["verified"], independent
    checks = {c["name"]: c["ok"] for c in node.verify(credential)["checks"]}
    assert checks["signature"] is True and checks["elements"] is True


def test_draft15_single_proof(node: Node) -> None:
    offer = node.offer(node.record(), configuration_ids=[JWT_ID])
    result = wallet(
        offer=offer["credential_offer_uri"],
        txCode=offer["tx_code"],
        configurationId=JWT_ID,
        legacyProof=True,
    )
    assert result["ok"], result
    assert result["tokenNonce"], "draft-15 wallets get c_nonce in the token response"


def test_wrong_pin_then_attempts_exhausted(node: Node) -> None:
    offer = node.offer(node.record())
    wrong = "000000" if offer["tx_code"] != "000000" else "111111"
    for _ in range(5):
        result = wallet(offer=offer["credential_offer_uri"], txCode=wrong, steps="token")
        assert not result["ok"] and result["error"]["error"] == "invalid_grant", result
    result = wallet(offer=offer["credential_offer_uri"], txCode=offer["tx_code"], steps="token")
    assert not result["ok"] and result["error"]["error"] == "invalid_grant"
    assert "attempts" in result["error"]["error_description"]


@pytest.mark.parametrize("tamper", ["wrong-key", "wrong-aud"])
def test_bad_proofs(node: Node, tamper: str) -> None:
    offer = node.offer(node.record())
    result = wallet(
        offer=offer["credential_offer_uri"],
        txCode=offer["tx_code"],
        configurationId=JWT_ID,
        tamper=tamper,
    )
    assert not result["ok"] and result["stage"] == "credential", result
    assert result["error"]["error"] == "invalid_proof", result


def test_stale_nonce(node: Node) -> None:
    offer = node.offer(node.record())
    token = wallet(offer=offer["credential_offer_uri"], txCode=offer["tx_code"], steps="token")
    assert token["ok"], token
    # Let every nonce age past its lifetime (the node's own database, as an operator could).
    engine = create_engine(f"sqlite:///{node.server.env['CREDREG_DATA_DIR']}/node.db")
    with engine.begin() as connection:
        connection.execute(
            update(WalletNonce).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    engine.dispose()
    result = wallet(
        offer=offer["credential_offer_uri"],
        accessToken=token["accessToken"],
        nonce=token["tokenNonce"],
        configurationId=JWT_ID,
    )
    assert not result["ok"] and result["error"]["error"] == "invalid_nonce", result


def test_deferred_until_approved(node: Node, js_verifier: JsVerifier) -> None:
    record_id = node.record(approve=False)
    offer = node.offer(record_id, configuration_ids=[LDP_ID])
    assert offer["deferred"]
    first = wallet(
        offer=offer["credential_offer_uri"], txCode=offer["tx_code"], configurationId=LDP_ID
    )
    assert first["ok"], first
    transaction_id = first["credentialResponse"]["transaction_id"]
    waiting = wallet(
        offer=offer["credential_offer_uri"],
        accessToken=first["accessToken"],
        transactionId=transaction_id,
    )
    assert waiting["ok"] and waiting["deferred"]["transaction_id"] == transaction_id, waiting
    node.approve(record_id)
    done = wallet(
        offer=offer["credential_offer_uri"],
        accessToken=first["accessToken"],
        transactionId=transaction_id,
    )
    assert done["ok"], done
    credential = done["deferred"]["credentials"][0]["credential"]
    assert js_verifier.verify_ldp(credential, documents=_documents(node, credential))["verified"]


SD_JWT_ID = "MicroCredential_dc_sd_jwt"


def test_dc_sd_jwt_with_tx_code(node: Node, js_verifier: JsVerifier) -> None:
    """The wallet receives an SD-JWT VC; @sd-jwt/sd-jwt-vc verifies it with the issuer's
    JWK and its Token Status Lists as the node serves them; the node verifies what the
    holder chooses to disclose."""
    record_id = node.record()
    issued = httpx.post(
        f"{node.url}/admin/credentials/{record_id}/issue",
        json={"formats": ["jwt_vc_json"]},
        headers=node.issuer,
        timeout=30,
    )
    assert issued.status_code == 200, issued.text  # the record now has its status bits
    offer = node.offer(record_id, configuration_ids=[SD_JWT_ID])
    result = wallet(
        offer=offer["credential_offer_uri"], txCode=offer["tx_code"], configurationId=SD_JWT_ID
    )
    assert result["ok"], result
    (entry,) = result["credentialResponse"]["credentials"]
    token = entry["credential"]
    header, payload, _, _ = decode_jws(token.split("~")[0])
    assert header["typ"] == "dc+sd-jwt"
    assert payload["cnf"] == {"jwk": result["holderJwks"][0]}
    document = httpx.get(f"{node.url}/.well-known/did.json", timeout=5).json()
    p256 = next(m for m in document["verificationMethod"] if m["id"].endswith("#p256-1"))
    issuer_jwk = public_key_to_jwk(public_key_from_multibase(p256["publicKeyMultibase"]))
    lists = {
        reference["uri"]: httpx.get(
            reference["uri"], headers={"Accept": "application/statuslist+jwt"}, timeout=5
        ).text
        for reference in payload["status"].values()
    }
    independent = js_verifier.verify_sd_jwt(token, jwk=issuer_jwk, status_lists=lists)
    assert independent["verified"], independent
    assert independent["statuses"] == {"status_list": 0}  # one 2-bit Token Status List

    def anchored() -> bool:
        copies = httpx.get(f"{node.url}/credentials/{record_id}/anchor", timeout=5).json()
        return len(copies["copies"]) == 2 and all(
            c["state"] == "confirmed" for c in copies["copies"]
        )

    wait_until(anchored, 60, "the SD-JWT copy was not anchored")
    withheld = sdjwt.present(token, ["given_name", "family_name"])
    report = node.verify(withheld)
    assert report["verified"] is True, report
    assert "grade" not in report["credential"]
