"""Stackable micro-degrees on anvil, two nodes over real HTTP (the network of
tests/integration/test_recognition.py): A awards a micro-degree of its own course, B's
course and a recognition decision (of another B credential) under a stack rule; the
learner's progress shows each component; A issues the micro-degree, which names each part
(digest, issuer, anchor) and the rule version; its check with the parts is valid at A and at
B (which reads the rule from A's endpoint). Refused: too few ECTS, a part revoked before
issuance, a rule version changed after the parts were presented; the check without the
parts cannot be valid."""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from node.catalogue.samples import SAMPLES
from node.domain import StaffRole
from node.stacking.rules import stack_of
from tests.conftest import RunningNode
from tests.integration.test_approvals import chain_node as chain_node  # the fixtures
from tests.integration.test_approvals import tokens as tokens
from tests.integration.test_catalogue_issuing import request_claims
from tests.integration.test_console import signed_in
from tests.integration.test_recognition import PROGRAMME, Network
from tests.integration.test_recognition import network as network  # the fixture

INSTITUTION = {
    k: v for k, v in request_claims().items() if k in ("awardingBodies", "qualityAssurance")
}


def post_to(node: RunningNode, path: str, body: object = None, *, admin: bool = False) -> Any:
    headers = node.auth(node.admin_token) if admin else node.auth()
    return node.client.post(path, json=body, headers=headers)


def published(node: RunningNode, content: dict[str, Any]) -> str:
    made = post_to(node, "/admin/catalogue", {"content": content})
    assert made.status_code == 201, made.text
    published = post_to(node, f"/admin/catalogue/{made.json()['id']}/publish")
    assert published.status_code == 200, published.text
    return str(published.json()["url"])


def issue_from(node: RunningNode, version_url: str, grade: str = "A") -> dict[str, Any]:
    claims = request_claims() | {"grade": {"value": grade}}
    body = {"claims": claims, "catalogueEntry": version_url, "formats": ["jwt_vc_json"]}
    made = post_to(node, "/admin/credentials", body)
    assert made.status_code == 201, made.text
    return dict(made.json())


def _rule(
    a_did: str, b_did: str, degree: str, a_course: str, b_course: str, **extra: Any
) -> dict[str, Any]:
    return {
        "entry": degree,
        "title": {"en": "Micro-degree in sustainable data"},
        "groups": [
            {
                "id": "core",
                "components": [
                    {"id": "ethics", "entry": stack_of(a_course), "issuer": a_did},
                    {
                        "id": "supply-chains",
                        "entry": stack_of(b_course),
                        "issuer": b_did,
                        "minGrade": {"scale": ["A", "B", "C", "D", "E"], "minimum": "C"},
                    },
                ],
            },
            {
                "id": "recognised",
                "components": [{"id": "mobility", "recognition": {"programme": PROGRAMME}}],
            },
        ],
        "minEcts": 13,
        "minEqf": 6,
        "maxAgeMonths": 60,
    } | extra


