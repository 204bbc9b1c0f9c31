"""A strict holder: a Credo 0.6 agent (tests/credo/holder.mjs) against `credreg serve`.

Credo resolves the issuer's did:web and fetches Token Status Lists over HTTPS only, so the
node serves TLS with a certificate of a throw-away CA made here (tests/e2e/tls.py), trusted
by Node.js through NODE_EXTRA_CA_CERTS; askar's native library is the one of the
aries-askar wheel (dev extra), found through LIB_ASKAR_PATH.

Credo takes ``jwt_vc_json`` (VCDM 1.1: it refuses a ``credentialStatus`` that is not one
object) and ``dc+sd-jwt`` over the pre-authorized code flow with a tx_code, verifying each
credential as it receives it; for an SD-JWT VC that includes its ``status.status_list``,
so Credo also sees the credential suspended, reinstated and revoked. Credo 0.6 takes no
``ldp_vc`` from this node (docs/credential-model.md, "Wallets").
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from node.credentials.examples import example_claims
from tests.e2e.test_serve import Server, init_node, wait_until
from tests.e2e.tls import TlsFiles, make_test_tls
from vc.jose import decode_jws

CREDO_DIR = Path(__file__).resolve().parent.parent / "credo"
JWT_ID = "MicroCredential_jwt_vc_json"
SD_JWT_ID = "MicroCredential_dc_sd_jwt"
_NATIVE_ADDONS = ("@2060.io/ffi-napi", "@2060.io/ref-napi")


def _ensure_credo_installed() -> None:
    """``npm ci`` and the FFI addon build in tests/credo unless the pinned packages are
    there (never a skip; `make test` does the same through the Makefile)."""
    manifest = json.loads((CREDO_DIR / "package.json").read_text("utf-8"))
    modules = CREDO_DIR / "node_modules"
    pinned = all(
        (modules / name / "package.json").is_file()
        and json.loads((modules / name / "package.json").read_text())["version"] == version
        for name, version in manifest["dependencies"].items()
    )
    built = all((modules / addon / "build" / "Release").is_dir() for addon in _NATIVE_ADDONS)
    if pinned and built:
        return
    for command in (
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        ["npm", "rebuild", "--no-audit", "--no-fund", *_NATIVE_ADDONS],
    ):
        done = subprocess.run(
            command, cwd=CREDO_DIR, capture_output=True, text=True, timeout=900, check=False
        )
        assert done.returncode == 0, done.stderr[-4000:]


def _askar_library_dir() -> str:
    spec = importlib.util.find_spec("aries_askar")
    assert spec is not None and spec.origin is not None, "aries-askar (dev extra) is needed"
    folder = Path(spec.origin).parent
    assert (folder / "libaries_askar.so").is_file(), f"no libaries_askar.so in {folder}"
    return str(folder)


class CredoNode:
    def __init__(self, server: Server, tls: TlsFiles, token: str) -> None:
        self.server = server
        self.tls = tls
        self.http = httpx.Client(
            base_url=server.url,
            verify=server.verify,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )

    def issue(self, n: int) -> str:
        response = self.http.post(
            "/admin/credentials", json={"claims": example_claims(n), "formats": ["jwt_vc_json"]}
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def act(self, record_id: str, action: str) -> None:
        response = self.http.post(
            f"/admin/credentials/{record_id}/{action}", json={"reason": "credo test"}
        )
        assert response.status_code == 200, response.text

    def offer(self, record_id: str, configuration_id: str) -> dict[str, Any]:
        response = self.http.post(
            f"/admin/credentials/{record_id}/offers",
            json={"email": "learner@example.org", "configuration_ids": [configuration_id]},
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def verify(self, credential: str) -> dict[str, Any]:
        response = self.http.post("/api/verify", json={"credential": credential})
        assert response.status_code == 200, response.text
        return dict(response.json())

    def credo(self, **scenario: Any) -> dict[str, Any]:
        """Run the Credo holder; its last output line is JSON."""
        env = {
            **os.environ,
            "NODE_EXTRA_CA_CERTS": str(self.tls.ca),
            "LIB_ASKAR_PATH": _askar_library_dir(),
        }
        done = subprocess.run(
            ["node", str(CREDO_DIR / "holder.mjs"), json.dumps(scenario)],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-4000:]
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    def receive(self, record_id: str, configuration_id: str) -> dict[str, Any]:
        offer = self.offer(record_id, configuration_id)
        return self.credo(
            mode="receive",
            offer=offer["credential_offer_uri"],
            txCode=offer["tx_code"],
            configurationId=configuration_id,
        )


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CredoNode]:
    _ensure_credo_installed()
    tmp = tmp_path_factory.mktemp("credo-node")
    tls = make_test_tls(tmp / "tls")
    server, tokens = init_node(tmp, "Credo U", ("issuer",), tls=tls)
    credo_node = CredoNode(server, tls, tokens["issuer"])
    try:
        server.start()  # inside: a start that fails still stops the process
        yield credo_node
    finally:
        credo_node.http.close()
        server.stop()


def test_credo_receives_jwt_vc_json(node: CredoNode) -> None:
    record_id = node.issue(21)
    result = node.receive(record_id, JWT_ID)
    assert result["ok"], result
    assert result["recordType"] == "W3cCredentialRecord"
    (token,) = result["credentials"]
    credential = decode_jws(token)[1]["vc"]
    # VCDM 1.1: one credentialStatus object, carrying revocation and suspension.
    status = credential["credentialStatus"]
    assert isinstance(status, dict) and status["statusPurpose"] == "message", status
    assert credential["credentialSubject"]["id"].startswith("did:jwk:")

    def anchored() -> bool:
        copies = node.http.get(f"/credentials/{record_id}/anchor").json()["copies"]
        return bool(copies) and all(c["state"] == "confirmed" for c in copies)

    wait_until(anchored, 60, "the copies were not anchored")
    report = node.verify(token)
    assert report["verified"] is True, report
    node.act(record_id, "suspend")
    assert node.verify(token)["verdict"] == "suspended"


def test_credo_receives_dc_sd_jwt_and_reads_its_status(node: CredoNode) -> None:
    record_id = node.issue(22)
    result = node.receive(record_id, SD_JWT_ID)
    assert result["ok"], result  # Credo fetched its Token Status List: value 0
    assert result["recordType"] == "SdJwtVcRecord"
    (sd_jwt,) = result["credentials"]
    assert set(decode_jws(sd_jwt.split("~")[0])[1]["status"]) == {"status_list"}

    def credo_sees() -> dict[str, Any]:
        checked = node.credo(mode="verify-sd-jwt", credential=sd_jwt)
        assert checked["ok"], checked
        return checked

    assert credo_sees()["valid"] is True
    node.act(record_id, "suspend")
    suspended = credo_sees()
    assert suspended["valid"] is False and "Status" in suspended["error"], suspended
    node.act(record_id, "reinstate")
    assert credo_sees()["valid"] is True
    node.act(record_id, "revoke")
    assert credo_sees()["valid"] is False
