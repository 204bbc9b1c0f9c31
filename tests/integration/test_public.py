"""Health, readiness, the DID document, the context, the schema and the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from node.app import create_app
from tests.conftest import RunningNode, make_settings
from vc.did import StaticDidResolver
from vc.jsonld import expand_strict


def test_health_and_readiness(node: RunningNode) -> None:
    assert node.client.get("/healthz").json() == {"status": "ok"}
    ready = node.client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["institution"] == "ok"
    assert "chain" in body["checks"]


def test_not_ready_before_init(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'n.db'}")
    with TestClient(create_app(settings)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "credreg init" in ready.json()["checks"]["institution"]
        did = client.get("/.well-known/did.json")
        assert did.status_code == 503
        assert did.json()["error"] == "not_initialised"


def test_did_document_resolves_the_signing_keys(node: RunningNode) -> None:
    document = node.client.get("/.well-known/did.json").json()
    assert document["id"] == "did:web:uni-a.example"
    expand_strict(document)
    resolver = StaticDidResolver({document["id"]: document})
    for fragment in ("#ed25519-1", "#p256-1"):
        key = resolver(document["id"] + fragment)
        assert key.controller == document["id"]
        assert key.purposes is not None and "assertionMethod" in key.purposes


def test_context_and_schema_are_published(node: RunningNode) -> None:
    context = node.client.get("/contexts/microcredential/v1")
    assert context.status_code == 200
    assert context.headers["content-type"].startswith("application/ld+json")
    assert "@context" in context.json()
    schema = node.client.get("/schemas/microcredential/v1.json").json()
    assert schema["$id"] == "https://w3id.org/credreg/schemas/microcredential/v1.json"
    assert "learningOutcomes" in schema["required"]


def test_openapi_describes_every_endpoint_and_its_errors(node: RunningNode) -> None:
    spec = node.client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
            if path.startswith("/admin"):
                for status in ("401", "403", "422"):
                    assert status in operation["responses"], f"{method} {path} lacks {status}"


def test_unknown_path_is_a_json_404(node: RunningNode) -> None:
    response = node.client.get("/nope")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
