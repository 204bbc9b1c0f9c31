"""Many verifications at once against `credreg serve` (issue 11, item 2): every format and a
presentation, 24 clients in parallel for 12 s, over HTTP; every answer must be the right
report — not one 500, not one dropped connection, not one wrong verdict.

JSON-LD processing (pyld) keeps caches; shared between the verification threads they broke
(``KeyError``, ``OrderedDict mutated during iteration``), and the memoised term check then
re-raised that one failure for every later credential of the same shape.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from node.credentials.examples import example_claims
from tests.e2e.test_serve import Server, init_node, wait_until
from vc import data_integrity
from vc.did import did_key_for
from vc.signer import Ed25519Signer

FORMATS = ["ldp_vc+eddsa-rdfc-2022", "ldp_vc+eddsa-jcs-2022", "jwt_vc_json", "dc+sd-jwt"]
CLIENTS = 24
SECONDS = 12.0


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Server, str]]:
    node, tokens = init_node(tmp_path, "Concurrent U", public_rate_limit="0")
    node.start()
    try:
        yield node, tokens["issuer"]
    finally:
        node.stop()


def _presentation(key: ed25519.Ed25519PrivateKey, credential: dict[str, Any]) -> dict[str, Any]:
    """The holder's ldp_vp (did:key, eddsa-rdfc-2022) carrying a credential issued to it."""
    holder, vm = did_key_for(key.public_key())
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [credential],
    }
    return data_integrity.sign(
        vp, Ed25519Signer(vm, key), cryptosuite=data_integrity.RDFC, proof_purpose="authentication"
    )


def _inputs(node: Server, token: str) -> dict[str, Any]:
    """Two records in every format, anchored, and a presentation of a holder-bound one."""
    headers = {"Authorization": f"Bearer {token}"}
    inputs: dict[str, Any] = {}
    records = []
    for n in (3, 8):
        reply = httpx.post(
            f"{node.url}/admin/credentials",
            json={"claims": example_claims(n), "formats": FORMATS},
            headers=headers,
            timeout=60,
        )
        assert reply.status_code == 201, reply.text
        records.append(reply.json()["id"])
        for copy in reply.json()["credentials"]:
            inputs[f"{copy['format']} #{n}"] = copy["credential"]
    key = ed25519.Ed25519PrivateKey.generate()
    holder, _ = did_key_for(key.public_key())
    bound = httpx.post(
        f"{node.url}/admin/credentials",
        json={"claims": example_claims(5), "subjectId": holder, "formats": [FORMATS[0]]},
        headers=headers,
        timeout=60,
    )
    assert bound.status_code == 201, bound.text
    records.append(bound.json()["id"])
    inputs["ldp_vp"] = _presentation(key, bound.json()["credentials"][0]["credential"])

    def anchored() -> bool:
        for record in records:
            copies = httpx.get(f"{node.url}/credentials/{record}/anchor", timeout=10).json()
            if any(c["state"] != "confirmed" for c in copies["copies"]):
                return False
        return True

    wait_until(anchored, 60, "the credentials were not anchored")
    return inputs


def _failed(report: dict[str, Any]) -> list[str]:
    presentation = report.get("presentation") or {}
    checks = [*report["checks"], *presentation.get("checks", [])]
    return [f"{c['name']}: {c['detail']}" for c in checks if c["ok"] is not True]


def _expected(report: dict[str, Any]) -> bool:
    checks = {c["name"]: c["ok"] for c in report["checks"]}
    return all(checks[n] is not False for n in checks) and checks["signature"] is True


def test_concurrent_verifications_of_every_format_never_fail(
    served: tuple[Server, str],
) -> None:
    node, token = served
    inputs = _inputs(node, token)
    names = sorted(inputs)
    # JSON-LD (rdfc credentials, the presentation) is where the threads met: weighted so.
    cycle = names + [n for n in names if "rdfc" in n or n == "ldp_vp"] * 3
    for name in names:  # each verifies on its own first
        reply = httpx.post(f"{node.url}/api/verify", json={"credential": inputs[name]}, timeout=60)
        assert reply.status_code == 200, (name, reply.text)
        assert _expected(reply.json()), (name, _failed(reply.json()))

    answers: Counter[str] = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def client(offset: int) -> None:
        with httpx.Client(base_url=node.url, timeout=60) as http:
            i = offset
            while time.monotonic() < stop:
                name = cycle[i % len(cycle)]
                i += 1
                try:
                    reply = http.post("/api/verify", json={"credential": inputs[name]})
                except httpx.HTTPError as exc:
                    outcome = f"{name}: {type(exc).__name__}"
                else:
                    good = reply.status_code == 200 and _expected(reply.json())
                    outcome = "ok" if good else f"{name}: {reply.status_code} {reply.text[:200]}"
                with lock:
                    answers[name] += 1
                    if outcome != "ok":
                        failures.append(outcome)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, (len(failures), sum(answers.values()), failures[:5])
    assert set(answers) == set(names) and min(answers.values()) >= 5, answers


def test_a_body_nested_far_too_deeply_leaves_the_node_serving(served: tuple[Server, str]) -> None:
    """Issue 11, item 1: such a body (600 kB, 100,000 levels) once crashed `credreg serve`
    with SIGSEGV — py-evm raises the recursion limit beyond what the C stack holds."""
    node, _token = served
    depth = 100_000
    body = '{"credential": ' + '{"a":' * depth + "1" + "}" * depth + "}"
    reply = httpx.post(
        f"{node.url}/api/verify",
        content=body,
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert reply.status_code == 400 and "nested far too deeply" in reply.text
    nested = {"credential": "x"}
    for _ in range(40):
        nested = {"credential": nested}  # type: ignore[dict-item]
    reply = httpx.post(f"{node.url}/api/verify", json=nested, timeout=30)
    assert reply.status_code == 422 and reply.json()["error"] == "limit_exceeded"
    assert node.process is not None and node.process.poll() is None
    assert httpx.get(f"{node.url}/readyz", timeout=5).status_code == 200
