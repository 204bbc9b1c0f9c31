"""The approval chain (DP 4.2) over the admin API, on SQLite and PostgreSQL: stages in
order by role, separation of duties, every decision recorded, rejection with a reason and
resubmission, the last stage seals (signs); what bypasses the chain is refused."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from node.credentials.examples import example_claims
from node.db.models import Role, StaffRole
from node.issuance.approvals import ChainInvalid, approval_chain, claims_digest
from tests.conftest import RunningNode, make_settings, start_node

CHAIN: list[dict[str, Any]] = [
    {"name": "Programme committee", "role": "committee", "elements": ["learningOutcomes", "level"]},
    {"name": "Study department", "role": "study_department", "elements": ["learner"]},
    {"name": "Management", "role": "management", "seals": True},
]
PEOPLE = {
    "teacher": [StaffRole.TEACHER],
    "committee": [StaffRole.COMMITTEE],
    "study": [StaffRole.STUDY_DEPARTMENT],
    "dean": [StaffRole.MANAGEMENT],
    "double": [StaffRole.COMMITTEE, StaffRole.STUDY_DEPARTMENT],
    "teaching-committee": [StaffRole.TEACHER, StaffRole.COMMITTEE],
}


@pytest.fixture
def chain_node(tmp_path: Path, database_url: str) -> Iterator[RunningNode]:
    running = start_node(make_settings(tmp_path / "data", database_url, approval_chain=CHAIN))
    with running.client:
        yield running
    running.runtime.close()


@pytest.fixture
def tokens(chain_node: RunningNode) -> dict[str, str]:
    runtime = chain_node.runtime
    made = {}
    for username, roles in PEOPLE.items():
        runtime.staff().accounts.create(username, username.title(), roles, password=None)
        made[username] = (
            runtime.api_tokens().create(Role.ISSUER, username, staff_username=username).token
        )
    return made


def _prepare(node: RunningNode, token: str, n: int = 60) -> str:
    answer = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(n), "issue": False},
        headers=node.auth(token),
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["state"] == "prepared"
    return str(answer.json()["id"])


def _decide(
    node: RunningNode, token: str, record_id: str, decision: str = "approved", comment: str = ""
) -> Any:
    return node.client.post(
        f"/admin/credentials/{record_id}/decisions",
        json={"decision": decision, "comment": comment},
        headers=node.auth(token),
    )


def _queue(node: RunningNode, token: str) -> list[str]:
    answer = node.client.get("/admin/approvals", headers=node.auth(token))
    assert answer.status_code == 200, answer.text
    return [q["record"]["id"] for q in answer.json()]


def test_stages_in_order_by_role_and_the_last_seals(
    chain_node: RunningNode, tokens: dict[str, str]
) -> None:
    node = chain_node
    record_id = _prepare(node, tokens["teacher"])
    assert _queue(node, tokens["committee"]) == [record_id]
    assert _queue(node, tokens["study"]) == [] and _queue(node, tokens["dean"]) == []
    early = _decide(node, tokens["dean"], record_id)
    assert early.status_code == 403 and "needs the role committee" in early.json()["message"]

    assert _decide(node, tokens["committee"], record_id).json() == {"state": "prepared"}
    assert _queue(node, tokens["study"]) == [record_id]
    assert _decide(node, tokens["study"], record_id, comment="identity checked").status_code == 200
    sealed = _decide(node, tokens["dean"], record_id)
    assert sealed.json() == {"state": "issued"}, sealed.text

    record = node.client.get(f"/admin/credentials/{record_id}", headers=node.auth()).json()
    assert record["state"] == "issued" and record["credentials"]
    chain = node.client.get(
        f"/admin/credentials/{record_id}/approvals", headers=node.auth(tokens["dean"])
    ).json()
    assert [(s["stageName"], s["accountName"], s["decision"]) for s in chain["steps"]] == [
        ("Programme committee", "Committee", "approved"),
        ("Study department", "Study", "approved"),
        ("Management", "Dean", "approved"),
    ]
    assert chain["steps"][0]["elements"] == ["learningOutcomes", "level"]
    assert chain["steps"][1]["comment"] == "identity checked"
    stored = node.runtime.registry().record(record_id).claims
    assert {s["claimsSha256"] for s in chain["steps"]} == {claims_digest(stored)}
    assert chain["waitingFor"] is None and chain["mayDecide"] is False


def test_separation_of_duties(chain_node: RunningNode, tokens: dict[str, str]) -> None:
    node = chain_node
    own = _prepare(node, tokens["teaching-committee"])
    refused = _decide(node, tokens["teaching-committee"], own)
    assert refused.status_code == 403 and "you prepared this record" in refused.json()["message"]
    assert _queue(node, tokens["teaching-committee"]) == []

    other = _prepare(node, tokens["teacher"], 61)
    assert _decide(node, tokens["double"], other).status_code == 200
    assert other not in _queue(node, tokens["double"]), "not a second stage of theirs"
    second = _decide(node, tokens["double"], other)
    assert second.status_code == 403
    assert "you decided the stage “Programme committee”" in second.json()["message"]


def test_rejection_needs_a_reason_and_sends_the_record_back(
    chain_node: RunningNode, tokens: dict[str, str]
) -> None:
    node = chain_node
    record_id = _prepare(node, tokens["teacher"])
    assert _decide(node, tokens["committee"], record_id).status_code == 200
    silent = _decide(node, tokens["study"], record_id, "rejected")
    assert silent.status_code == 422 and silent.json()["problems"][0]["element"] == "comment"
    rejected = _decide(node, tokens["study"], record_id, "rejected", "date of birth is wrong")
    assert rejected.json() == {"state": "returned"}
    assert _queue(node, tokens["dean"]) == []
    assert _decide(node, tokens["dean"], record_id).status_code == 409, "waits for nothing"

    corrected = copy.deepcopy(example_claims(60))
    corrected["learner"]["dateOfBirth"] = "1990-05-05"
    stranger = node.client.post(
        f"/admin/credentials/{record_id}/resubmit",
        json={"claims": corrected},
        headers=node.auth(tokens["committee"]),
    )
    assert stranger.status_code == 403
    bad = copy.deepcopy(corrected)
    del bad["learningOutcomes"]
    invalid = node.client.post(
        f"/admin/credentials/{record_id}/resubmit",
        json={"claims": bad},
        headers=node.auth(tokens["teacher"]),
    )
    assert invalid.status_code == 422
    again = node.client.post(
        f"/admin/credentials/{record_id}/resubmit",
        json={"claims": corrected},
        headers=node.auth(tokens["teacher"]),
    )
    assert again.status_code == 200 and again.json()["state"] == "prepared"
    chain = node.client.get(
        f"/admin/credentials/{record_id}/approvals", headers=node.auth(tokens["committee"])
    ).json()
    assert chain["round"] == 1 and chain["waitingFor"] == 0 and chain["mayDecide"] is True
    assert _decide(node, tokens["committee"], record_id).status_code == 200, "a new round"
    assert (
        node.runtime.registry().record(record_id).claims["learner"]["dateOfBirth"] == "1990-05-05"
    )


def test_what_would_bypass_the_chain_is_refused(
    chain_node: RunningNode, tokens: dict[str, str]
) -> None:
    node = chain_node
    record_id = _prepare(node, tokens["teacher"])
    service = _decide(node, node.issuer_token, record_id)
    assert service.status_code == 403 and "belongs to no staff account" in service.json()["message"]
    admin = node.client.post(
        f"/admin/credentials/{record_id}/approve", headers=node.auth(node.admin_token)
    )
    assert admin.status_code == 409
    direct = node.client.post(f"/admin/credentials/{record_id}/issue", headers=node.auth())
    assert direct.status_code == 409
    signed = node.client.post(
        "/admin/credentials", json={"claims": example_claims(62)}, headers=node.auth()
    )
    assert signed.status_code == 409
    batch = node.client.post(
        "/admin/credentials/batch",
        json={"items": [{"claims": example_claims(63)}]},
        headers=node.auth(),
    )
    assert batch.status_code == 409 and "batch cannot sign directly" in batch.json()["message"]
    unknown = node.client.post(
        "/admin/credentials/nope/decisions",
        json={"decision": "approved"},
        headers=node.auth(tokens["committee"]),
    )
    assert unknown.status_code == 404
    odd = _decide(node, tokens["committee"], record_id, "maybe")
    assert odd.status_code == 422


@pytest.mark.parametrize(
    ("chain", "message"),
    [
        ([{"name": "A", "role": "dean"}], "role one of"),
        ([{"name": "A", "role": "committee", "elements": ["shoeSize"]}], "no such elements"),
        (
            [
                {"name": "A", "role": "committee", "seals": True},
                {"name": "B", "role": "management"},
            ],
            "only the last",
        ),
        (
            [{"name": "A", "role": "committee"}, {"name": "A", "role": "management"}],
            "different names",
        ),
        ([{"name": "", "role": "committee"}], "a name"),
        ([{"name": "A", "role": "committee", "when": "always"}], "unknown keys"),
    ],
)
def test_a_chain_that_makes_no_sense_is_refused(chain: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ChainInvalid, match=message):
        approval_chain(chain)


def test_tokens_made_for_a_member_of_staff(chain_node: RunningNode, tokens: dict[str, str]) -> None:
    node, admin = chain_node, chain_node.auth(chain_node.admin_token)
    made = node.client.post(
        "/admin/tokens", json={"role": "issuer", "name": "c", "staff": "Committee"}, headers=admin
    )
    assert made.status_code == 201, made.text
    staff_id = node.runtime.staff().accounts.by_username("committee").id
    assert made.json()["staff_account_id"] == staff_id
    record_id = _prepare(node, tokens["teacher"])
    assert _decide(node, made.json()["token"], record_id).status_code == 200
    nobody = node.client.post(
        "/admin/tokens", json={"role": "issuer", "name": "x", "staff": "nobody"}, headers=admin
    )
    assert nobody.status_code == 422 and nobody.json()["problems"][0]["element"] == "staff"
