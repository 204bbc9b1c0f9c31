"""Issue 6: POST /api/verify with a human-readable summary and every input kind, the hash
lookup, share links, the web form, rate and size limits."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from node.credentials.examples import example_claims
from node.db.models import ShareLink
from tests.conftest import RunningNode, make_settings, start_node

FORMATS = ["ldp_vc+eddsa-rdfc-2022", "ldp_vc+eddsa-jcs-2022", "jwt_vc_json"]


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture
def issued(node: RunningNode) -> dict[str, Any]:
    response = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(61), "formats": FORMATS},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return {
        "id": body["id"],
        **{c["format"]: c["credential"] for c in body["credentials"]},
        "digests": {c["format"]: c["leafDigest"] for c in body["credentials"]},
    }


def _runtime(node: RunningNode) -> Any:
    return node.client.app.state.runtime  # type: ignore[attr-defined]


def _verify(node: RunningNode, credential: Any) -> dict[str, Any]:
    response = node.client.post("/api/verify", json={"credential": credential})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# ---- POST /api/verify ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_verify_returns_a_human_readable_summary(
    node: RunningNode, issued: dict[str, Any], fmt: str
) -> None:
    claims = example_claims(61)
    node.anchor_all()
    report = _verify(node, issued[fmt])
    assert report["verified"] is True and report["verdict"] == "valid", report
    summary = report["credential"]
    learner = claims["learner"]
    assert summary["learner"] == f"{learner['givenName']} {learner['familyName']}"
    assert summary["title"] == claims["title"]["en"]
    assert summary["awardingBody"] == claims["awardingBodies"][0]["name"]["en"]
    assert summary["country"] == ", ".join(claims["issuerCountries"])
    assert summary["dateOfIssuing"] == claims["dateOfIssuing"]
    assert summary["learningOutcomes"] == [o["text"]["en"] for o in claims["learningOutcomes"]]
    assert summary["ects"] == f"{claims['workload']['ects']:g}"
    assert summary["eqf"] == f"EQF {claims['level']['eqf']}"
    assert summary["assessment"] == ", ".join(
        a.replace("-", " ") for a in claims["assessmentTypes"]
    )
    assert summary["participation"] == claims["participationForm"].replace("-", " ")
    assert summary["qualityAssurance"]
    if claims.get("grade"):
        assert summary["grade"].startswith(str(claims["grade"]["value"]))


def test_verify_a_json_ld_presentation(node: RunningNode, issued: dict[str, Any]) -> None:
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [issued["ldp_vc+eddsa-jcs-2022"]],
    }
    report = _verify(node, presentation)
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["signature"]["ok"] is True
    assert "presentation" in checks["holder_binding"]["detail"]
    assert report["credential"]["title"]


def test_verify_a_jwt_presentation(node: RunningNode, issued: dict[str, Any]) -> None:
    header = _b64({"alg": "ES256", "typ": "JWT"})
    payload = _b64(
        {
            "vp": {
                "type": ["VerifiablePresentation"],
                "verifiableCredential": [issued["jwt_vc_json"]],
            }
        }
    )
    report = _verify(node, f"{header}.{payload}.c2ln")
    assert {c["name"]: c["ok"] for c in report["checks"]}["signature"] is True
    assert report["credential"]["learner"]


def test_tampered_credential_is_200_not_valid(node: RunningNode, issued: dict[str, Any]) -> None:
    tampered = copy.deepcopy(issued["ldp_vc+eddsa-rdfc-2022"])
    tampered["credentialSubject"]["familyName"] = "Mallory"
    report = _verify(node, tampered)
    assert report["verified"] is False and report["verdict"] == "invalid"
    assert report["credential"]["learner"].endswith("Mallory")  # what it *says*


@pytest.mark.parametrize(("action", "verdict"), [("revoke", "revoked"), ("suspend", "suspended")])
def test_revoked_and_suspended_verdicts(
    node: RunningNode, issued: dict[str, Any], action: str, verdict: str
) -> None:
    node.anchor_all()
    response = node.client.post(
        f"/admin/credentials/{issued['id']}/{action}", json={"reason": "t"}, headers=node.auth()
    )
    assert response.status_code == 200, response.text
    _runtime(node).ledger_rounds().run_once()
    for fmt in FORMATS:
        report = _verify(node, issued[fmt])
        assert report["verdict"] == verdict, report


@pytest.mark.parametrize(
    "bad",
    [
        "not-a-jwt",
        42,
        {"type": ["VerifiablePresentation"], "verifiableCredential": []},
        {"type": ["VerifiablePresentation"], "verifiableCredential": ["a.b.c", "d.e.f"]},
        "eyJhbGciOiJFUzI1NiJ9.eyJ2Y3QiOiJ4In0.c2ln~WyJzYWx0IiwibmFtZSIsIngiXQ~",
    ],
)
def test_non_credentials_are_422(node: RunningNode, bad: Any) -> None:
    response = node.client.post("/api/verify", json={"credential": bad})
    assert response.status_code == 422, response.text


# ---- GET /api/lookup/{sha256} ---------------------------------------------------------------


def test_lookup_answers_chain_facts_and_status_without_personal_data(
    node: RunningNode, issued: dict[str, Any]
) -> None:
    digest = issued["digests"]["jwt_vc_json"]
    pending = node.client.get(f"/api/lookup/{digest}")
    assert pending.status_code == 200, pending.text
    assert pending.json()["anchor"]["state"] == "pending"
    node.anchor_all()
    body = node.client.get(f"/api/lookup/{digest.upper()}").json()
    assert body["leafDigest"] == digest
    assert body["anchor"]["state"] == "confirmed"
    assert isinstance(body["anchor"]["blockNumber"], int) and body["anchor"]["blockTime"]
    assert body["issuer"] == _runtime(node).identity().did
    assert body["status"] == {"revoked": False, "suspended": False}
    learner = example_claims(61)["learner"]
    text = json.dumps(body)
    for personal in (learner["familyName"], learner["givenName"], learner["identifier"]):
        assert personal not in text
    assert issued["id"] not in text
    node.client.post(
        f"/admin/credentials/{issued['id']}/suspend", json={"reason": "t"}, headers=node.auth()
    )
    again = node.client.get(f"/api/lookup/{digest}").json()
    assert again["status"] == {"revoked": False, "suspended": True}


def test_lookup_unknown_is_404_malformed_is_422(node: RunningNode) -> None:
    assert node.client.get(f"/api/lookup/{'ab' * 32}").status_code == 404
    for bad in ("abc", "zz" * 32, "ab" * 33):
        response = node.client.get(f"/api/lookup/{bad}")
        assert response.status_code == 422, bad
        assert response.json()["error"] == "invalid_input"


# ---- share links ----------------------------------------------------------------------------


def _share(node: RunningNode, record_id: str, days: float = 7, token: str | None = None) -> Any:
    expires = (datetime.now(UTC) + timedelta(days=days)).isoformat()
    return node.client.post(
        f"/admin/credentials/{record_id}/share-links",
        json={"expiresAt": expires},
        headers=node.auth(token),
    )


def test_share_link_shows_content_and_verification(
    node: RunningNode, issued: dict[str, Any]
) -> None:
    created = _share(node, issued["id"])
    assert created.status_code == 201, created.text
    link = created.json()
    assert link["url"].startswith(node.settings.origin + "/v/")
    path = link["url"][len(node.settings.origin) :]
    page = node.client.get(path, headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert page.status_code == 200
    assert '<html lang="de">' in page.text
    assert example_claims(61)["learner"]["familyName"] in page.text
    assert 'data-check="signature" data-ok="ok"' in page.text
    assert "<script" not in page.text
    # The token is stored only as its hash.
    listed = node.client.get(
        f"/admin/credentials/{issued['id']}/share-links", headers=node.auth()
    ).json()
    assert [x["id"] for x in listed] == [link["id"]] and "url" not in json.dumps(
        {k: v for k, v in listed[0].items() if v}
    )
    token = path.rsplit("/", 1)[1]
    printed = node.client.get(f"/credentials/{issued['id']}/print?token={token}")
    assert printed.status_code == 200 and "<svg" in printed.text
    assert link["url"] in printed.text
    # Wrong record, wrong token: the same 404 (nothing to enumerate).
    assert node.client.get(f"/credentials/nope/print?token={token}").status_code == 404
    assert node.client.get(f"/credentials/{issued['id']}/print?token=x").status_code == 404
    # Revoked.
    deleted = node.client.delete(
        f"/admin/credentials/{issued['id']}/share-links/{link['id']}", headers=node.auth()
    )
    assert deleted.status_code == 204
    gone = node.client.get(path)
    assert gone.status_code == 410 and 'id="notice"' in gone.text
    assert example_claims(61)["learner"]["familyName"] not in gone.text


def test_expired_and_unknown_share_links(node: RunningNode, issued: dict[str, Any]) -> None:
    link = _share(node, issued["id"]).json()
    with _runtime(node).sessions() as session:
        session.execute(
            update(ShareLink)
            .where(ShareLink.id == link["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        session.commit()
    path = link["url"][len(node.settings.origin) :]
    expired = node.client.get(path + "?lang=es")
    assert expired.status_code == 410 and "caducado" in expired.text
    assert node.client.get("/v/not-a-token").status_code == 404


def test_share_link_requests_that_fail(node: RunningNode, issued: dict[str, Any]) -> None:
    assert _share(node, issued["id"], days=-1).status_code == 422
    assert _share(node, issued["id"], days=400).status_code == 422
    assert _share(node, "nope").status_code == 404
    assert (
        node.client.post(
            f"/admin/credentials/{issued['id']}/share-links",
            json={"expiresAt": "2030-01-01T00:00:00Z"},
        ).status_code
        == 401
    )
    assert _share(node, issued["id"], token=node.vcapi_token).status_code == 403
    assert (
        node.client.delete(
            f"/admin/credentials/{issued['id']}/share-links/nope", headers=node.auth()
        ).status_code
        == 404
    )


# ---- the web form ---------------------------------------------------------------------------


def test_web_form_text_and_file(node: RunningNode, issued: dict[str, Any]) -> None:
    form = node.client.get("/verify", headers={"Accept-Language": "fi, en;q=0.5"})
    assert form.status_code == 200 and '<html lang="fi">' in form.text
    assert '<label for="credential">' in form.text and "<script" not in form.text
    assert "http://" not in form.text.replace(node.settings.origin, "")
    pasted = node.client.post(
        "/verify", data={"credential": json.dumps(issued["ldp_vc+eddsa-jcs-2022"]), "lang": "en"}
    )
    assert pasted.status_code == 200
    assert 'data-verdict="' in pasted.text
    assert example_claims(61)["learner"]["familyName"] in pasted.text
    uploaded = node.client.post(
        "/verify?lang=es",
        files={"file": ("credential.jwt", issued["jwt_vc_json"].encode(), "text/plain")},
        data={"credential": ""},
    )
    assert uploaded.status_code == 200 and '<html lang="es">' in uploaded.text
    assert 'data-check="signature" data-ok="ok"' in uploaded.text
    junk = node.client.post("/verify", data={"credential": "hello"})
    assert junk.status_code == 422 and 'data-verdict="not_a_credential"' in junk.text


# ---- abuse resistance -----------------------------------------------------------------------


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[RunningNode]:
    settings = make_settings(
        tmp_path / "data",
        f"sqlite:///{tmp_path / 'node.db'}",
        public_rate_limit=3,
        public_rate_window_seconds=60,
        public_max_body_bytes=2_000,
    )
    running = start_node(settings)
    with running.client:
        yield running


def test_rate_limit_answers_429_with_retry_after(limited: RunningNode) -> None:
    for _ in range(3):
        assert limited.client.get(f"/api/lookup/{'ab' * 32}").status_code == 404
    refused = limited.client.get("/verify")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["error"] == "rate_limited"
    # Admin and health endpoints are not the public verification surface.
    assert limited.client.get("/readyz").status_code in (200, 503)


def test_request_body_limit_answers_413(limited: RunningNode) -> None:
    big = {"credential": {"x": "y" * 5_000}}
    response = limited.client.post("/api/verify", json=big)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"

    def chunks() -> Iterator[bytes]:
        yield b'{"credential": "'
        yield b"a" * 5_000
        yield b'"}'

    streamed = limited.client.post(
        "/api/verify", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413


def test_presentation_responses_are_size_limited(limited: RunningNode) -> None:
    # A wallet's direct_post answer is public input too (OpenID4VP).
    response = limited.client.post(
        f"/oid4vp/responses/{'0' * 36}", data={"vp_token": "x" * 5_000, "state": "s"}
    )
    assert response.status_code == 413
