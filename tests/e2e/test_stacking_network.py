"""A micro-degree stacked across three `credreg serve` processes on one anvil chain (the
network of tests/e2e/test_network.py: A on SQLite, B on PostgreSQL, C admitted by vote).

The learner earns a part at A and two at B; C and B agree that one of B's courses counts
towards C's programme, and C recognises it. C's stack rule names A's course, B's other course
and a recognition towards its programme; the learner's progress at C meets it, and C issues
the micro-degree, naming each part (digest, issuer, anchor) and the rule version. The
independent verifier (@digitalbazaar/vc) accepts the micro-degree and each part; A checks it
with its parts (reading the rule from C's registered endpoint): valid.

Refused: too few ECTS (a second rule), a part revoked after it was presented and before the
issue (seen by C through its mirror of A's lists), a rule version changed after the parts
were presented, and a part from B issued while B was suspended by the network's vote.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx

from node.catalogue.samples import SAMPLES
from node.stacking.rules import stack_of
from tests.e2e.test_network import Member, publish_at
from tests.e2e.test_network import members as members  # the fixture: three nodes
from tests.e2e.test_recognition_network import holder, to_wallet
from tests.e2e.test_serve import wait_until
from tests.e2e.test_wallet import ensure_wallet_installed, run_wallet_script
from tests.integration.test_agreements import terms
from tests.integration.test_catalogue_issuing import request_claims
from tests.interop.jsverifier import JsVerifier, status_list_documents
from tests.interop.jsverifier import ensure_installed as ensure_verifier

PROGRAMME = "MSC-DS"
INSTITUTION = {
    k: v for k, v in request_claims().items() if k in ("awardingBodies", "qualityAssurance")
}


def _did(member: Member) -> str:
    did: str = httpx.get(f"{member.url}/.well-known/did.json", timeout=10).json()["id"]
    return did


def _issue(member: Member, version_url: str, grade: str = "A") -> tuple[str, dict[str, Any]]:
    body = {
        "claims": request_claims() | {"grade": {"value": grade}},
        "catalogueEntry": version_url,
        "formats": ["ldp_vc+eddsa-rdfc-2022"],
    }
    made = member.post("/admin/credentials", body, admin=False)
    assert made.status_code == 201, made.text
    return made.json()["id"], made.json()["credentials"][0]["credential"]


def _anchored(member: Member, record_id: str) -> None:
    def confirmed() -> bool:
        copies = httpx.get(f"{member.url}/credentials/{record_id}/anchor", timeout=10)
        return all(x["state"] == "confirmed" for x in copies.json()["copies"])

    wait_until(confirmed, 90, f"{member.name} never anchored {record_id}")


def _valid_at(member: Member, credential: dict[str, Any]) -> None:
    """Every check of ``credential`` runs and passes at ``member``: its anchor and its
    status lists' versions are on chain (so its status as of a later day can be read)."""

    def valid() -> bool:
        reply = httpx.post(f"{member.url}/api/verify", json={"credential": credential}, timeout=60)
        return bool(reply.json()["verdict"] == "valid")

    wait_until(valid, 90, f"not valid at {member.name}: {credential.get('id')}")


def _progress(c: Member, stack_id: str, *credentials: Any) -> dict[str, Any]:
    made = c.post(
        f"/admin/stacks/{stack_id}/progress", {"credentials": list(credentials)}, admin=False
    )
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    body["by_component"] = {x["component"]: x for x in body["progress"]["components"]}
    return body


def _issue_degree(c: Member, progress_id: str) -> httpx.Response:
    return c.post(
        f"/admin/stacks/progress/{progress_id}/issue", {"claims": INSTITUTION}, admin=False
    )