def test_a_micro_degree_is_awarded_from_partners_parts(network: Network) -> None:
    a, b = network.a, network.b
    a_did, b_did = a.runtime.identity().did, b.runtime.identity().did
    a_course = published(a, SAMPLES[0])  # 3 ECTS
    degree = published(a, copy.deepcopy(SAMPLES[3]) | {"workload": {"ects": 15}})
    rule = _rule(a_did, b_did, degree, a_course, network.entry)

    made = post_to(a, "/admin/stacks", rule, admin=True)
    assert made.status_code == 201, made.text
    stack = made.json()
    (version,) = stack["versions"]
    assert version["url"] == f"{stack['url']}/versions/1" and len(version["digest"]) == 64
    listed = a.client.get("/api/stacks").json()["items"]
    assert [s["id"] for s in listed] == [stack["id"]]
    served = a.client.get(f"/api/stacks/{stack['id']}/versions/1")
    assert served.status_code == 200 and served.json() == version["document"]
    schema = a.client.get("/schemas/stack-rule/v1.json").json()
    assert schema["$id"] == "https://w3id.org/credreg/schemas/stack-rule/v1.json"
    refused = post_to(a, "/admin/stacks", rule | {"entry": network.entry}, admin=True)
    assert refused.status_code == 422 and refused.json()["problems"][0]["element"] == "entry"

    # The parts: A's course, B's course, and B's other credential recognised at A.
    own = issue_from(a, a_course)["credentials"][0]["credential"]
    at_b = issue_from(b, network.entry, "B")["credentials"][0]["credential"]
    recognised_at_b = issue_from(b, network.entry, "A")["credentials"][0]["credential"]
    b.anchor_all()
    case = network.recognise(recognised_at_b)
    assert case["state"] == "decided", case["conditions"]
    decision = a.client.get(f"/admin/credentials/{case['decisionRecord']}", headers=a.auth())
    decision_copy = decision.json()["credentials"][0]["credential"]
    a.anchor_all()

    # Without the decision: two components met, the recognition one missing, too few ECTS.
    path = f"/admin/stacks/{stack['id']}/progress"
    partial = post_to(a, path, {"credentials": [own, at_b]})
    assert partial.status_code == 201, partial.text
    judged = partial.json()["progress"]
    states = {c["component"]: c["state"] for c in judged["components"]}
    assert states == {"ethics": "met", "supply-chains": "met", "mobility": "missing"}
    assert not partial.json()["satisfied"]
    assert [c["name"] for c in judged["conditions"] if c["ok"] is False] == ["minEcts"]
    not_yet = post_to(
        a, f"/admin/stacks/progress/{partial.json()['id']}/issue", {"claims": INSTITUTION}
    )
    assert not_yet.status_code == 409 and "mobility" in not_yet.json()["message"]

    # All three: the rule holds; A issues the micro-degree.
    whole = post_to(a, path, {"credentials": [own, at_b, decision_copy]})
    assert whole.json()["satisfied"] is True, whole.json()["progress"]
    # Two issue calls at once (a double click): one micro-degree, the same answer to both.
    stacks = a.runtime.stacks()
    with ThreadPoolExecutor(2) as pool:
        both = list(
            pool.map(
                lambda _: stacks.issue(whole.json()["id"], {"claims": INSTITUTION}, "test"),
                range(2),
            )
        )
    assert both[0]["record"] == both[1]["record"]
    # (the one that finds the other's record may see it before it is signed)
    assert {b["recordState"] for b in both} <= {"prepared", "issued"}
    issued = post_to(
        a, f"/admin/stacks/progress/{whole.json()['id']}/issue", {"claims": INSTITUTION}
    )
    assert issued.status_code == 200, issued.text
    assert issued.json()["state"] == "issued" and issued.json()["recordState"] == "issued"
    assert issued.json()["record"] == both[0]["record"]  # once
    record = a.client.get(f"/admin/credentials/{issued.json()['record']}", headers=a.auth())
    micro_degree = record.json()["credentials"][0]["credential"]
    subject = micro_degree["credentialSubject"]
    assert subject["achievement"]["id"] == degree
    named = subject["stack"]
    assert named["stackRule"] == version["url"] and named["stackRuleDigest"] == version["digest"]
    parts = {p["component"]: p for p in named["stackPart"]}
    assert set(parts) == {"ethics", "supply-chains", "mobility"}
    assert parts["supply-chains"]["issuerId"] == b_did and parts["supply-chains"]["grade"] == "B"
    assert all("anchoredAt" in p and "anchorBlock" in p for p in parts.values()), parts
    a.anchor_all()

    # The rule version is anchored by A (a one-leaf root, with the anchor rounds).
    (listed_stack,) = a.client.get("/api/stacks").json()["items"]
    assert listed_stack["versions"][0]["anchor"]["state"] == "confirmed"
    # The check with its parts, at A and at B (B reads the rule from A's endpoint).
    presented = {"credential": micro_degree, "parts": [own, at_b, decision_copy]}
    for node in (a, b):
        report = node.client.post("/api/stacks/check", json=presented).json()
        by_name = {c["name"]: c for c in report["checks"]}
        assert report["verdict"] == "valid", report
        assert by_name["parts"]["ok"] is True and "holds (13 ECTS)" in by_name["parts"]["detail"]
        assert f"anchored by {a_did}" in by_name["parts"]["detail"]  # the rule version
    alone = a.client.post("/api/stacks/check", json={"credential": micro_degree}).json()
    assert alone["verdict"] == "cannot_check"
    assert {c["name"]: c for c in alone["checks"]}["parts"]["detail"].startswith("not presented")
    forged = copy.deepcopy(micro_degree)
    forged["credentialSubject"]["stack"]["stackPart"][0]["credentialDigest"] = "f" * 64
    report = a.client.post("/api/stacks/check", json=presented | {"credential": forged}).json()
    assert report["verdict"] == "invalid"
    assert {c["name"]: c for c in report["checks"]}["parts"]["detail"].startswith("not checked")
    forged["credentialSubject"]["stack"]["stackPart"] = 5  # not the shape the node issues
    odd = a.client.post("/api/stacks/check", json=presented | {"credential": forged})
    assert odd.status_code == 422, odd.text
    swapped = a.client.post(
        "/api/stacks/check",
        json={"credential": micro_degree, "parts": [own, recognised_at_b, decision_copy]},
    ).json()
    assert swapped["verdict"] == "cannot_check"  # the part it names is not among them

    # A part revoked after it was presented, before the issue: refused.
    spare = issue_from(a, a_course)
    a.anchor_all()
    pending = post_to(
        a, path, {"credentials": [spare["credentials"][0]["credential"], at_b, decision_copy]}
    )
    assert pending.json()["satisfied"] is True, pending.json()["progress"]
    revoked = post_to(a, f"/admin/credentials/{spare['id']}/revoke", {"reason": "test"})
    assert revoked.status_code == 200, revoked.text
    a.anchor_all()
    refused = post_to(
        a, f"/admin/stacks/progress/{pending.json()['id']}/issue", {"claims": INSTITUTION}
    )
    assert refused.status_code == 409 and "revoked" in refused.json()["message"], refused.text
    assert (
        a.client.get(f"/admin/stacks/progress/{pending.json()['id']}", headers=a.auth()).json()[
            "satisfied"
        ]
        is False
    )

    # The rule changes after the parts were presented: present them again.
    before = post_to(a, path, {"credentials": [own, at_b, decision_copy]})
    assert before.json()["satisfied"] is True
    amended = post_to(
        a, f"/admin/stacks/{stack['id']}/versions", rule | {"minEcts": 20}, admin=True
    )
    assert amended.status_code == 201 and len(amended.json()["versions"]) == 2, amended.text
    assert amended.json()["versions"][0]["document"]["previousVersion"] == version["url"]
    stale = post_to(
        a, f"/admin/stacks/progress/{before.json()['id']}/issue", {"claims": INSTITUTION}
    )
    assert stale.status_code == 409 and "the rule changed" in stale.json()["message"]
    # ... and under version 2 the same parts are too few ECTS.
    now = post_to(a, path, {"credentials": [own, at_b, decision_copy]})
    assert now.json()["rule"].endswith("/versions/2") and now.json()["satisfied"] is False
    # The micro-degree issued under version 1 still checks: it cites version 1.
    report = a.client.post("/api/stacks/check", json=presented).json()
    assert report["verdict"] == "valid", report


