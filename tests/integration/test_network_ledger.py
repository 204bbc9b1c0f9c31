"""The ledger side of a network on anvil: registry caches follow the chain's blocks, a
suspended member's revocations anchor promptly, and peers' status lists are fetched only
from their registered endpoints, within time limits.

Two members (A, B) deployed as genesis members, each an app over its own SQLite database;
peers are real HTTP servers on 127.0.0.1 (`tests.peer`).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from anchoring.registries import MemberStatus, RegistryError
from node.db.models import AnchorBatch, StatusListVersion
from node.ledger.network import genesis_spec, store_deployment
from node.ledger.service import AnchorService, Round, Rounds
from node.ledger.status_anchor import chain_list_id
from node.network.keys import key_name
from node.network.mirror import StatusMirror
from tests.conftest import RunningNode, start_node
from tests.integration.test_governance import (
    anchor_pending,
    issue_credential,
    membership_application,
    node_settings,
    post_json,
    runtime_of,
    tick,
    verify_credential,
)
from tests.peer import Peer
from vc import data_integrity
from vc.signer import Ed25519Signer

HEAD_WAIT = 3.0  # the chain head is read at most once a second; allow for a busy machine


def genesis_pair(
    tmp_path: Path, anvil_url: str, origin_b: str = "https://uni-b.example", **a_settings: Any
) -> tuple[RunningNode, RunningNode]:
    """A and B as genesis members of a fresh deployment on the session's anvil."""
    from node.db.models import Institution
    from node.ledger.connection import open_chain
    from node.ledger.network import deploy_as_genesis

    a_config = node_settings(
        tmp_path / "a", f"sqlite:///{tmp_path / 'a.db'}", "https://uni-a.example", anvil_url
    )
    a = start_node(a_config.model_copy(update=a_settings))
    b = start_node(
        node_settings(tmp_path / "b", f"sqlite:///{tmp_path / 'b.db'}", origin_b, anvil_url)
    )
    ra, rb = runtime_of(a), runtime_of(b)
    with rb.sessions() as session:
        institution = session.scalar(select(Institution))
    spec_b = genesis_spec(
        rb.identity(), institution, rb.anchoring_account().address, frozenset({6})
    )
    chain = open_chain(ra.settings, ra.anchoring_account())
    try:
        deployment = deploy_as_genesis(
            ra.sessions, chain, ra.identity(), ra.anchoring_account(), frozenset({6}), [spec_b]
        )
    finally:
        chain.close()
    store_deployment(rb.sessions, deployment)
    return a, b


@pytest.fixture
def pair(tmp_path: Path, anvil_url: str) -> Iterator[tuple[RunningNode, RunningNode]]:
    a, b = genesis_pair(tmp_path, anvil_url)
    with a.client, b.client:
        yield a, b


def _until(condition: Callable[[], bool], seconds: float) -> float:
    """Seconds until ``condition()`` held; fails after ``seconds``."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "condition not met in time"
        time.sleep(0.05)
    return time.monotonic() - started


# -- 1. registry facts are cached per block ---------------------------------------------------


def test_an_admitted_member_is_seen_on_the_next_block(
    pair: tuple[RunningNode, RunningNode], tmp_path: Path, anvil_url: str
) -> None:
    a, b = pair
    ledger = runtime_of(a).ledger()
    trust = runtime_of(a).verifier().trust
    assert trust is not None
    c = start_node(
        node_settings(
            tmp_path / "c", f"sqlite:///{tmp_path / 'c.db'}", "https://uni-c.example", anvil_url
        )
    )
    store_deployment(runtime_of(c).sessions, ledger.deployment)
    with c.client:
        did_c = "did:web:uni-c.example"
        # Cached answers: C is not a member (read at the registry's current epoch).
        assert trust.membership(did_c, None) == (False, f"{did_c} is not a member of the network")
        listed = a.client.get("/api/network/members").json()["members"]
        assert [m["did"] for m in listed] == ["did:web:uni-a.example", "did:web:uni-b.example"]
        epoch = ledger.registry.epoch()

        # A block without a NetworkRegistry event leaves the epoch (and every cache) alone.
        issue_credential(a, 1)
        assert anchor_pending(a) == 1
        head = ledger.chain.block().number
        _until(lambda: ledger.head.number() >= head, HEAD_WAIT)
        assert ledger.registry.epoch() == epoch

        proposed = post_json(a, "/proposals/admission", membership_application(c)).json()[
            "proposal"
        ]
        voted = post_json(b, f"/proposals/{proposed['id']}/vote", {"support": True})
        assert voted.json()["proposal"]["state"] == "executed", voted.text
        admitted_in = voted.json()["blockNumber"]
        # Seen within a head refresh, not after a fixed cache lifetime (it was 30 s).
        _until(lambda: trust.membership(did_c, None)[0] is True, HEAD_WAIT)
        assert ledger.registry.epoch() == admitted_in
        _until(lambda: len(a.client.get("/api/network/members").json()["members"]) == 3, HEAD_WAIT)
        members = a.client.get("/api/network/members").json()
        assert members["blockNumber"] >= admitted_in
        assert members["members"][2]["did"] == did_c


# -- 2. a suspended member still anchors its status lists promptly ----------------------------


class _Counted:
    """One part of the rounds, counting the contract's refusals (the real part runs)."""

    def __init__(self, part: Round) -> None:
        self.part = part
        self.refusals = 0

    def run_once(self) -> int:
        try:
            return self.part.run_once()
        except RegistryError:
            self.refusals += 1
            raise


