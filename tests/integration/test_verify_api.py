"""The verification pipeline through POST /api/verify: named checks for every format."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from node.credentials.examples import example_claims
from node.verification import CHECK_NAMES
from tests.conftest import RunningNode, make_settings, start_node

FORMATS = ["ldp_vc+eddsa-rdfc-2022", "ldp_vc+eddsa-jcs-2022", "jwt_vc_json"]


@pytest.fixture
def issued(node: RunningNode) -> dict[str, Any]:
    response = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(21), "formats": FORMATS},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    return {c["format"]: c["credential"] for c in response.json()["credentials"]}


def _verify(node: RunningNode, credential: Any) -> dict[str, Any]:
    response = node.client.post("/api/verify", json={"credential": credential})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _checks(report: dict[str, Any]) -> dict[str, Any]:
    return {c["name"]: c["ok"] for c in report["checks"]}


@pytest.mark.parametrize("fmt", FORMATS)
def test_issued_credentials_verify_with_every_check_named(
    node: RunningNode, issued: dict[str, Any], fmt: str
) -> None:
    report = _verify(node, issued[fmt])
    assert report["verified"] is True
    assert [c["name"] for c in report["checks"]] == list(CHECK_NAMES)
    checks = _checks(report)
    for name in ("structure", "elements", "issuer_key", "signature", "validity", "membership"):
        assert checks[name] is True, report
    # Not anchored yet (the batch window has not closed): pending, never a silent pass.
    assert checks["anchor"] is None
    assert "pending" in next(c["detail"] for c in report["checks"] if c["name"] == "anchor")
    # Capabilities still to come are reported as not checked, never as passed.
    for name in ("status", "holder_binding"):
        assert checks[name] is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_anchored_credential_reports_block_and_time(
    node: RunningNode, issued: dict[str, Any], fmt: str
) -> None:
    runtime = node.client.app.state.runtime  # type: ignore[attr-defined]
    assert runtime.anchor_worker().run_once(force=True) == len(FORMATS)
    runtime.ledger_rounds().run_once()  # publish and anchor the status lists' first versions
    report = _verify(node, issued[fmt])
    anchor = next(c for c in report["checks"] if c["name"] == "anchor")
    assert anchor["ok"] is True, report
    assert "block" in anchor["detail"]
    status = next(c for c in report["checks"] if c["name"] == "status")
    assert status["ok"] is True, report
    assert "not yet anchored" not in status["detail"]
    assert report["verified"] is True


@pytest.mark.parametrize("fmt", FORMATS[:2])
def test_tampered_data_integrity_credential_fails_signature(
    node: RunningNode, issued: dict[str, Any], fmt: str
) -> None:
    tampered = copy.deepcopy(issued[fmt])
    tampered["credentialSubject"]["creditsEarned"] = 30.0
    report = _verify(node, tampered)
    assert report["verified"] is False
    assert _checks(report)["signature"] is False


def test_tampered_jwt_fails_signature(node: RunningNode, issued: dict[str, Any]) -> None:
    header, payload, signature = issued["jwt_vc_json"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["vc"]["credentialSubject"]["givenName"] = "Mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    report = _verify(node, f"{header}.{forged}.{signature}")
    assert _checks(report)["signature"] is False
    assert report["verified"] is False


def test_missing_element_is_named(node: RunningNode, issued: dict[str, Any]) -> None:
    stripped = copy.deepcopy(issued["ldp_vc+eddsa-jcs-2022"])
    del stripped["credentialSubject"]["achievement"]["learningOutcome"]
    report = _verify(node, stripped)
    element_check = next(c for c in report["checks"] if c["name"] == "elements")
    assert element_check["ok"] is False
    assert "learningOutcomes" in element_check["detail"]


def test_a_credential_without_its_level_misses_an_eu_element(
    node: RunningNode, issued: dict[str, Any]
) -> None:
    """Issue 11, item 15: the level is the eleventh mandatory element."""
    stripped = copy.deepcopy(issued["ldp_vc+eddsa-jcs-2022"])
    achievement = stripped["credentialSubject"]["achievement"]
    for key in ("EQFLevel", "qfEheaCycle", "nqfLevel"):
        achievement.pop(key, None)
    element_check = next(c for c in _verify(node, stripped)["checks"] if c["name"] == "elements")
    assert element_check == {
        "name": "elements",
        "ok": False,
        "detail": "missing EU elements: level",
    }


@pytest.fixture
def any_level(tmp_path: Path, database_url: str) -> Iterator[RunningNode]:
    """A node whose profile does not require the EQF level."""
    profile = {"requiredElements": []}  # as in config.toml's [profile]
    running = start_node(make_settings(tmp_path / "data", database_url, profile=profile))
    with running.client:
        yield running
    running.runtime.close()


def test_a_national_level_alone_is_the_level_in_every_format(any_level: RunningNode) -> None:
    claims = example_claims(4)
    claims["level"] = {"nqf": "MECES 2"}
    response = any_level.client.post(
        "/admin/credentials",
        json={"claims": claims, "formats": [*FORMATS, "dc+sd-jwt"]},
        headers=any_level.auth(),
    )
    assert response.status_code == 201, response.text
    for copy_ in response.json()["credentials"]:
        checks = _checks(_verify(any_level, copy_["credential"]))
        assert checks["elements"] is True, (copy_["format"], checks)


def test_unknown_issuer_fails_issuer_key(node: RunningNode, issued: dict[str, Any]) -> None:
    foreign = copy.deepcopy(issued["ldp_vc+eddsa-rdfc-2022"])
    foreign["issuer"]["id"] = "did:web:diploma-mill.example"
    foreign["proof"]["verificationMethod"] = "did:web:diploma-mill.example#ed25519-1"
    report = _verify(node, foreign)
    assert _checks(report)["issuer_key"] is False
    assert _checks(report)["membership"] is False
    assert report["verified"] is False


def test_not_yet_valid_credential_fails_validity(node: RunningNode, issued: dict[str, Any]) -> None:
    future = copy.deepcopy(issued["ldp_vc+eddsa-jcs-2022"])
    future["validFrom"] = "2999-01-01T00:00:00Z"
    assert _checks(_verify(node, future))["validity"] is False


@pytest.mark.parametrize("bad", ["not-a-jwt", "a.b", 42, [1], "x.y.z"])
def test_input_that_is_no_credential_is_422(node: RunningNode, bad: Any) -> None:
    response = node.client.post("/api/verify", json={"credential": bad})
    assert response.status_code == 422, response.text
    assert response.json()["error"] in {"invalid_input", "invalid_credential"}
