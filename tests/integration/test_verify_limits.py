"""Issue 11, item 1: the work one verification may cost is bounded before anything costly
runs — proofs per credential, credentials per presentation, disclosures per SD-JWT, JSON
depth and size —, RDF canonicalisation is bounded, and each request has a deadline."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from node.credentials.examples import example_claims
from tests.conftest import RunningNode, make_settings, start_node

FORMATS = ["ldp_vc+eddsa-rdfc-2022", "ldp_vc+eddsa-jcs-2022", "dc+sd-jwt"]


@pytest.fixture
def issued(node: RunningNode) -> dict[str, Any]:
    response = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(12), "formats": FORMATS},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    return {c["format"]: c["credential"] for c in response.json()["credentials"]}


def _refused(node: RunningNode, credential: Any, element: str, setting: str) -> dict[str, Any]:
    started = time.monotonic()
    response = node.client.post("/api/verify", json={"credential": credential})
    assert time.monotonic() - started < 2, "refused only after the costly steps"
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == "limit_exceeded", body
    (problem,) = body["problems"]
    assert problem["element"] == element and setting in problem["reason"], body
    return body


def test_a_proof_repeated_a_thousand_times_is_refused_at_once(
    node: RunningNode, issued: dict[str, Any]
) -> None:
    """The report's attack: 307 kB, 13–53 s of work, and it came back valid."""
    flood = copy.deepcopy(issued["ldp_vc+eddsa-rdfc-2022"])
    flood["proof"] = [flood["proof"]] * 1000
    body = _refused(node, flood, "credential.proof", "CREDREG_VERIFY_MAX_PROOFS")
    assert "1000 proofs: at most 4" in body["message"]


def test_a_proof_set_within_the_limit_is_verified(
    node: RunningNode, issued: dict[str, Any]
) -> None:
    credential = copy.deepcopy(issued["ldp_vc+eddsa-jcs-2022"])
    credential["proof"] = [credential["proof"]] * 4  # the same proof four times: a valid set
    response = node.client.post("/api/verify", json={"credential": credential})
    assert response.status_code == 200, response.text
    checks = {c["name"]: c for c in response.json()["checks"]}
    assert checks["signature"]["ok"] is True, checks["signature"]


def test_too_many_credentials_in_a_presentation(node: RunningNode, issued: dict[str, Any]) -> None:
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [issued["ldp_vc+eddsa-jcs-2022"]] * 11,
    }
    body = _refused(
        node, presentation, "credential.verifiableCredential", "CREDREG_VERIFY_MAX_CREDENTIALS"
    )
    assert "11 credentials: at most 10" in body["message"]
    # ... and inside a presentation, each credential's own proofs are counted too
    flood = copy.deepcopy(issued["ldp_vc+eddsa-rdfc-2022"])
    flood["proof"] = [flood["proof"]] * 5
    presentation["verifiableCredential"] = [flood]
    _refused(
        node, presentation, "credential.verifiableCredential[0].proof", "CREDREG_VERIFY_MAX_PROOFS"
    )


def test_too_many_disclosures(node: RunningNode, issued: dict[str, Any]) -> None:
    token = issued["dc+sd-jwt"]
    jwt, *disclosures, _end = token.split("~")
    flooded = "~".join([jwt, *(disclosures * 20), ""])
    assert len(disclosures) * 20 > 64
    _refused(node, flooded, "credential.disclosures", "CREDREG_VERIFY_MAX_DISCLOSURES")


def test_too_deep_and_too_large(node: RunningNode, issued: dict[str, Any]) -> None:
    deep = copy.deepcopy(issued["ldp_vc+eddsa-rdfc-2022"])
    nested: Any = "x"
    for _ in range(30):
        nested = {"a": nested}
    deep["credentialSubject"]["note"] = nested
    _refused(node, deep, "credential", "CREDREG_VERIFY_MAX_DEPTH")
    large = copy.deepcopy(issued["ldp_vc+eddsa-rdfc-2022"])
    outcome = large["credentialSubject"]["achievement"]["learningOutcome"][0]
    large["credentialSubject"]["achievement"]["learningOutcome"] = [outcome] * 1000
    body = _refused(node, large, "credential", "CREDREG_VERIFY_MAX_VALUES")
    assert "more than 2000 JSON values" in body["message"]


def test_a_body_nested_far_too_deeply_is_a_clear_4xx(node: RunningNode) -> None:
    depth = 50_000  # the JSON parser itself gives up: once a crash of the whole process
    body = '{"credential": ' + '{"a":' * depth + "1" + "}" * depth + "}"
    response = node.client.post(
        "/api/verify", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert "nested far too deeply" in response.json()["message"]
    text = '{"a":' * depth + "1" + "}" * depth
    form = node.client.post("/verify", data={"credential": text})
    assert form.status_code == 422 and "nested far too deeply" in form.text


def _poisoned(credential: dict[str, Any], twins: int) -> dict[str, Any]:
    """The credential with two identical achievements of ``twins`` identical outcomes each:
    blank nodes no first-degree hash tells apart, whose RDFC-1.0 canonicalisation is
    exponential (10 twins: about an hour in pyld, minutes in pyoxigraph)."""
    poisoned = copy.deepcopy(credential)
    achievement = poisoned["credentialSubject"]["achievement"]
    outcome = {"type": "LearningOutcome", "title": "the same"}
    twin = {k: v for k, v in achievement.items() if k != "id"}
    twin["learningOutcome"] = [dict(outcome) for _ in range(twins)]
    poisoned["credentialSubject"]["achievement"] = [twin, copy.deepcopy(twin)]
    return poisoned


def test_a_poison_graph_is_stopped_by_the_canonicalisation_limit(
    node: RunningNode, issued: dict[str, Any]
) -> None:
    poisoned = _poisoned(issued["ldp_vc+eddsa-rdfc-2022"], twins=10)
    started = time.monotonic()
    response = node.client.post("/api/verify", json={"credential": poisoned})
    assert time.monotonic() - started < 5
    assert response.status_code == 200, response.text
    signature = next(c for c in response.json()["checks"] if c["name"] == "signature")
    assert signature["ok"] is False and "deep iterations" in signature["detail"], signature


@pytest.fixture
def hurried(tmp_path: Path, database_url: str) -> Iterator[RunningNode]:
    settings = make_settings(tmp_path / "data", database_url, verify_deadline_seconds=1e-9)
    running = start_node(settings)
    with running.client:
        yield running
    running.runtime.close()


def test_a_verification_past_its_deadline_is_503(hurried: RunningNode) -> None:
    response = hurried.client.post(
        "/admin/credentials",
        json={"claims": example_claims(2), "formats": ["ldp_vc+eddsa-rdfc-2022"]},
        headers=hurried.auth(),
    )
    assert response.status_code == 201, response.text
    credential = response.json()["credentials"][0]["credential"]
    answer = hurried.client.post("/api/verify", json={"credential": credential})
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"] == "verification_timeout"
    assert "CREDREG_VERIFY_DEADLINE_SECONDS" in answer.json()["message"]
    page = hurried.client.post("/verify", data={"credential": json.dumps(credential)})
    assert page.status_code == 503 and "CREDREG_VERIFY_DEADLINE_SECONDS" in page.text
    assert page.headers["content-type"].startswith("text/html")