def test_bad_rules_and_unknown_stacks_are_refused(network: Network) -> None:
    a = network.a
    unknown = "00000000-0000-0000-0000-000000000000"
    assert post_to(a, f"/admin/stacks/{unknown}/progress", {"credentials": [{}]}).status_code == 404
    assert a.client.get(f"/api/stacks/{unknown}").status_code == 404
    bad = post_to(
        a, "/admin/stacks", {"entry": "x", "title": {}, "groups": [], "minEcts": 0}, admin=True
    )
    assert bad.status_code == 422
    assert {p["element"] for p in bad.json()["problems"]} >= {"entry", "groups", "minEcts"}
    assert post_to(a, "/admin/stacks", {}, admin=False).status_code == 403  # an issuer token
    not_degree = a.client.post("/api/stacks/check", json={"credential": {"@context": []}})
    assert not_degree.status_code == 422


def test_the_micro_degree_goes_through_the_approval_chain(
    chain_node: RunningNode, tokens: dict[str, str]
) -> None:
    node = chain_node
    did = node.runtime.identity().did
    first, second = published(node, SAMPLES[0]), published(node, SAMPLES[2])  # 3 + 2 ECTS
    degree = published(node, copy.deepcopy(SAMPLES[3]) | {"workload": {"ects": 5}})
    rule = {
        "entry": degree,
        "title": {"en": "Micro-degree"},
        "groups": [
            {
                "id": "core",
                "components": [
                    {"id": "one", "entry": stack_of(first), "issuer": did},
                    {"id": "two", "entry": stack_of(second), "issuer": did},
                ],
            }
        ],
        "minEcts": 5,
    }
    stack = post_to(node, "/admin/stacks", rule, admin=True)
    assert stack.status_code == 201, stack.text
    parts = [_through_the_chain(node, tokens, url) for url in (first, second)]
    node.anchor_all()
    progress = post_to(
        node,
        f"/admin/stacks/{stack.json()['id']}/progress",
        {"credentials": parts},
    )
    assert progress.json()["satisfied"] is True, progress.json()["progress"]
    # In the console: a teacher reads the progress; a registrar issues the micro-degree,
    # this institution its awarding body; it waits for the chain's stages.
    page = f"/console/stacks/progress/{progress.json()['id']}?lang=en"
    teacher = signed_in(node, "teach", StaffRole.TEACHER)
    assert (
        f'data-progress="{progress.json()["id"]}"'
        in teacher.client.get("/console/stacks?lang=en").text
    )
    assert "Issue the micro-degree</button>" not in teacher.client.get(page).text
    registrar = signed_in(node, "regis", StaffRole.REGISTRAR)
    shown = registrar.client.get(page)
    assert shown.status_code == 200 and 'id="locality"' in shown.text
    form = {"csrf": registrar.csrf(shown.text), "lang": "en", "locality": "Tallinn"}
    issue_path = f"/console/stacks/progress/{progress.json()['id']}/issue"
    refused = registrar.client.post(issue_path, data=form)  # no quality assurance named
    assert refused.status_code == 422 and "qualityAssurance" in refused.text
    done = registrar.client.post(issue_path, data=form | {"qa_types": ["internal"]})
    assert done.status_code == 303, done.text
    issued = node.client.get(
        f"/admin/stacks/progress/{progress.json()['id']}", headers=node.auth()
    ).json()
    assert issued["state"] == "issued"
    record = _approved(node, tokens, issued["record"])
    stacked = record["credentialSubject"]["stack"]
    assert [p["component"] for p in stacked["stackPart"]] == ["one", "two"]
    body = record["credentialSubject"]["awardingBody"][0]
    assert body["address"]["addressLocality"] == "Tallinn"
    # The same parts presented again: one micro-degree of this stack from them.
    again = post_to(node, f"/admin/stacks/{stack.json()['id']}/progress", {"credentials": parts})
    twice = post_to(
        node, f"/admin/stacks/progress/{again.json()['id']}/issue", {"claims": INSTITUTION}
    )
    assert twice.status_code == 409 and "make this micro-degree already" in twice.json()["message"]


def _approved(node: RunningNode, tokens: dict[str, str], record_id: str) -> dict[str, Any]:
    """The prepared record through the chain's three stages; its signed credential."""
    for person in ("committee", "study", "dean"):
        decided = node.client.post(
            f"/admin/credentials/{record_id}/decisions",
            json={"decision": "approved", "comment": ""},
            headers=node.auth(tokens[person]),
        )
        assert decided.status_code == 200, decided.text
    assert decided.json() == {"state": "issued"}
    record = node.client.get(f"/admin/credentials/{record_id}", headers=node.auth()).json()
    credential: dict[str, Any] = record["credentials"][0]["credential"]
    return credential


def _through_the_chain(node: RunningNode, tokens: dict[str, str], url: str) -> dict[str, Any]:
    body = {"claims": request_claims(), "catalogueEntry": url, "issue": False}
    headers = node.auth(tokens["teacher"])
    prepared = node.client.post("/admin/credentials", json=body, headers=headers)
    assert prepared.status_code == 201, prepared.text
    return _approved(node, tokens, prepared.json()["id"])
