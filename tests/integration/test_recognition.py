"""Recognition under an agreement, on anvil with both nodes over real HTTP (`tests.peer`):
B (the host) offers a catalogue entry; A (the home) and B agree that it counts towards A's
programme; a learner's credential from B is recognised by A automatically and A issues the
decision credential, which verifies at A and at B. A failing grade opens a case that a
person decides; the decision can be appealed, the appeal upheld and the case decided anew;
a revoked or tampered credential is refused; an agreement that has ended decides nothing
automatically."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from node.catalogue.samples import SAMPLES
from tests.conftest import RunningNode
from tests.integration.test_agreements import terms
from tests.integration.test_catalogue_issuing import request_claims
from tests.integration.test_network_ledger import genesis_pair
from tests.peer import AppPeer

PROGRAMME = "MSC-DS"


@dataclass
class Network:
    a: RunningNode
    b: RunningNode
    entry: str  # B's catalogue version URL
    agreement: str  # the agreed version's URL

    def issue_at_b(self, grade: str = "A") -> dict[str, Any]:
        claims = request_claims() | {"grade": {"value": grade}}
        body = {"claims": claims, "catalogueEntry": self.entry, "formats": ["jwt_vc_json"]}
        made = self.b.client.post("/admin/credentials", json=body, headers=self.b.auth())
        assert made.status_code == 201, made.text
        return dict(made.json())

    def recognise(self, *credentials: Any, agreement: str | None = None) -> dict[str, Any]:
        body = {
            "agreement": agreement or self.agreement,
            "programme": PROGRAMME,
            "credentials": list(credentials),
        }
        answer = self.a.client.post("/admin/recognitions", json=body, headers=self.a.auth())
        assert answer.status_code == 201, answer.text
        case: dict[str, Any] = answer.json()
        case["by_name"] = {c["name"]: c for c in case["conditions"]}
        return case


def _admin(node: RunningNode) -> dict[str, str]:
    return node.auth(node.admin_token)


def _agree(a: RunningNode, b: RunningNode, proposal: dict[str, Any]) -> str:
    made = a.client.post("/admin/agreements", json=proposal, headers=_admin(a))
    assert made.status_code == 201, made.text
    url: str = made.json()["url"]
    accepted = b.client.post("/admin/agreements/accept", json={"url": url}, headers=_admin(b))
    assert accepted.status_code == 200 and accepted.json()["state"] == "agreed", accepted.text
    b.anchor_all()
    a.anchor_all()
    return url


@pytest.fixture
def network(tmp_path: Path, anvil_url: str) -> Iterator[Network]:
    peer_a, peer_b = AppPeer(), AppPeer()
    a, b = genesis_pair(tmp_path, anvil_url, origin_b=peer_b.url, origin=peer_a.url)
    with a.client, b.client:
        peer_a.serve(a.client)
        peer_b.serve(b.client)
        made = b.client.post("/admin/catalogue", json={"content": SAMPLES[1]}, headers=b.auth())
        assert made.status_code == 201, made.text
        published = b.client.post(f"/admin/catalogue/{made.json()['id']}/publish", headers=b.auth())
        version = published.json()
        a_did, b_did = a.runtime.identity().did, b.runtime.identity().did
        proposal = terms(b_did, b_did, a_did)
        proposal["modules"][0] |= {"entry": version["url"], "digest": version["digest"]}
        agreement = _agree(a, b, proposal)
        try:
            yield Network(a, b, version["url"], agreement)
        finally:
            peer_a.stop()
            peer_b.stop()


def test_a_partners_credential_is_recognised_automatically(network: Network) -> None:
    a, b = network.a, network.b
    issued = network.issue_at_b("A")
    b.anchor_all()
    credential = issued["credentials"][0]["credential"]

    case = network.recognise(credential)
    assert case["state"] == "decided" and case["outcome"] == "recognised", case["conditions"]
    assert case["decidedBy"] == "automatic"
    assert all(c["ok"] is True for c in case["conditions"])
    assert case["ects"] == 5 and case["convertedGrade"] == "5"
    assert case["agreement"] == network.agreement and len(case["agreementDigest"]) == 64
    (evidence,) = case["evidence"]
    assert evidence["issuer"] == b.runtime.identity().did and evidence["verified"] is True

    # The decision is a credential of A: anchored, verifiable like any other.
    record = a.client.get(f"/admin/credentials/{case['decisionRecord']}", headers=a.auth())
    assert record.status_code == 200, record.text
    decision = record.json()["credentials"][0]["credential"]
    a.anchor_all()
    for node in (a, b):
        report = node.client.post("/api/verify", json={"credential": decision}).json()
        assert report["verified"] is True, report
    assert isinstance(decision, dict)  # the staff formats' default: eddsa-rdfc-2022
    recognition = decision["credentialSubject"]["recognition"]
    assert recognition["agreement"] == network.agreement
    assert recognition["agreementDigest"] == case["agreementDigest"]
    assert recognition["recognised"][0]["credentialDigest"] == evidence["digest"]
    assert recognition["convertedGrade"] == "5" and recognition["decided"] == "automatic"
    assert decision["credentialSubject"]["creditsEarned"] == 5

    # The same credential again: not twice automatically — a person sees the earlier case.
    again = network.recognise(credential)
    assert again["state"] == "open" and again["decisionRecord"] is None
    assert again["by_name"]["once"]["detail"].endswith(f"(case {case['id']})")


def test_a_failing_grade_is_a_case_decided_by_a_person_and_appealed(network: Network) -> None:
    a = network.a
    issued = network.issue_at_b("FX")
    network.b.anchor_all()
    case = network.recognise(issued["credentials"][0]["credential"])
    assert case["state"] == "open" and case["decisionRecord"] is None
    assert case["by_name"]["passingGrade"]["ok"] is False
    assert "FX is not a passing grade" in case["by_name"]["passingGrade"]["detail"]
    listed = a.client.get("/admin/recognitions", params={"state": "open"}, headers=a.auth())
    assert [c["id"] for c in listed.json()["items"]] == [case["id"]]

    path = f"/admin/recognitions/{case['id']}"
    no_reason = a.client.post(f"{path}/decision", json={"recognise": False}, headers=a.auth())
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    refused = a.client.post(
        f"{path}/decision",
        json={"recognise": False, "reason": "FX is a fail at B."},
        headers=a.auth(),
    ).json()
    assert (refused["state"], refused["outcome"]) == ("decided", "not-recognised")
    assert refused["decidedBy"].startswith("token ")

    appealed = a.client.post(
        f"{path}/appeal", json={"text": "The resit was passed."}, headers=a.auth()
    ).json()
    assert appealed["appeal"]["outcome"] == "open"
    upheld = a.client.post(
        f"{path}/appeal/decision",
        json={"upheld": True, "reason": "The resit result was shown."},
        headers=a.auth(),
    ).json()
    assert upheld["state"] == "open" and upheld["appeal"]["outcome"] == "upheld"
    decided = a.client.post(
        f"{path}/decision",
        json={"recognise": True, "reason": "Resit passed.", "convertedGrade": "3"},
        headers=a.auth(),
    ).json()
    assert decided["outcome"] == "recognised" and decided["decisionRecord"]
    assert decided["appeal"]["text"] == "The resit was passed."  # kept with the case
    again = a.client.post(
        f"{path}/decision", json={"recognise": True, "reason": "x"}, headers=a.auth()
    )
    assert again.status_code == 409
    second = a.client.post(f"{path}/appeal", json={"text": "Once more."}, headers=a.auth())
    assert second.status_code == 409 and "one appeal per case" in second.text


def test_revoked_tampered_and_ended_are_not_recognised(network: Network) -> None:
    a, b = network.a, network.b
    revoked = network.issue_at_b()
    tampered = network.issue_at_b()
    b.anchor_all()
    answer = b.client.post(
        f"/admin/credentials/{revoked['id']}/revoke", json={"reason": "fraud"}, headers=b.auth()
    )
    assert answer.status_code == 200, answer.text
    b.anchor_all()
    case = network.recognise(revoked["credentials"][0]["credential"])
    assert case["state"] == "refused", case["conditions"]
    assert case["by_name"]["verification"]["detail"].startswith("status:")

    header, payload, signature = tampered["credentials"][0]["credential"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["vc"]["credentialSubject"]["grade"] = "A+"
    changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    case = network.recognise(f"{header}.{changed}.{signature}")
    assert case["state"] == "refused"
    assert case["by_name"]["verification"]["detail"].startswith("signature:")
    not_one = a.client.post(
        "/admin/recognitions",
        json={"agreement": network.agreement, "programme": PROGRAMME, "credentials": ["x.y"]},
        headers=a.auth(),
    )
    assert not_one.status_code == 422 and "credentials[0]" in not_one.text

    # The agreement ended (version 2): a person decides.
    a_did, b_did = a.runtime.identity().did, b.runtime.identity().did
    ending = terms(b_did, b_did, a_did, ended=True)
    del ending["partner"]
    agreement_url = network.agreement.rsplit("/versions/", 1)[0]
    view = a.client.get("/admin/agreements", headers=_admin(a)).json()["items"][0]
    ending["modules"] = copy.deepcopy(view["document"]["modules"])
    ending["amends"] = agreement_url
    ended = _agree(a, b, ending)
    fresh = network.issue_at_b()
    b.anchor_all()
    case = network.recognise(fresh["credentials"][0]["credential"], agreement=ended)
    assert case["state"] == "open"
    assert case["by_name"]["agreement"]["ok"] is False
    assert "ends the agreement" in case["by_name"]["agreement"]["detail"]
    # Version 1 still names the course, but version 2 replaced it: a person decides.
    older = network.recognise(network.issue_at_b()["credentials"][0]["credential"])
    assert older["state"] == "open"
    assert older["by_name"]["current"]["detail"] == "version 2 of the agreement replaces it"

    unknown = a.client.post(
        "/admin/recognitions",
        json={"agreement": "https://x.example/a", "programme": PROGRAMME, "credentials": ["x"]},
        headers=a.auth(),
    )
    assert unknown.status_code == 404


def test_routes_without_an_agreement_are_decided_by_a_person(network: Network) -> None:
    a = network.a
    issued = network.issue_at_b("B")
    network.b.anchor_all()
    credential = issued["credentials"][0]["credential"]
    body = {"route": "ad-hoc", "programme": "BSC-CS", "credentials": [credential]}
    made = a.client.post("/admin/recognitions", json=body, headers=a.auth())
    assert made.status_code == 201, made.text
    case = made.json()
    assert case["state"] == "open" and case["route"] == "ad-hoc" and case["agreement"] is None
    conditions = {c["name"]: c for c in case["conditions"]}
    assert conditions["verification"]["ok"] is True and conditions["route"]["ok"] is None
    decided = a.client.post(
        f"/admin/recognitions/{case['id']}/decision",
        json={"recognise": True, "reason": "Equivalent to our CS-210.", "ects": 4},
        headers=a.auth(),
    ).json()
    assert decided["outcome"] == "recognised" and decided["ects"] == 4
    record = a.client.get(f"/admin/credentials/{decided['decisionRecord']}", headers=a.auth())
    recognition = record.json()["credentials"][0]["credential"]["credentialSubject"]["recognition"]
    assert recognition["recognitionRoute"] == "ad-hoc" and "agreement" not in recognition
    assert recognition["decided"] == "staff"

    # The route and the agreement go together.
    for wrong in (
        {"programme": "BSC-CS", "credentials": [credential]},  # route agreement, none named
        body | {"agreement": network.agreement},
        body | {"route": "sideways"},
    ):
        refused = a.client.post("/admin/recognitions", json=wrong, headers=a.auth())
        assert refused.status_code == 422, refused.text


def test_a_decision_left_half_way_is_finished_by_the_round(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies after the decision was staged, before it was issued (SystemExit
    here: nothing of the request's own clean-up runs). The next round, once the case has
    been deciding for two minutes, issues it and records the decision — once."""
    from node.db.models import CredentialRecord, RecognitionCase
    from node.recognition.service import Recognitions

    a = network.a
    issued = network.issue_at_b("A")
    network.b.anchor_all()

    def dies(self: Recognitions, pending: Any) -> str:
        raise SystemExit("power cut")

    monkeypatch.setattr(Recognitions, "_issue_staged", dies)
    with pytest.raises(SystemExit):
        a.runtime.recognitions().request(
            {
                "agreement": network.agreement,
                "programme": PROGRAMME,
                "credentials": [issued["credentials"][0]["credential"]],
            },
            "test",
        )
    monkeypatch.undo()
    with a.runtime.sessions() as session:
        (case,) = session.scalars(sa.select(RecognitionCase)).all()
        assert case.state == "deciding" and case.pending_decision is not None
        assert case.evidence  # kept before the decision was attempted
        case_id = case.id
    rounds = a.runtime.recognitions()
    assert rounds.run_once() == 0  # not stale yet: the request may still be running
    with a.runtime.sessions() as session, session.begin():
        session.get_one(RecognitionCase, case_id).deciding_since = datetime.now(UTC) - timedelta(
            minutes=3
        )
    assert rounds.run_once() == 1
    finished = rounds.case(case_id)
    assert finished["state"] == "decided" and finished["outcome"] == "recognised"
    assert finished["decidedBy"] == "automatic" and finished["decisionRecord"]
    assert rounds.run_once() == 0
    with a.runtime.sessions() as session:
        keys = session.scalars(
            sa.select(CredentialRecord.idempotency_key).where(
                CredentialRecord.idempotency_key.startswith("recognition:")
            )
        ).all()
    assert keys == [f"recognition:{case_id}:automatic"]  # issued once
