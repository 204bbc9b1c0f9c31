"""A network of three `credreg serve` processes on one anvil chain.

Two genesis members (A on SQLite, B on PostgreSQL) deploy the contracts with the CLI; C
joins and is admitted by vote; each issues a credential and verifies the others'; each
publishes a catalogue entry, C's search finds A's, a credential A issues from its entry
verifies at C and matches it; with A stopped, its credential still verifies at B and its
entries are still found at C (a copy changed in C's database is refused); C is suspended
by vote (its anchors are refused, it can still revoke); B rotates its key.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from node.catalogue.samples import SAMPLES
from node.credentials.examples import example_claims
from tests.anvil import free_port
from tests.conftest import PASSPHRASE
from tests.e2e.test_serve import Server, run_credreg, wait_until
from tests.integration.test_catalogue_issuing import request_claims

FORMAT = ["ldp_vc+eddsa-rdfc-2022"]
T = TypeVar("T")


@dataclass
class Member:
    name: str
    env: dict[str, str]
    server: Server
    issuer: str = ""
    admin: str = ""

    @property
    def url(self) -> str:
        return self.server.url

    def cli(self, *args: str) -> str:
        done = run_credreg(self.env, *args)
        assert done.returncode == 0, f"{self.name} {args}: {done.stderr}"
        return done.stdout

    def post(self, path: str, body: object = None, *, admin: bool = True) -> httpx.Response:
        token = self.admin if admin else self.issuer
        return httpx.post(
            f"{self.url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )


def start_member(tmp_path: Path, name: str, anvil_url: str, database_url: str | None) -> Member:
    port = free_port()
    env = {
        **os.environ,
        "CREDREG_DATA_DIR": str(tmp_path / name),
        "CREDREG_KEY_PASSPHRASE": PASSPHRASE,
        "CREDREG_PORT": str(port),
        "CREDREG_ORIGIN": f"http://127.0.0.1:{port}",
        "CREDREG_CHAIN": "rpc",
        "CREDREG_CHAIN_RPC_URL": anvil_url,
        "CREDREG_ANCHOR_WINDOW_SECONDS": "1",
        # The test polls searches and verifications while rounds run (5 a second at most);
        # the public rate limit has its own tests.
        "CREDREG_PUBLIC_RATE_LIMIT": "0",
    }
    if database_url:
        env["CREDREG_DATABASE_URL"] = database_url
    member = Member(name, env, Server(env, tmp_path / f"{name}.log"))
    member.cli(
        "init", "--name", f"Uni {name}", "--country", "FI", "--origin", env["CREDREG_ORIGIN"]
    )
    member.issuer = member.cli("token", "create", "--role", "issuer").strip()
    member.admin = member.cli("token", "create", "--role", "admin").strip()
    return member


@pytest.fixture
def members(tmp_path: Path, anvil_url: str, database_url_postgresql: str) -> Iterator[list[Member]]:
    a = start_member(tmp_path, "a", anvil_url, None)
    b = start_member(tmp_path, "b", anvil_url, database_url_postgresql)
    c = start_member(tmp_path, "c", anvil_url, None)
    (tmp_path / "b.json").write_text(b.cli("network", "application"))
    deployment = a.cli("network", "deploy", "--genesis", str(tmp_path / "b.json"))
    (tmp_path / "deployment.json").write_text(deployment)
    for joiner in (b, c):
        joiner.cli("network", "join", str(tmp_path / "deployment.json"))
    # C applies; A (a member) proposes it and votes for it; B's vote admits it.
    (tmp_path / "c.json").write_text(c.cli("network", "application"))
    proposed = json.loads(a.cli("network", "apply", "--spec", str(tmp_path / "c.json")))
    assert proposed["proposal"]["state"] == "open"
    voted = json.loads(b.cli("network", "vote", str(proposed["proposal"]["id"]), "--yes"))
    assert voted["proposal"]["state"] == "executed" and "MemberAdmitted" in voted["events"]
    listed = json.loads(c.cli("network", "proposals"))
    assert [(p["kind"], p["state"], p["votesFor"]) for p in listed] == [
        ("admission", "executed", 2)
    ]
    assert [m["did"] for m in json.loads(b.cli("network", "members"))][2].startswith("did:web:")
    refused = run_credreg(c.env, "network", "vote", str(proposed["proposal"]["id"]), "--no")
    assert refused.returncode == 1 and "ProposalNotOpen" in refused.stderr
    nodes = [a, b, c]
    try:
        for node in nodes:
            node.server.start()
        yield nodes
    finally:
        for node in nodes:
            node.server.stop()


def issue_at(member: Member, n: int) -> tuple[str, dict[str, Any]]:
    reply = member.post(
        "/admin/credentials",
        {"claims": example_claims(n), "formats": FORMAT},
        admin=False,
    )
    assert reply.status_code == 201, reply.text
    return reply.json()["id"], reply.json()["credentials"][0]["credential"]


def publish_at(member: Member, content: dict[str, Any]) -> str:
    """A published entry's version URL."""
    made = member.post("/admin/catalogue", {"content": content}, admin=False)
    assert made.status_code == 201, made.text
    published = member.post(f"/admin/catalogue/{made.json()['id']}/publish", admin=False)
    assert published.status_code == 200, published.text
    url: str = published.json()["url"]
    return url


