"""Inputs that used to answer 500: each is now a 4xx naming what is wrong (SQLite and
PostgreSQL)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from node.credentials.examples import example_claims
from tests.conftest import RunningNode


def _problems(response: Any) -> list[str]:
    return [p["element"] for p in response.json()["problems"]]


def _post_json(node: RunningNode, path: str, text: str, token: str | None = None) -> Any:
    return node.client.post(
        path,
        content=text.encode(),
        headers={**node.auth(token), "Content-Type": "application/json"},
    )


# ---- NUL characters and lone surrogates, wherever they come in -----------------------------


def test_nul_in_claims_is_refused(node: RunningNode) -> None:
    claims = example_claims(1)
    claims["learner"]["givenName"] = "Ana\x00"
    response = node.client.post("/admin/credentials", json={"claims": claims}, headers=node.auth())
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_input"
    assert _problems(response) == ["claims.learner.givenName"]
    assert "NUL" in response.json()["problems"][0]["reason"]


def test_nul_in_a_batch_key_is_refused(node: RunningNode) -> None:
    item = {"claims": example_claims(2), "idempotencyKey": "k\x00"}
    response = node.client.post(
        "/admin/credentials/batch", json={"items": [item]}, headers=node.auth()
    )
    assert response.status_code == 422, response.text
    assert _problems(response) == ["items[0].idempotencyKey"]


def test_lone_surrogate_is_refused(node: RunningNode) -> None:
    claims = example_claims(3)
    claims["learner"]["givenName"] = "MARK"
    body = json.dumps({"claims": claims}).replace("MARK", "An\\ud800a")
    response = _post_json(node, "/admin/credentials", body)
    assert response.status_code == 422, response.text
    assert _problems(response) == ["claims.learner.givenName"]
    assert "surrogate" in response.json()["problems"][0]["reason"]


def test_nul_in_path_query_and_form(node: RunningNode) -> None:
    in_path = node.client.get("/admin/credentials/a%00b", headers=node.auth())
    assert in_path.status_code == 422, in_path.text
    assert _problems(in_path) == ["path"]
    in_query = node.client.get("/status/1?version=%00")
    assert in_query.status_code == 422
    assert _problems(in_query) == ["version"]
    # The wallet's token endpoint answers in the OAuth error format.
    token = node.client.post(
        "/token",
        content=b"grant_type=x&pre-authorized_code=%00",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert token.status_code == 400, token.text
    assert token.json()["error"] == "invalid_request"


def test_nul_in_a_credential_to_verify(node: RunningNode) -> None:
    response = node.client.post("/api/verify", json={"credential": "eyJ\x00"})
    assert response.status_code == 422, response.text


# ---- numbers and dates beyond what the database, the chain or a timedelta holds ------------


@pytest.mark.parametrize("valid_at", ["1969-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_valid_at_before_the_epoch(node: RunningNode, valid_at: str) -> None:
    issued = node.client.post(
        "/admin/credentials", json={"claims": example_claims(4)}, headers=node.auth()
    )
    credential = issued.json()["credentials"][0]["credential"]
    response = node.client.post("/api/verify", json={"credential": credential, "validAt": valid_at})
    assert response.status_code == 422, response.text
    assert _problems(response) == ["validAt"]
    # The latest representable date is fine: a question about the future.
    later = node.client.post(
        "/api/verify", json={"credential": credential, "validAt": "9999-12-31T23:59:59Z"}
    )
    assert later.status_code == 200, later.text


@pytest.mark.parametrize(
    "path",
    [
        "/status/99999999999999999999",
        "/status/2147483648",
        "/status/1?version=99999999999999999999",
        "/status/1/token?version=2147483648",
        "/status/0",
    ],
)
def test_status_list_ids_beyond_the_database(node: RunningNode, path: str) -> None:
    response = node.client.get(path)
    assert response.status_code == 422, response.text
    assert response.json()["problems"][0]["element"] in ("list_id", "version")


@pytest.mark.parametrize("action", ["", "/vote", "/execute", "/cancel"])
def test_negative_proposal_id(node: RunningNode, action: str) -> None:
    path = f"/admin/network/proposals/-1{action}"
    admin = node.auth(node.admin_token)
    if action == "/vote":
        response = node.client.post(path, json={"support": True}, headers=admin)
    elif action:
        response = node.client.post(path, headers=admin)
    else:
        response = node.client.get(path, headers=admin)
    assert response.status_code == 422, response.text
    assert _problems(response) == ["proposal_id"]


def test_huge_offer_lifetime(node: RunningNode) -> None:
    issued = node.client.post(
        "/admin/credentials", json={"claims": example_claims(5)}, headers=node.auth()
    )
    response = node.client.post(
        f"/admin/credentials/{issued.json()['id']}/offers",
        json={"expires_in": 10**30},
        headers=node.auth(),
    )
    assert response.status_code == 422, response.text
    assert _problems(response) == ["expires_in"]


def test_implausible_dates_are_not_signed(node: RunningNode) -> None:
    claims = example_claims(6)
    claims["learner"]["dateOfBirth"] = "2090-01-01"
    claims["dateOfIssuing"] = "2999-01-01"
    response = node.client.post(
        "/admin/credentials",
        json={"claims": claims, "idempotencyKey": "future"},
        headers=node.auth(),
    )
    assert response.status_code == 422, response.text
    assert {"learner.dateOfBirth", "dateOfIssuing"} <= set(_problems(response))
    # Nothing was stored under the key: the corrected request goes through.
    claims = example_claims(6)
    again = node.client.post(
        "/admin/credentials",
        json={"claims": claims, "idempotencyKey": "future"},
        headers=node.auth(),
    )
    assert again.status_code == 201, again.text


def test_a_json_body_that_is_no_text(node: RunningNode) -> None:
    response = node.client.post(
        "/admin/credentials",
        content=b'{"claims": "\xff\xfe"}',
        headers={**node.auth(), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert _problems(response) == ["body"]
    assert "not UTF-8" in response.json()["problems"][0]["reason"]
