"""The admin issuing API end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import csv
import io
from pathlib import Path
from typing import Any

import pytest

from node.credentials.examples import example_claims
from tests.conftest import RunningNode
from tests.unit.test_credentials_csv import xlsx

DID_KEY = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"  # a learner's wallet key


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
    assert first.status_code == 201
    # The same request again is a replay: the original record, nothing new.
    again = _issue(node, example_claims(3), idempotencyKey="k-3")
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    # The same key for other claims (another learner) is refused, naming the record.
    other = _issue(node, example_claims(4), idempotencyKey="k-3")
    assert other.status_code == 409, other.text
    assert first.json()["id"] in other.json()["message"]
    subject = _issue(node, example_claims(3), idempotencyKey="k-3", subjectId=DID_KEY)
    assert subject.status_code == 409
    records = node.client.get(f"/admin/credentials/{first.json()['id']}", headers=node.auth())
    assert records.json()["credentials"] == first.json()["credentials"]


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


def _batch(node: RunningNode, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    response = node.client.post(
        "/admin/credentials/batch", json={"items": items, **extra}, headers=node.auth()
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_an_unresolvable_learner_did_rejects_only_its_item(node: RunningNode) -> None:
    """200 items: signed in the worker processes, where the error used to escape."""
    items: list[dict[str, Any]] = [
        {"claims": example_claims(n), "idempotencyKey": f"did-{n}", "subjectId": DID_KEY}
        for n in range(200)
    ]
    items[3]["subjectId"] = "did:key:zNotAKey"
    items[150]["subjectId"] = "did:web:learner.example"
    body = _batch(node, items, formats=["dc+sd-jwt"])
    assert (body["issued"], body["rejected"]) == (198, 2)
    for index in (3, 150):
        item = body["items"][index]
        assert item["status"] == "rejected"
        assert [p["element"] for p in item["problems"]] == ["subjectId"]
        assert "holder key" in item["problems"][0]["reason"]
    # The same in a small batch (signed in process) and for one credential.
    small = _batch(node, [items[3], {"claims": example_claims(201)}], formats=["dc+sd-jwt"])
    assert (small["issued"], small["rejected"]) == (1, 1)
    one = _issue(node, example_claims(3), subjectId="did:key:zNotAKey", formats=["dc+sd-jwt"])
    assert one.status_code == 422, one.text
    assert [p["element"] for p in one.json()["problems"]] == ["subjectId"]
    not_a_did = _issue(node, example_claims(3), subjectId="learner 3")
    assert not_a_did.status_code == 422
    assert [p["element"] for p in not_a_did.json()["problems"]] == ["subjectId"]


def test_a_key_twice_in_one_batch_rejects_the_later_item(node: RunningNode) -> None:
    items = [
        {"claims": example_claims(11), "idempotencyKey": "twice"},
        {"claims": example_claims(12), "idempotencyKey": "once"},
        {"claims": example_claims(13), "idempotencyKey": "twice"},
    ]
    body = _batch(node, items)
    assert [item["status"] for item in body["items"]] == ["issued", "issued", "rejected"]
    problem = body["items"][2]["problems"][0]
    assert problem == {
        "element": "idempotencyKey",
        "reason": "the same key as item 0 of this batch",
    }
    # A later batch with the key for other claims is refused too, not "skipped".
    again = _batch(node, [{"claims": example_claims(13), "idempotencyKey": "twice"}])
    assert again["items"][0]["status"] == "rejected"
    assert body["items"][0]["recordId"] in again["items"][0]["problems"][0]["reason"]


SAMPLE = Path(__file__).parents[1] / "unit" / "data" / "sample-platform-export.csv"


def sample_rows() -> list[list[str]]:
    """The sample export's header and rows (three good, the last bad)."""
    with SAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


def csv_bytes(rows: list[list[str]], delimiter: str = ";", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def _post_csv(node: RunningNode, data: bytes) -> Any:
    return node.client.post(
        "/admin/credentials/batch/csv",
        content=data,
        headers={**node.auth(), "Content-Type": "text/csv"},
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"Name;Vorname;Kurs\nTamm;Anna;Data\n", "unknown columns: Name, Vorname, Kurs"),
        (xlsx(), "Excel workbook"),
        (b"idempotency_key\n\x00\x00\xff", "NUL"),
    ],
)
def test_csv_that_is_no_export_is_one_clear_422(
    node: RunningNode, data: bytes, message: str
) -> None:
    response = _post_csv(node, data)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_input"
    assert message in response.json()["message"]


def test_csv_in_windows_1252_with_tabs_and_a_repeated_key(node: RunningNode) -> None:
    header, *rows = sample_rows()
    rows[1][0] = rows[0][0]  # line 3 repeats line 2's key: another learner, not "skipped"
    data = csv_bytes([header, *rows], delimiter="\t", encoding="cp1252")
    response = _post_csv(node, data)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["status"] for item in body["items"]] == [
        "issued",
        "rejected",
        "issued",
        "rejected",
    ]
    assert body["items"][1]["position"] == 3
    assert body["items"][1]["problems"] == [
        {"element": "idempotencyKey", "reason": "the same key as line 2 of this batch"}
    ]
    record = node.client.get(
        f"/admin/credentials/{body['items'][0]['recordId']}", headers=node.auth()
    ).json()
    rdfc = record["credentials"][0]["credential"]
    assert rdfc["credentialSubject"]["awardingBody"][0]["legalName"]["de"] == "Universität Wien"
