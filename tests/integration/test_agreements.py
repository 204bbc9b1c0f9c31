"""Recognition agreements between two members on anvil, node to node over real HTTP
(`tests.peer`): A proposes, B keeps the proposal after checking it against the chain, B's
staff accept, B anchors, A takes the signed return; anyone can check the document. A
proposal to a node that is down is handed over later; a decline comes back with its reason;
an amendment is a new version agreed the same way. Forgeries and half-signed documents are
refused by the inbox and judged invalid by the check."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from node.catalogue.samples import SAMPLES
from node.db.models import AgreementVersion
from tests.conftest import RunningNode
from tests.integration.test_network_ledger import genesis_pair
from tests.peer import AppPeer


def terms(partner: str, host: str, home: str, **changes: Any) -> dict[str, Any]:
    """A proposal: B's module counts towards A's programme."""
    return {
        "partner": partner,
        "title": {"en": "Data science exchange", "de": "Austausch Datenwissenschaft"},
        "scope": {"level": "faculty", "name": {"en": "Faculty of Science"}},
        "modules": [
            {
                "offeredBy": host,
                "entry": "https://uni-b.example/catalogue/x/versions/1",
                "digest": "ab" * 32,
                "title": {"en": "Supply chain analytics"},
                "ects": 5,
            }
        ],
        "programmes": [{"institution": home, "id": "MSC-DS", "title": {"en": "MSc Data Science"}}],
        "conditions": {"passingGrade": True, "minEcts": 3, "maxAgeMonths": 60},
        "pathway": "elective",
        "gradeConversion": {"method": "mapping", "mapping": {"A": "5", "B": "4", "C": "3"}},
        "validFrom": "2026-01-01",
        "validUntil": "2030-12-31",
        "reviewDate": "2028-06-30",
    } | changes


def _admin(node: RunningNode) -> dict[str, str]:
    return node.auth(node.admin_token)


def _versions(node: RunningNode) -> list[dict[str, Any]]:
    answer = node.client.get("/admin/agreements", headers=_admin(node))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _check(node: RunningNode, document: dict[str, Any]) -> dict[str, Any]:
    answer = node.client.post("/api/agreements/check", json=document)
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    report["by_name"] = {c["name"]: c for c in report["checks"]}
    return report


def test_two_members_agree_node_to_node(tmp_path: Path, anvil_url: str) -> None:
    peer_a, peer_b = AppPeer(), AppPeer()
    a, b = genesis_pair(
        tmp_path, anvil_url, origin_b=peer_b.url, origin=peer_a.url, peer_read_timeout_seconds=1
    )
    a_did, b_did = a.runtime.identity().did, b.runtime.identity().did
    with a.client, b.client:
        peer_a.serve(a.client)
        # B is down: the proposal is kept, its hand-over retried later.
        # B's module: a catalogue version of B's, anchored by B (the check reads that).
        entry = b.client.post("/admin/catalogue", json={"content": SAMPLES[1]}, headers=b.auth())
        version = b.client.post(f"/admin/catalogue/{entry.json()['id']}/publish", headers=b.auth())
        b.anchor_all()
        proposal_in = terms(b_did, b_did, a_did)
        proposal_in["modules"][0] |= {
            "entry": version.json()["url"],
            "digest": version.json()["digest"],
        }
        made = a.client.post("/admin/agreements", json=proposal_in, headers=_admin(a))
        assert made.status_code == 201, made.text
        proposal = made.json()
        assert proposal["state"] == "proposed" and proposal["role"] == "proposer"
        assert proposal["delivery"]["state"] == "pending"
        assert "in time" in proposal["delivery"]["error"]
        url = proposal["url"]
        assert url == f"{proposal['agreement']}/versions/1"
        assert proposal["agreement"].startswith(f"{peer_a.url}/agreements/")
        assert [p["verificationMethod"].split("#")[0] for p in proposal["signatures"]] == [a_did]
        assert a.client.get("/api/agreements").json()["items"] == []  # not agreed yet

        peer_b.serve(b.client)
        agreements = a.runtime.agreements()
        assert agreements.run_once() == 0  # not due yet: back-off
        with a.runtime.sessions() as session, session.begin():
            session.get_one(AgreementVersion, url).next_delivery_at = datetime.now(UTC)
        assert agreements.run_once() == 1
        (received,) = _versions(b)
        assert (received["url"], received["state"], received["role"]) == (
            url,
            "received",
            "partner",
        )
        assert received["partner"] == a_did
        assert received["document"] == proposal["document"]
        assert agreements.run_once() == 0  # handed over once

        # The same hand-over again is answered alike; another document under that URL is not.
        again = b.client.post("/api/agreements/inbox", json=proposal["document"])
        assert again.status_code == 200 and again.json()["state"] == "received"
        forged = copy.deepcopy(proposal["document"])
        forged["conditions"]["minEcts"] = 1
        refused = b.client.post("/api/agreements/inbox", json=forged)
        assert refused.status_code == 422 and "does not verify" in refused.text

        # B's staff accept: B signs, anchors and hands it back.
        accepted = b.client.post("/admin/agreements/accept", json={"url": url}, headers=_admin(b))
        assert accepted.status_code == 200, accepted.text
        agreed = accepted.json()
        assert agreed["state"] == "agreed" and agreed["delivery"]["state"] == "delivered"
        signers = [p["verificationMethod"].split("#")[0] for p in agreed["signatures"]]
        assert signers == [a_did, b_did]
        (at_a,) = _versions(a)
        assert at_a["state"] == "agreed" and at_a["digest"] == agreed["digest"]
        assert at_a["anchor"]["state"] == "pending"
        assert a.client.get("/api/agreements").json()["items"] == []  # listed once anchored
        by_partner = b.client.post(
            "/admin/agreements",
            json={k: v for k, v in proposal_in.items() if k != "partner"}
            | {"amends": proposal["agreement"]},
            headers=_admin(b),
        )
        assert by_partner.status_code == 409  # the proposer amends its agreement

        document = agreed["document"]
        before = _check(a, document)
        assert before["verdict"] == "pending", before
        assert before["by_name"]["signatures"]["ok"] is True

        b.anchor_all()
        a.anchor_all()  # A watches: the root is B's
        for node in (a, b):
            (listed,) = node.client.get("/api/agreements").json()["items"]
            assert listed["digest"] == agreed["digest"] and listed["url"] == url
            assert listed["anchor"]["state"] == "confirmed" and listed["anchor"]["block"]
            assert len(listed["signatures"]) == 2 and listed["delivery"] is None

        report = _check(b, document)
        assert report["verdict"] == "valid", report
        assert report["by_name"]["modules"]["ok"] is True

        # Its page at A (its URL) and at B (held), in the reader's language; its JSON.
        path = url.removeprefix(peer_a.url)
        page = a.client.get(path, headers={"Accept-Language": "de"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert 'data-verdict="valid"' in page.text and "Austausch Datenwissenschaft" in page.text
        assert a.client.get(path, params={"format": "json"}).json() == document
        assert a.client.get(path, headers={"Accept": "application/json"}).json() == document
        held = b.client.get("/agreements/held", params={"url": url, "lang": "fi"})
        assert held.status_code == 200 and 'data-verdict="valid"' in held.text
        assert a.client.get(path.replace("/versions/1", "/versions/9")).status_code == 404
        assert b_did in report["by_name"]["anchor"]["detail"]
        assert "2 active members" in report["network"]

        # Half-signed, and changed after signing: both invalid.
        half = {**document, "proof": document["proof"][:1]}
        assert _check(a, half)["by_name"]["signatures"]["detail"] == f"not signed by {b_did}"
        changed = copy.deepcopy(document)
        changed["pathway"] = "open"
        judged = _check(a, changed)
        assert judged["verdict"] == "invalid"
        assert judged["by_name"]["signatures"]["ok"] is False
        assert judged["by_name"]["anchor"]["ok"] is None  # that digest was never anchored

        # A declined proposal comes back to A with its reason.
        second = a.client.post(
            "/admin/agreements", json=proposal_in | {"pathway": "rigid"}, headers=_admin(a)
        ).json()
        declined = b.client.post(
            "/admin/agreements/decline",
            json={"url": second["url"], "reason": "Rigid pathways need the senate."},
            headers=_admin(b),
        )
        assert declined.status_code == 200 and declined.json()["state"] == "declined"
        by_url = {v["url"]: v for v in _versions(a)}
        assert by_url[second["url"]]["state"] == "declined"
        hidden = a.client.get(second["url"].removeprefix(peer_a.url))
        assert hidden.status_code == 404  # only agreed versions are public
        assert by_url[second["url"]]["reason"] == "Rigid pathways need the senate."
        again = b.client.post(
            "/admin/agreements/accept", json={"url": second["url"]}, headers=_admin(b)
        )
        assert again.status_code == 409

        # Ending the agreement is version 2, agreed the same way.
        ending = proposal_in | {"ended": True}
        del ending["partner"]
        ending["amends"] = proposal["agreement"]
        v2 = a.client.post("/admin/agreements", json=ending, headers=_admin(a))
        assert v2.status_code == 201, v2.text
        assert v2.json()["document"]["previousVersion"] == {"id": url, "digest": agreed["digest"]}
        b.client.post("/admin/agreements/accept", json={"url": v2.json()["url"]}, headers=_admin(b))
        b.anchor_all()
        ended = {v["version"]: v for v in b.client.get("/api/agreements").json()["items"]}
        assert sorted(ended) == [1, 2]
        report = _check(a, ended[2]["document"])
        assert report["verdict"] == "invalid"
        assert "ends the agreement" in report["by_name"]["validity"]["detail"]
        assert report["by_name"]["anchor"]["ok"] is True
        peer_a.stop()
        peer_b.stop()


def test_proposals_and_hand_overs_that_are_refused(tmp_path: Path, anvil_url: str) -> None:
    a, b = genesis_pair(tmp_path, anvil_url)
    a_did, b_did = a.runtime.identity().did, b.runtime.identity().did
    with a.client, b.client:
        unknown = "did:web:nowhere.example"
        answer = a.client.post(
            "/admin/agreements", json=terms(unknown, unknown, a_did), headers=_admin(a)
        )
        assert answer.status_code == 422
        assert answer.json()["problems"] == [
            {"element": "partner", "reason": f"{unknown} is not an active member of the network"}
        ]
        bad = terms(b_did, b_did, a_did, validUntil="2025-01-01")
        answer = a.client.post("/admin/agreements", json=bad, headers=_admin(a))
        assert answer.status_code == 422 and "validUntil" in answer.text
        outsider = terms(b_did, unknown, a_did)
        answer = a.client.post("/admin/agreements", json=outsider, headers=_admin(a))
        assert answer.status_code == 422 and f"{unknown} is not a party" in answer.text
        both = terms(b_did, b_did, a_did, amends="https://uni-a.example/agreements/x")
        answer = a.client.post("/admin/agreements", json=both, headers=_admin(a))
        assert answer.status_code == 422
        assert a.client.post("/admin/agreements", json=bad).status_code == 401

        # B's endpoint does not answer: kept, to be handed over later.
        made = a.client.post(
            "/admin/agreements", json=terms(b_did, b_did, a_did), headers=_admin(a)
        )
        assert made.status_code == 201, made.text
        document = made.json()["document"]

        # The inbox: unsigned, a non-party, a proposal under the wrong origin.
        unsigned = {k: v for k, v in document.items() if k != "proof"}
        assert b.client.post("/api/agreements/inbox", json=unsigned).status_code == 422
        assert b.client.post("/api/agreements/inbox", json=[1]).status_code == 422
        assert a.client.post("/api/agreements/inbox", json={"type": "x"}).status_code == 422
        # Handed to B's inbox by anyone, A's signed proposal is kept as A's.
        kept = b.client.post("/api/agreements/inbox", json=document)
        assert kept.status_code == 200, kept.text
        with b.runtime.sessions() as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(AgreementVersion)) == 1
        assert (
            b.client.post(
                "/admin/agreements/accept", json={"url": "x"}, headers=_admin(b)
            ).status_code
            == 404
        )
