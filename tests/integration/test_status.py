"""Revocation and suspension: state changes, audit trail, the served lists and their bits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from node.credentials.examples import example_claims
from node.status.bitstring import MIN_ENTRIES, Bitstring
from tests.conftest import RunningNode
from vc import data_integrity, jose
from vc.did import StaticDidResolver


def _issue(node: RunningNode, n: int, fmt: str = "ldp_vc+eddsa-jcs-2022") -> dict[str, Any]:
    response = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(n), "formats": [fmt]},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _entries(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    credential = record["credentials"][0]["credential"]
    return {e["statusPurpose"]: e for e in credential["credentialStatus"]}


def _bit(node: RunningNode, entry: dict[str, Any], version: int | None = None) -> bool:
    path = entry["statusListCredential"].split("uni-a.example", 1)[1]
    response = node.client.get(path, params={"version": version} if version else None)
    assert response.status_code == 200, response.text
    list_credential = json.loads(response.content)
    subject = list_credential["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == entry["statusPurpose"]
    assert isinstance(list_credential["issuer"], str)
    bits = Bitstring.decode(subject["encodedList"])
    assert bits.size >= MIN_ENTRIES
    return bits.get(int(entry["statusListIndex"]))


def test_every_credential_carries_two_entries_with_distinct_random_indexes(
    node: RunningNode,
) -> None:
    records = [_issue(node, i) for i in range(5)]
    entries = [_entries(r) for r in records]
    for record_entries in entries:
        for purpose in ("revocation", "suspension"):
            entry = record_entries[purpose]
            assert entry["type"] == "BitstringStatusListEntry"
            assert entry["statusListIndex"].isdigit(), "a base-10 string"
    indexes = [int(e["revocation"]["statusListIndex"]) for e in entries]
    assert len(set(indexes)) == 5
    assert indexes != sorted(indexes) or max(indexes) > 5, "allocated at random"


def test_revoke_suspend_reinstate_round_trip(node: RunningNode) -> None:
    record = _issue(node, 1)
    entries = _entries(record)
    assert not _bit(node, entries["revocation"])
    assert not _bit(node, entries["suspension"])

    def act(action: str, expected: int = 200) -> dict[str, Any]:
        response = node.client.post(
            f"/admin/credentials/{record['id']}/{action}",
            json={"reason": f"test {action}"},
            headers=node.auth(),
        )
        assert response.status_code == expected, response.text
        body: dict[str, Any] = response.json()
        return body

    assert act("suspend")["state"] == "suspended"
    assert _bit(node, entries["suspension"])
    assert act("suspend", 409)["error"] == "conflict"
    assert act("reinstate")["state"] == "issued"
    assert not _bit(node, entries["suspension"])
    assert act("revoke")["state"] == "revoked"
    assert _bit(node, entries["revocation"])
    assert act("reinstate", 409)["error"] == "conflict", "revocation is final"

    trail = node.client.get(
        f"/admin/credentials/{record['id']}/status-events", headers=node.auth()
    ).json()
    assert [e["action"] for e in trail] == ["suspend", "reinstate", "revoke"]
    assert trail[0]["reason"] == "test suspend" and trail[0]["tokenId"] is not None


def test_every_version_stays_retrievable_signed_and_cacheable(node: RunningNode) -> None:
    record = _issue(node, 2)
    entry = _entries(record)["revocation"]
    path = entry["statusListCredential"].split("uni-a.example", 1)[1]
    first = node.client.get(path)
    version = int(first.headers["X-Status-List-Version"])
    etag = first.headers["ETag"]
    assert node.client.get(path, headers={"If-None-Match": etag}).status_code == 304

    node.client.post(
        f"/admin/credentials/{record['id']}/revoke", json={"reason": "r"}, headers=node.auth()
    )
    latest = node.client.get(path)
    assert int(latest.headers["X-Status-List-Version"]) == version + 1
    assert latest.headers["ETag"] != etag
    assert _bit(node, entry) is True
    assert _bit(node, entry, version=version) is False, "the old version is unchanged"
    assert node.client.get(path, params={"version": version}).headers["ETag"] == etag

    did_document = node.client.get("/.well-known/did.json").json()
    resolver = StaticDidResolver({did_document["id"]: did_document})
    assert data_integrity.verify(json.loads(latest.content), resolver).ok


def test_bulk_revocation_reports_each_and_publishes_once(node: RunningNode) -> None:
    records = [_issue(node, 10 + i) for i in range(3)]
    ids = [r["id"] for r in records]
    node.client.post(
        f"/admin/credentials/{ids[0]}/revoke", json={"reason": "x"}, headers=node.auth()
    )
    path = _entries(records[1])["revocation"]["statusListCredential"].split("uni-a.example", 1)[1]
    before = int(node.client.get(path).headers["X-Status-List-Version"])
    response = node.client.post(
        "/admin/status/bulk",
        json={"action": "revoke", "credentialIds": [*ids, "nope"], "reason": "course withdrawn"},
        headers=node.auth(),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["changed"], body["refused"]) == (2, 2)
    assert {r["recordId"]: r["ok"] for r in body["results"]}["nope"] is False
    assert int(node.client.get(path).headers["X-Status-List-Version"]) == before + 1


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/admin/credentials/nope/revoke", {"reason": "x"}, 404),
        ("/admin/credentials/nope/revoke", {"reason": ""}, 422),
        ("/admin/credentials/nope/revoke", {}, 422),
        ("/admin/status/bulk", {"action": "delete", "credentialIds": ["a"], "reason": "x"}, 422),
        ("/admin/status/bulk", {"action": "revoke", "credentialIds": [], "reason": "x"}, 422),
    ],
)
def test_bad_status_requests(node: RunningNode, path: str, body: Any, status: int) -> None:
    response = node.client.post(path, json=body, headers=node.auth())
    assert response.status_code == status, response.text


def test_unknown_list_and_version(node: RunningNode) -> None:
    assert node.client.get("/status/999").status_code == 404
    record = _issue(node, 3)
    path = _entries(record)["revocation"]["statusListCredential"].split("uni-a.example", 1)[1]
    assert node.client.get(path, params={"version": 999}).status_code == 404
    assert node.client.get(path, params={"version": 0}).status_code == 422


def test_a_record_not_issued_yet_cannot_be_revoked(node: RunningNode) -> None:
    prepared = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(50), "issue": False},
        headers=node.auth(),
    ).json()
    response = node.client.post(
        f"/admin/credentials/{prepared['id']}/revoke", json={"reason": "x"}, headers=node.auth()
    )
    assert response.status_code == 409
    assert "prepared" in response.json()["problems"][0]["reason"]


def test_jwt_vc_json_has_one_two_bit_entry_for_both_states(node: RunningNode) -> None:
    """VCDM 1.1 has one credentialStatus object: the message entry (statusSize 2), whose
    value the node's verifier reads — suspended, reinstated, revoked."""
    record = _issue(node, 3, "jwt_vc_json")
    token = record["credentials"][0]["credential"]
    entry = jose.decode_jws(token)[1]["vc"]["credentialStatus"]
    assert isinstance(entry, dict), "one object, not an array"
    assert (entry["statusPurpose"], entry["statusSize"]) == ("message", 2)

    def value() -> int:
        path = entry["statusListCredential"].split("uni-a.example", 1)[1]
        subject = json.loads(node.client.get(path).content)["credentialSubject"]
        assert (subject["statusPurpose"], subject["statusSize"]) == ("message", 2)
        return Bitstring.decode(subject["encodedList"]).value(int(entry["statusListIndex"]), 2)

    def verdict() -> str:
        node.anchor_all()
        response = node.client.post("/api/verify", json={"credential": token})
        assert response.status_code == 200, response.text
        return str(response.json()["verdict"])

    assert (value(), verdict()) == (0, "valid")
    for action, expected in (("suspend", (2, "suspended")), ("reinstate", (0, "valid"))):
        changed = node.client.post(
            f"/admin/credentials/{record['id']}/{action}", json={"reason": "t"}, headers=node.auth()
        )
        assert changed.status_code == 200, changed.text
        assert (value(), verdict()) == expected
    node.client.post(
        f"/admin/credentials/{record['id']}/revoke", json={"reason": "t"}, headers=node.auth()
    )
    assert (value(), verdict()) == (1, "revoked")
