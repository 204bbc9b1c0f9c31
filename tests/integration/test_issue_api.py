"""The admin issuing API end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from typing import Any

from node.credentials.examples import example_claims
from tests.conftest import RunningNode


def _issue(node: RunningNode, claims: dict[str, Any], **extra: Any) -> Any:
    return node.client.post(
        "/admin/credentials", json={"claims": claims, **extra}, headers=node.auth()
    )


def test_issue_one_credential_in_each_format(node: RunningNode) -> None:
    response = _issue(
        node,
        example_claims(1),
        formats=["ldp_vc+eddsa-rdfc-2022", "ldp_vc+eddsa-jcs-2022", "jwt_vc_json"],
        idempotencyKey="course-1/student-1",
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["state"] == "issued"
    assert body["createdAt"].endswith(("Z", "+00:00")), "timestamps carry their UTC offset"
    formats = [c["format"] for c in body["credentials"]]
    assert formats == ["ldp_vc+eddsa-rdfc-2022", "ldp_vc+eddsa-jcs-2022", "jwt_vc_json"]
    rdfc = body["credentials"][0]["credential"]
    assert rdfc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert rdfc["issuer"]["id"].startswith("did:web:uni-a.example")
    assert len({c["leafDigest"] for c in body["credentials"]}) == 3

    fetched = node.client.get(f"/admin/credentials/{body['id']}", headers=node.auth())
    assert fetched.status_code == 200
    assert fetched.json()["credentials"] == body["credentials"]


def test_missing_learning_outcomes_is_refused_naming_the_element(node: RunningNode) -> None:
    claims = example_claims(2)
    del claims["learningOutcomes"]
    response = _issue(node, claims)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_input"
    assert "learningOutcomes" in [p["element"] for p in body["problems"]]


def test_same_idempotency_key_never_issues_twice(node: RunningNode) -> None:
    first = _issue(node, example_claims(3), idempotencyKey="k-3")
    again = _issue(node, example_claims(3), idempotencyKey="k-3")
    assert first.status_code == 201
    assert again.status_code == 409
    assert first.json()["id"] in again.json()["message"]


def test_tokens_are_required_and_roles_enforced(node: RunningNode) -> None:
    claims = example_claims(4)
    assert node.client.post("/admin/credentials", json={"claims": claims}).status_code == 401
    wrong = node.client.post(
        "/admin/credentials", json={"claims": claims}, headers=node.auth("crt_nope")
    )
    assert wrong.status_code == 401
    vcapi = node.client.post(
        "/admin/credentials", json={"claims": claims}, headers=node.auth(node.vcapi_token)
    )
    assert vcapi.status_code == 403


def test_prepare_approve_issue(node: RunningNode) -> None:
    prepared = _issue(node, example_claims(5), issue=False)
    assert prepared.status_code == 201
    record_id = prepared.json()["id"]
    assert prepared.json()["state"] == "prepared"
    # Approval is an admin's act (DP 4.2); an issuer token may not approve.
    denied = node.client.post(f"/admin/credentials/{record_id}/approve", headers=node.auth())
    assert denied.status_code == 403
    approved = node.client.post(
        f"/admin/credentials/{record_id}/approve", headers=node.auth(node.admin_token)
    )
    assert approved.json()["state"] == "approved"
    issued = node.client.post(f"/admin/credentials/{record_id}/issue", headers=node.auth())
    assert issued.status_code == 200, issued.text
    assert issued.json()["state"] == "issued"
    again = node.client.post(f"/admin/credentials/{record_id}/issue", headers=node.auth())
    assert again.status_code == 409


def test_batch_reports_bad_items_and_issues_good_ones(node: RunningNode) -> None:
    bad = copy.deepcopy(example_claims(7))
    bad["workload"] = {"ects": 99}
    items = [
        {"claims": example_claims(6), "idempotencyKey": "b-6"},
        {"claims": bad, "idempotencyKey": "b-7"},
        {"claims": example_claims(8), "idempotencyKey": "b-8"},
    ]
    response = node.client.post(
        "/admin/credentials/batch", json={"items": items}, headers=node.auth()
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["issued"], body["skipped"], body["rejected"]) == (2, 0, 1)
    assert body["items"][1]["status"] == "rejected"
    assert any(p["element"].startswith("workload") for p in body["items"][1]["problems"])
    rerun = node.client.post(
        "/admin/credentials/batch", json={"items": items}, headers=node.auth()
    ).json()
    assert (rerun["issued"], rerun["skipped"], rerun["rejected"]) == (0, 2, 1)


def test_malformed_bodies_get_422_not_500(node: RunningNode) -> None:
    for body in ({}, {"claims": "x"}, {"claims": {}, "formats": ["nope"]}, [1, 2]):
        response = node.client.post("/admin/credentials", json=body, headers=node.auth())
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"] == "invalid_input"
    raw = node.client.post(
        "/admin/credentials",
        content=b"{not json",
        headers={**node.auth(), "content-type": "application/json"},
    )
    assert raw.status_code == 422


def test_unknown_record_is_404(node: RunningNode) -> None:
    response = node.client.get("/admin/credentials/nope", headers=node.auth())
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