def test_a_suspended_members_revocation_is_anchored_while_its_batches_are_refused(
    pair: tuple[RunningNode, RunningNode],
) -> None:
    a, b = pair
    runtime_b = runtime_of(b)
    old = issue_credential(b, 1)
    assert anchor_pending(b) == 1
    tick()
    suspend = post_json(a, "/proposals/suspension", {"member": "did:web:uni-b.example"})
    assert suspend.json()["proposal"]["state"] == "executed", suspend.text
    assert runtime_b.ledger().network.status_of(2) is MemberStatus.SUSPENDED

    issue_credential(b, 2)
    with pytest.raises(RegistryError, match="MemberNotActive"):
        runtime_b.anchor_worker().run_once(force=True)  # the batch stays BUILT, refused

    publisher, worker, *others = runtime_b.ledger_rounds().parts
    counted = _Counted(worker)
    rounds = Rounds([publisher, counted, *others], poll=0.2)
    service = AnchorService(lambda: rounds, poll=0.2)
    service.start()
    try:
        # Five refusals: the refused part now waits 3.2 s, and a service that backed off as
        # a whole would wait 6.4 s before its next round.
        _until(lambda: counted.refusals >= 5, 20.0)
        revoked = b.client.post(
            f"/admin/credentials/{old['_record']}/revoke",
            json={"reason": "revoked while suspended"},
            headers=b.auth(),
        )
        assert revoked.status_code == 200, revoked.text

        def confirmed() -> bool:
            with runtime_b.sessions() as session:
                states = session.scalars(select(StatusListVersion.state)).all()
            return len(states) >= 3 and all(s == "confirmed" for s in states)

        waited = _until(confirmed, 10.0)
        assert waited < 2.5, f"status anchoring waited {waited:.1f} s behind refused batches"
        assert service.health.state == "degraded"
        assert "MemberNotActive" in service.health.detail
    finally:
        service.stop()
    with runtime_b.sessions() as session:
        refused = session.scalars(select(AnchorBatch).where(AnchorBatch.state == "built")).one()
    assert refused.last_error is not None and "MemberNotActive" in refused.last_error
    report = verify_credential(b, old)
    assert report["by_name"]["status"]["ok"] is False, report["by_name"]["status"]


# -- 3. peers' status lists: only from registered endpoints, with time limits ------------------


def _foreign_credential(issuer: RunningNode, status_url: str) -> dict[str, Any]:
    """A credential of ``issuer`` (really signed with its key) whose status list is at
    ``status_url``, a list the issuer anchored in StatusRegistry: what a member that turned
    hostile, or a compromised one, could hand to a verifier."""
    runtime = runtime_of(issuer)
    credential = issue_credential(issuer, 7)
    body = {k: v for k, v in credential.items() if k not in ("_record", "proof")}
    for entry in body["credentialStatus"]:
        entry["statusListCredential"] = status_url
    identity = runtime.identity()
    private = runtime.keystore.private_key(key_name(identity.ed25519_key_id))
    assert isinstance(private, Ed25519PrivateKey)
    signer = Ed25519Signer(identity.ed25519_vm, private)
    ledger = runtime.ledger()
    sent = ledger.statuses.publish_version(
        ledger.account, chain_list_id(status_url), hashlib.sha256(b"{}").digest()
    )
    ledger.chain.wait_for_receipt(sent)
    return data_integrity.sign(body, signer, cryptosuite="eddsa-rdfc-2022")


