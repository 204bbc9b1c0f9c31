"""Public endpoints: health, the institution's DID document, context and schema."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel
from sqlalchemy import text

from node.api.deps import Runtime
from node.api.errors import ErrorOut
from node.credentials.schema import SCHEMA_ID, claims_json_schema
from node.storage import free_space_problem
from vc.jsonld import bundled_contexts

router = APIRouter()

MICROCREDENTIAL_CONTEXT_URL = "https://w3id.org/credreg/contexts/microcredential/v1"


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


@router.get("/healthz", tags=["operations"], summary="Liveness: the process answers")
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    tags=["operations"],
    summary="Readiness: database, institution, keys and free disk space; the chain's health "
    "is reported",
    description="200 `ready`, or 200 `degraded` when only the chain is unreachable (issuing "
    "goes on; anchoring catches up later); 503 `not_ready` otherwise.",
    responses={503: {"model": Readiness, "description": "Not ready; `checks` says why"}},
)
def readyz(runtime: Runtime, response: Response) -> Readiness:
    checks: dict[str, str] = {}
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        runtime.identity()
        checks["institution"] = "ok"
    except Exception as exc:
        checks["institution"] = f"error: {exc}"
    full = free_space_problem(runtime.storage_paths(), runtime.settings.min_free_disk_bytes)
    checks["storage"] = f"error: {full}" if full else "ok"
    ready = all(v == "ok" for v in checks.values())
    checks["chain"] = runtime.chain_state()
    response.status_code = 200 if ready else 503
    status = "not_ready" if not ready else "ready"
    if ready and checks["chain"].startswith("degraded"):
        status = "degraded"
    return Readiness(status=status, checks=checks)


@router.get(
    "/.well-known/did.json",
    tags=["identity"],
    summary="The institution's did:web DID document",
    responses={503: {"model": ErrorOut, "description": "Institution not initialised"}},
)
def did_document(runtime: Runtime) -> dict[str, Any]:
    return runtime.identity().did_document()


@router.get(
    "/contexts/microcredential/v1",
    tags=["vocabulary"],
    summary=f"The JSON-LD context for the EU elements ({MICROCREDENTIAL_CONTEXT_URL})",
    response_class=Response,
    responses={200: {"content": {"application/ld+json": {"schema": {"type": "object"}}}}},
)
def microcredential_context() -> Response:
    body = json.dumps(bundled_contexts()[MICROCREDENTIAL_CONTEXT_URL], indent=1)
    return Response(body, media_type="application/ld+json")


@router.get(
    "/schemas/microcredential/v1.json",
    tags=["vocabulary"],
    summary=f"JSON Schema of the micro-credential claims ({SCHEMA_ID})",
)
def microcredential_schema() -> dict[str, Any]:
    return claims_json_schema()