def search_at(member: Member, **params: Any) -> dict[str, Any]:
    query = {"scope": "network", "limit": 50} | params
    reply = httpx.get(f"{member.url}/api/catalogue", params=query, timeout=30)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def wait_for(produce: Callable[[], T], seconds: float, message: str) -> T:
    """The first truthy value ``produce`` gives within ``seconds``."""
    box: list[T] = []

    def ready() -> bool:
        value = produce()
        box[:] = [value]
        return bool(value)

    wait_until(ready, seconds, message)
    return box[0]


def _anchor_state(member: Member, record_id: str) -> str:
    reply = httpx.get(f"{member.url}/credentials/{record_id}/anchor", timeout=10)
    state: str = reply.json()["copies"][0]["state"]
    return state


def verify_at(member: Member, credential: dict[str, Any]) -> dict[str, Any]:
    reply = httpx.post(f"{member.url}/api/verify", json={"credential": credential}, timeout=60)
    assert reply.status_code == 200, reply.text
    report: dict[str, Any] = reply.json()
    report["by_name"] = {c["name"]: c for c in report["checks"]}
    return report


def test_three_institutions_on_one_chain(members: list[Member]) -> None:
    a, b, c = members
    listed = httpx.get(f"{a.url}/api/network/members", timeout=10).json()["members"]
    assert [m["status"] for m in listed] == ["active"] * 3
    assert [m["serviceEndpoint"] for m in listed] == [a.url, b.url, c.url]

    issued = [issue_at(node, i) for i, node in enumerate(members)]
    for node, (record_id, _) in zip(members, issued, strict=True):
        wait_until(
            lambda n=node, r=record_id: _anchor_state(n, r) == "confirmed", 30, "not anchored"
        )
    for verifier in members:
        for issuer, (_, credential) in zip(members, issued, strict=True):
            report = verify_at(verifier, credential)
            assert report["verified"] is True, (verifier.name, issuer.name, report["checks"])
            assert report["by_name"]["membership"]["ok"] is True
            assert report["by_name"]["status"]["ok"] is not False
            # A foreign credential's inclusion proof comes from its issuer's node, checked
            # against the chain (issue 11, item 11b).
            assert report["by_name"]["anchor"]["ok"] is True, report["by_name"]["anchor"]

    # The network's catalogue: each publishes an entry; C's search finds A's (synced from A,
    # checked against the chain); a credential A issues from its entry verifies at C, which
    # names the entry and finds the credential matches it.
    chosen = zip(members, (1, 3, 2), strict=True)
    entries = {node.name: publish_at(node, SAMPLES[i]) for node, i in chosen}
    found = wait_for(lambda: search_at(c, q="lieferkette")["items"], 60, "C never found A's entry")
    assert [e["url"] for e in found] == [entries["a"].rsplit("/versions/", 1)[0]]
    assert found[0]["member"]["status"] == "active"
    assert wait_for(lambda: search_at(a, q="kiertotal")["items"], 60, "A never found C's entry")
    from_entry = a.post(
        "/admin/credentials",
        {"claims": request_claims(), "catalogueEntry": entries["a"], "formats": FORMAT},
        admin=False,
    )
    assert from_entry.status_code == 201, from_entry.text
    course_credential = from_entry.json()["credentials"][0]["credential"]
    course = wait_for(lambda: verify_at(c, course_credential)["course"], 30, "C found no course")
    assert course["source"] == "member" and course["matches"] is True, course

    # The holder fetches the anchor proof from A ahead of time; A goes offline; B checks the
    # proof against the chain and the credential verifies from the chain alone.
    anchor_document = httpx.get(f"{a.url}/credentials/{issued[0][0]}/anchor", timeout=10).json()
    wait_until(  # B mirrors A's status list once A anchored its first version
        lambda: verify_at(b, issued[0][1])["by_name"]["status"]["ok"] is True,
        30,
        "B did not mirror A's status list",
    )
    a.server.stop()
    handed = httpx.post(f"{b.url}/api/network/anchor-proofs", json=anchor_document, timeout=30)
    assert handed.status_code == 200, handed.text
    offline = verify_at(b, issued[0][1])
    assert offline["verified"] is True, offline["checks"]
    assert offline["by_name"]["anchor"]["ok"] is True
    # Status from B's mirrored copy of A's list (hash-checked against the chain).
    assert offline["by_name"]["status"]["ok"] is True, offline["by_name"]["status"]
    # A's entries are still found and served at C, from C's hash-checked copies...
    assert [e["url"] for e in search_at(c, q="lieferkette")["items"]] == [found[0]["url"]]
    kept = [e for e in search_at(c, scope="network")["items"] if e["url"] == found[0]["url"]]
    assert kept and kept[0]["versions"][0]["content"]["title"] == SAMPLES[1]["title"]
    assert verify_at(c, course_credential)["course"]["matches"] is True
    # ...and a copy changed in C's database is refused, not served.
    with sqlite3.connect(Path(c.env["CREDREG_DATA_DIR"]) / "node.db") as db:
        (document,) = db.execute(
            "SELECT document FROM peer_catalogue_version WHERE url = ?", (entries["a"],)
        ).fetchone()
        changed = json.loads(document)
        changed["content"]["workload"] = {"ects": 30}
        db.execute(
            "UPDATE peer_catalogue_version SET document = ? WHERE url = ?",
            (json.dumps(changed), entries["a"]),
        )
    tampered = search_at(c, q="lieferkette")
    assert tampered["items"] == [] and tampered["refused"] == 1
    assert verify_at(c, course_credential)["course"]["known"] is False
    a.server.start()

    # C is suspended by vote of A and B.
    suspension = a.post("/admin/network/proposals/suspension", {"member": 3})
    assert suspension.status_code == 201, suspension.text
    proposal_id = suspension.json()["proposal"]["id"]
    decided = b.post(f"/admin/network/proposals/{proposal_id}/vote", {"support": True})
    assert decided.json()["proposal"]["state"] == "executed", decided.text
    # Its new anchors are refused... (C's anchor service tries the batch on its first round
    # after the 1 s window; a round — status lists, the batch, their anchors, the peers'
    # lists — takes seconds on a busy machine: wait for the refusal, not a fixed time.)
    refused_id, _ = issue_at(c, 10)
    wait_until(
        lambda: "MemberNotActive" in c.server.log.read_text(),
        60,
        "C's anchor service never tried to anchor the new credential",
    )
    assert _anchor_state(c, refused_id) != "confirmed"
    # ...but it can still revoke: the new status list version is anchored.
    revoked = c.post(f"/admin/credentials/{issued[2][0]}/revoke", {"reason": "e2e"}, admin=False)
    assert revoked.status_code == 200, revoked.text
    # (the refused batch makes the anchor service back off, up to 60 s between rounds)
    wait_until(
        lambda: (
            "revoked (revocation list v2)"
            in verify_at(c, issued[2][1])["by_name"]["status"]["detail"]
        ),
        90,
        "the revocation was not anchored",
    )

    # Other members see the revocation through their mirrors (fetched from C, hash-checked).
    wait_until(
        lambda: verify_at(a, issued[2][1])["by_name"]["status"]["ok"] is False,
        30,
        "A does not see C's revocation",
    )

    # B rotates its key: A's vote decides (C is suspended, B does not vote on its own case).
    rotated = b.post("/admin/network/keys/rotate")
    assert rotated.status_code == 201, rotated.text
    key_proposal = rotated.json()["outcome"]["proposal"]["id"]
    assert a.post(f"/admin/network/proposals/{key_proposal}/vote", {"support": True}).is_success
    assert b.post("/admin/network/keys/ed25519-2/activate").status_code == 200
    record_id, new = issue_at(b, 20)
    assert new["proof"]["verificationMethod"].endswith("#ed25519-2")
    wait_until(lambda: _anchor_state(b, record_id) == "confirmed", 30, "not anchored")
    assert verify_at(a, new)["verified"] is True
    assert verify_at(b, issued[1][1])["verified"] is True  # the old key, at its anchor time
    document = httpx.get(f"{b.url}/.well-known/did.json", timeout=10).json()
    assert len([m for m in document["verificationMethod"] if "#ed25519-" in m["id"]]) == 2