def test_a_micro_degree_stacks_parts_of_three_members(members: list[Member]) -> None:
    ensure_verifier()
    ensure_wallet_installed()
    a, b, c = members
    a_did, b_did, c_did = (_did(m) for m in members)

    # The courses: A's, two of B's; C's micro-degree entry.
    a_course = publish_at(a, SAMPLES[0])  # 3 ECTS
    b_course = publish_at(b, SAMPLES[2])  # 2 ECTS
    b_exchange = publish_at(b, SAMPLES[1])  # 5 ECTS, recognised at C
    degree = publish_at(c, copy.deepcopy(SAMPLES[3]) | {"workload": {"ects": 10}})

    # C and B agree that B's exchange course counts towards C's programme.
    version = httpx.get(b_exchange, params={"format": "json"}, timeout=10).json()
    proposal = terms(b_did, b_did, c_did)
    proposal["modules"][0] |= {"entry": b_exchange, "digest": version["status"]["digest"]}
    made = c.post("/admin/agreements", proposal)
    assert made.status_code == 201, made.text
    agreement = made.json()["url"]
    assert b.post("/admin/agreements/accept", {"url": agreement}).json()["state"] == "agreed"

    def agreed_at_c() -> bool:
        items = httpx.get(f"{c.url}/api/agreements", timeout=10).json()["items"]
        return any(i["anchor"] and i["anchor"]["state"] == "confirmed" for i in items)

    wait_until(agreed_at_c, 90, "C never saw the agreement anchored")

    # The learner's parts: one at A, two at B; C recognises the exchange course.
    a_id, part_a = _issue(a, a_course, "B")
    b_id, part_b = _issue(b, b_course, "A")
    x_id, exchange = _issue(b, b_exchange, "A")
    for member, record_id in ((a, a_id), (b, b_id), (b, x_id)):
        _anchored(member, record_id)
    case = c.post(
        "/admin/recognitions",
        {"agreement": agreement, "programme": PROGRAMME, "credentials": [exchange]},
        admin=False,
    )
    assert case.status_code == 201 and case.json()["state"] == "decided", case.text
    decision_id = case.json()["decisionRecord"]
    decision = _credential(c, decision_id)
    _anchored(c, decision_id)

    # C's rule: A's course, B's course (grade C or better), a recognition towards MSC-DS.
    rule = {
        "entry": degree,
        "title": {"en": "Micro-degree in sustainable data"},
        "groups": [
            {
                "id": "core",
                "components": [
                    {"id": "ethics", "entry": stack_of(a_course), "issuer": a_did},
                    {
                        "id": "circular",
                        "entry": stack_of(b_course),
                        "issuer": b_did,
                        "minGrade": {"scale": ["A", "B", "C", "D", "E"], "minimum": "C"},
                    },
                    {"id": "exchange", "recognition": {"programme": PROGRAMME}},
                ],
            }
        ],
        "minEcts": 10,
        "minEqf": 6,
        "maxAgeMonths": 60,
    }
    stack = c.post("/admin/stacks", rule)
    assert stack.status_code == 201, stack.text
    stack_id, rule_v1 = stack.json()["id"], stack.json()["versions"][0]
    served = httpx.get(f"{c.url}/api/stacks", timeout=10).json()["items"]
    assert served[0]["versions"][0]["url"] == rule_v1["url"]

    # Too few ECTS: a second rule asking for 12.
    greedy = c.post("/admin/stacks", rule | {"minEcts": 12})
    assert greedy.status_code == 201, greedy.text
    short = _progress(c, greedy.json()["id"], part_a, part_b, decision)
    assert short["satisfied"] is False
    assert all(x["state"] == "met" for x in short["by_component"].values())
    refused = _issue_degree(c, short["id"])
    assert refused.status_code == 409 and "10 ECTS met, at least 12" in refused.json()["message"]

    # The parts meet C's rule; C issues the micro-degree (once every check of each part runs
    # at C and at A, the checker below: their lists' versions anchored before the issue).
    for member in (a, c):
        for credential in (part_a, part_b, decision):
            _valid_at(member, credential)
    whole = _progress(c, stack_id, part_a, part_b, decision)
    assert whole["satisfied"] is True, whole["progress"]
    issued = _issue_degree(c, whole["id"])
    assert issued.status_code == 200 and issued.json()["recordState"] == "issued", issued.text
    degree_id = issued.json()["record"]
    micro_degree = _credential(c, degree_id)
    named = micro_degree["credentialSubject"]["stack"]
    assert named["stackRule"] == rule_v1["url"] and named["stackRuleDigest"] == rule_v1["digest"]
    parts = {p["component"]: p for p in named["stackPart"]}
    assert {k: p["issuerId"] for k, p in parts.items()} == {
        "ethics": a_did,
        "circular": b_did,
        "exchange": c_did,
    }
    assert all(p["anchorBlock"] > 0 for p in parts.values())
    _anchored(c, degree_id)

    # The independent verifier accepts the micro-degree and each part.
    presented = [part_a, part_b, decision]
    documents: dict[str, Any] = {}
    for member in members:
        did = _did(member)
        documents[did] = httpx.get(f"{member.url}/.well-known/did.json", timeout=10).json()
    for credential in (micro_degree, *presented):
        documents |= status_list_documents(credential, lambda u: httpx.get(u, timeout=10).json())
    with JsVerifier() as verifier:
        for credential in (micro_degree, *presented):
            independent = verifier.verify_ldp(credential, documents=documents)
            assert independent["verified"], independent

    # The learner takes the three parts into the npm wallet (OpenID4VCI from A, B and C) and
    # presents them to C over OpenID4VP (@openid4vc/openid4vp): the progress meets the rule.
    holder_key, holder_did = holder()
    in_wallet = [_to_wallet(m, r, holder_key) for m, r in ((a, a_id), (b, b_id), (c, decision_id))]
    asked = c.post(f"/admin/stacks/{stack_id}/progress/wallet", admin=False)
    assert asked.status_code == 201 and asked.json()["state"] == "awaiting", asked.text
    answer = run_wallet_script(
        "vp.mjs",
        {
            "request": asked.json()["presentation"]["link"],
            "credentials": in_wallet,
            "holderJwk": holder_key,
            "holderDid": holder_did,
        },
    )
    assert answer["ok"] and answer["status"] == 200, answer
    from_wallet = _get(c, f"/admin/stacks/progress/{asked.json()['id']}")
    assert from_wallet["satisfied"] is True, from_wallet["progress"]
    assert len(from_wallet["evidence"]) == 3

    # A checks it with its parts: the rule read from C's endpoint, each part as of issuance.
    report = _check(a, micro_degree, presented)
    assert report["verdict"] == "valid", (report["by_name"]["parts"], report["parts"])
    assert report["by_name"]["parts"]["ok"] is True
    assert "3 parts verified" in report["by_name"]["parts"]["detail"]
    alone = _check(a, micro_degree, [])
    assert alone["verdict"] == "cannot_check" and alone["by_name"]["parts"]["ok"] is None

    # A part revoked after it was presented, before the issue.
    spare_id, spare = _issue(a, a_course, "A")
    _anchored(a, spare_id)
    before = _progress(c, stack_id, spare, part_b, decision)
    assert before["satisfied"] is True, before["progress"]
    assert a.post(
        f"/admin/credentials/{spare_id}/revoke", {"reason": "e2e"}, admin=False
    ).is_success

    def revoked_at_c() -> bool:
        reply = httpx.post(f"{c.url}/api/verify", json={"credential": spare}, timeout=60).json()
        return any(x["name"] == "status" and x["ok"] is False for x in reply["checks"])

    wait_until(revoked_at_c, 120, "C never saw A's revocation")
    refused = _issue_degree(c, before["id"])
    assert refused.status_code == 409 and "revoked" in refused.json()["message"], refused.text

    # A rule version changed after the parts were presented.
    presented_v1 = _progress(c, stack_id, part_a, part_b, decision)
    amended = c.post(f"/admin/stacks/{stack_id}/versions", rule | {"maxAgeMonths": 48})
    assert amended.status_code == 201, amended.text
    stale = _issue_degree(c, presented_v1["id"])
    assert stale.status_code == 409 and "the rule changed" in stale.json()["message"]
    assert _check(a, micro_degree, presented)["verdict"] == "valid"  # it cites version 1

    # A part B issues while it is suspended (by vote of A and C): its issuer is not in good
    # standing, so it meets nothing.
    suspension = a.post("/admin/network/proposals/suspension", {"member": 2})
    assert suspension.status_code == 201, suspension.text
    proposal_id = suspension.json()["proposal"]["id"]
    voted = c.post(f"/admin/network/proposals/{proposal_id}/vote", {"support": True})
    assert voted.json()["proposal"]["state"] == "executed", voted.text
    _late_id, late = _issue(b, b_course, "A")

    def suspended_at_c() -> bool:
        reply = httpx.post(f"{c.url}/api/verify", json={"credential": late}, timeout=60).json()
        return any(x["name"] == "membership" and x["ok"] is False for x in reply["checks"])

    wait_until(suspended_at_c, 30, "C never saw B suspended")
    suspended = _progress(c, stack_id, part_a, late, decision)
    circular = suspended["by_component"]["circular"]
    assert circular["state"] == "failed" and suspended["satisfied"] is False, circular
    assert "membership" in circular["reasons"][0] and "suspended" in circular["reasons"][0]
    # The part B issued while active still counts (judged at its anchor time).
    still = _progress(c, stack_id, part_a, part_b, decision)
    assert still["satisfied"] is True, still["progress"]


def _credential(member: Member, record_id: str) -> dict[str, Any]:
    reply = httpx.get(
        f"{member.url}/admin/credentials/{record_id}",
        headers={"Authorization": f"Bearer {member.admin}"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    credential: dict[str, Any] = reply.json()["credentials"][0]["credential"]
    return credential


def _get(member: Member, path: str) -> dict[str, Any]:
    reply = httpx.get(
        f"{member.url}{path}", headers={"Authorization": f"Bearer {member.admin}"}, timeout=30
    )
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _to_wallet(member: Member, record_id: str, holder_key: dict[str, Any]) -> str:
    """The record's copy in the npm wallet, anchored."""
    credential = to_wallet(member, record_id, holder_key)
    _anchored(member, record_id)
    return credential


def _check(member: Member, credential: dict[str, Any], parts: list[Any]) -> dict[str, Any]:
    reply = httpx.post(
        f"{member.url}/api/stacks/check",
        json={"credential": credential, "parts": parts},
        timeout=60,
    )
    assert reply.status_code == 200, reply.text
    report: dict[str, Any] = reply.json()
    report["by_name"] = {c["name"]: c for c in report["checks"]}
    return report
