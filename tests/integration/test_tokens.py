"""API tokens over the admin API, on SQLite and PostgreSQL: list (never the secret), create
with an expiry, revoke; an expired or revoked token gets 401 with its reason. The CLI side
(`credreg token …` as a real process) is in test_cli_tokens.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from node.db.models import ApiToken
from tests.conftest import RunningNode


def test_admin_lists_creates_and_revokes_tokens(node: RunningNode) -> None:
    admin = node.auth(node.admin_token)
    assert node.client.get("/admin/tokens").status_code == 401
    assert node.client.get("/admin/tokens", headers=node.auth()).status_code == 403  # issuer

    created = node.client.post(
        "/admin/tokens", json={"role": "issuer", "name": "registrar", "expires_in": 86400},
        headers=admin,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    body = created.json()
    secret, token_id = body["token"], body["id"]
    assert secret.startswith("crt_") and body["state"] == "active"
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(hours=23) < expires - datetime.now(UTC) <= timedelta(days=1)
    assert body["last_used_at"] is None

    # The new token works, and its use is recorded.
    assert node.client.get("/admin/learners", headers=node.auth(secret)).status_code == 200
    listed = node.client.get("/admin/tokens", headers=admin)
    assert listed.status_code == 200
    rows = {row["id"]: row for row in listed.json()}
    assert rows[token_id]["last_used_at"] is not None
    assert rows[token_id]["name"] == "registrar" and rows[token_id]["role"] == "issuer"
    assert set(rows[token_id]) == {
        "id", "name", "role", "state", "created_at", "last_used_at", "expires_at", "revoked_at",
        "staff_account_id",
    }  # fmt: skip
    assert rows[token_id]["staff_account_id"] is None, "a service's token"
    assert secret not in listed.text and "token_hash" not in listed.text
    assert len(rows) == 4  # the three test tokens and this one

    revoked = node.client.post(f"/admin/tokens/{token_id}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    refused = node.client.get("/admin/learners", headers=node.auth(secret))
    assert refused.status_code == 401
    assert refused.json()["problems"] == [{"element": "Authorization", "reason": "revoked"}]
    assert "revoked at" in refused.json()["message"]
    again = node.client.post(f"/admin/tokens/{token_id}/revoke", headers=admin)
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]  # the first time stays


def test_expired_token_gets_401_with_the_reason(node: RunningNode) -> None:
    admin = node.auth(node.admin_token)
    created = node.client.post(
        "/admin/tokens", json={"role": "admin", "name": "short", "expires_in": 60}, headers=admin
    ).json()
    assert node.client.get("/admin/tokens", headers=node.auth(created["token"])).status_code == 200
    with node.runtime.sessions() as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == created["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        session.commit()
    refused = node.client.get("/admin/tokens", headers=node.auth(created["token"]))
    assert refused.status_code == 401
    assert refused.json()["problems"] == [{"element": "Authorization", "reason": "expired"}]
    assert "expired at" in refused.json()["message"]
    rows = {r["id"]: r for r in node.client.get("/admin/tokens", headers=admin).json()}
    assert rows[created["id"]]["state"] == "expired"
    unknown = node.client.get("/admin/tokens", headers=node.auth("crt_nope"))
    assert unknown.status_code == 401 and unknown.json()["problems"][0]["reason"] == "unknown"


def test_token_requests_out_of_bounds_are_422_or_404(node: RunningNode) -> None:
    admin = node.auth(node.admin_token)
    for body in (
        {"role": "issuer", "name": "x", "expires_in": 10},
        {"role": "issuer", "name": "x", "expires_in": 10**12},
        {"role": "issuer", "name": ""},
        {"role": "issuer", "name": "a\u0000b"},
        {"role": "root", "name": "x"},
    ):
        answer = node.client.post("/admin/tokens", json=body, headers=admin)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["problems"], answer.text
    for token_id in ("-1", "0", str(2**63), "abc"):
        answer = node.client.post(f"/admin/tokens/{token_id}/revoke", headers=admin)
        assert answer.status_code == 422, (token_id, answer.text)
    missing = node.client.post("/admin/tokens/999999/revoke", headers=admin)
    assert missing.status_code == 404 and "no API token 999999" in missing.json()["message"]
    issuer = node.client.post(
        "/admin/tokens", json={"role": "admin", "name": "escalate"}, headers=node.auth()
    )
    assert issuer.status_code == 403