def test_a_status_list_outside_the_issuers_endpoint_is_never_fetched(
    pair: tuple[RunningNode, RunningNode],
) -> None:
    a, b = pair
    with Peer() as elsewhere:
        for url in (
            f"{elsewhere.url}/status/1",
            "file:///etc/passwd",
            "http://169.254.169.254/latest/meta-data/status/1",
            f"https://uni-b.example@127.0.0.1:{elsewhere.port}/status/1",
            "https://uni-b.example/status/../../admin",
            "https://uni-b.example:8443/status/1",
        ):
            report = verify_credential(a, _foreign_credential(b, url))
            status = report["by_name"]["status"]
            assert status["ok"] is None, (url, status)
            assert status["detail"].startswith("cannot be checked now: status list not fetched")
            reasons = ("registered endpoint", "only http", "dot segments", "user information")
            assert any(reason in status["detail"] for reason in reasons), status["detail"]
        assert elsewhere.requests == []  # not one request reached the other server


def test_one_version_fetched_by_many_threads_at_once_arrives_whole(
    tmp_path: Path, anvil_url: str
) -> None:
    # In `credreg serve` the verifier's mirror (request threads) and the anchor service's
    # round fetch a member's new list version at the same moment (e2e/test_network.py).
    content = json.dumps({"padding": "x" * 1_500_000}).encode()  # a big list: a long write
    with Peer(body=content, delay=0.3) as peer:  # every fetch is answered at the same time
        a, b = genesis_pair(tmp_path, anvil_url, origin_b=peer.url)
        with a.client, b.client:
            url = f"{peer.url}/status/1"
            ledger_b = runtime_of(b).ledger()
            sent = ledger_b.statuses.publish_version(
                ledger_b.account, chain_list_id(url), hashlib.sha256(content).digest()
            )
            ledger_b.chain.wait_for_receipt(sent)
            runtime_a = runtime_of(a)
            # Two mirrors, as in one node process (the verifier's and the anchor service's).
            two = [StatusMirror.from_settings(runtime_a.settings, runtime_a.ledger()) for _ in "ab"]
            mirrors = two * 8
            did_b = runtime_of(b).identity().did
            start = threading.Barrier(len(mirrors))
            got: list[str] = []
            failed: list[BaseException] = []

            def fetch_until_done(mirror: StatusMirror, rounds: int) -> None:
                start.wait()
                for _ in range(rounds):  # the first fetches, the later ones read the copy
                    try:
                        got.append(mirror.get(url, did_b, 1) or "")
                    except BaseException as exc:
                        failed.append(exc)

            threads = [
                threading.Thread(target=fetch_until_done, args=(m, 1 + 40 * (n % 2)))
                for n, m in enumerate(mirrors)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert failed == [], failed
            assert set(got) == {content.decode()}, {len(text) for text in got}
            # What a later verification reads from the mirror is the whole list.
            assert two[0].get(url, did_b, 1) == content.decode()
            folder = next((runtime_a.settings.data_dir / "status-mirror").iterdir())
            assert sorted(p.name for p in folder.iterdir()) == ["1.json", "url"]


def test_a_slow_peer_times_out(tmp_path: Path, anvil_url: str) -> None:
    with Peer(delay=30.0) as slow:  # far longer than any wait this test allows
        a, b = genesis_pair(
            tmp_path,
            anvil_url,
            origin_b=slow.url,
            peer_connect_timeout_seconds=1.0,
            peer_read_timeout_seconds=0.5,
        )
        with a.client, b.client:
            credential = issue_credential(b, 3)
            assert anchor_pending(b) == 1  # B's lists have anchored versions under its endpoint
            started = time.monotonic()
            report = verify_credential(a, credential)
            took = time.monotonic() - started
            status = report["by_name"]["status"]
            assert status["ok"] is None and "unreachable" in status["detail"], status
            anchor = report["by_name"]["anchor"]
            assert anchor["ok"] is None and "did not answer" in anchor["detail"], anchor
            # Two requests (the anchor proof, the status list), each cut at 1.5 s; an uncut
            # request would wait 30 s. The margin is for a loaded CI machine.
            assert took < 15.0, f"the verification waited {took:.1f} s for a slow peer"
            asked = list(slow.requests)
            assert {path.split("/")[1] for path in asked} == {"status", "credentials"}, asked
            # A failed version is not asked for again at once: no second request, no wait.
            assert verify_credential(a, credential)["by_name"]["status"]["ok"] is None
            assert slow.requests == asked
