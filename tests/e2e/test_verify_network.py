"""Issue 11, items 10 and 11b, between two `credreg serve` processes on one anvil chain: a
member's node verifies another member's credential — "pending" while the issuer has not
anchored it, then "valid" with the inclusion proof fetched from the issuer's registered
endpoint and checked against the chain (no holder upload), still valid with the issuer's
node offline — and the verdict names the network and the issuer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_network import Member, issue_at, start_member, verify_at
from tests.e2e.test_serve import run_credreg


@pytest.fixture
def pair(tmp_path: Path, anvil_url: str, database_url_postgresql: str) -> Iterator[list[Member]]:
    """A (SQLite; anchors only when told to) and B (PostgreSQL), genesis members."""
    a = start_member(tmp_path, "a", anvil_url, None)
    b = start_member(tmp_path, "b", anvil_url, database_url_postgresql)
    a.env["CREDREG_ANCHOR_WORKER"] = "false"  # anchored by `credreg anchor-worker --once`
    b.env["CREDREG_NETWORK_NAME"] = "Test network"
    (tmp_path / "b.json").write_text(b.cli("network", "application"))
    (tmp_path / "deployment.json").write_text(
        a.cli("network", "deploy", "--genesis", str(tmp_path / "b.json"))
    )
    b.cli("network", "join", str(tmp_path / "deployment.json"))
    members = [a, b]
    try:
        for member in members:
            member.server.start()
        yield members
    finally:
        for member in members:
            member.server.stop()


def _anchor_now(member: Member) -> None:
    done = run_credreg(member.env, "anchor-worker", "--once", "--force")
    assert done.returncode == 0, done.stderr


def _page(member: Member, credential: dict[str, Any]) -> str:
    import json

    reply = httpx.post(
        f"{member.url}/verify",
        data={"credential": json.dumps(credential), "lang": "en"},
        timeout=60,
    )
    assert reply.status_code == 200, reply.text
    return reply.text


def test_a_peers_credential_is_pending_then_valid_with_its_fetched_proof(
    pair: list[Member],
) -> None:
    a, b = pair
    record_id, credential = issue_at(a, 5)

    # A has not anchored it: B says so instead of "valid".
    waiting = verify_at(b, credential)
    assert waiting["verdict"] == "pending", waiting["checks"]
    assert waiting["by_name"]["anchor"]["ok"] is None
    assert "not anchored it on the chain yet" in waiting["by_name"]["anchor"]["detail"]
    assert "Valid, not yet on the ledger" in _page(b, credential)

    _anchor_now(a)
    report = verify_at(b, credential)
    assert report["verdict"] == "valid", report["checks"]
    assert all(c["ok"] is True for c in report["checks"][:-1]), report["checks"]
    assert "anchored in block" in report["by_name"]["anchor"]["detail"]
    assert report["trust"]["network"] == {
        "chainId": 31337,
        "name": "Test network",
        "members": 2,
        "singleInstitution": False,
    }
    host = a.url.removeprefix("http://")
    assert report["trust"]["issuer"] == {
        "did": "did:web:" + host.replace(":", "%3A"),
        "domain": host,
        "name": "Uni a",
    }
    assert report["trust"]["note"] is None
    page = _page(b, credential)
    assert (
        f"Genuine: issued by Uni a ({host}), an active member of the network (Test network, "
        "chain 31337; 2 member institutions), and neither revoked nor suspended." in page
    )
    assert "Only this institution vouches for it" not in page

    # The proof is kept (checked against the chain): A offline, B still says valid.
    a.server.stop()
    offline = verify_at(b, credential)
    assert offline["verdict"] == "valid", offline["checks"]
    a.server.start()

    # A tampered copy: A's node knows no credential with its hash.
    tampered = {**credential, "name": "Something else"}
    report = verify_at(b, tampered)
    assert report["verdict"] == "invalid"
    assert "knows no credential with this hash" in report["by_name"]["anchor"]["detail"]
    assert "No ledger record matches this exact credential." in _page(b, tampered)
    assert record_id
