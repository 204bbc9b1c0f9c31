"""Schemathesis against `credreg serve`'s own OpenAPI document: no input gives a 5xx.

A served node (a real process on PostgreSQL, with its embedded chain) is fuzzed operation
by operation with a bounded, derandomised number of examples — schema-conforming and
schema-violating ones — each sent without a token and with every role's token. Every
answer must be below 500 and match the documented status codes, content types, headers and
bodies (schemathesis' "schema-valid request rejected" and "schema-violating request
accepted" checks are not run: a micro-credential's rules go beyond what JSON Schema says,
and unknown query parameters are ignored, as HTTP allows). PostgreSQL: it refuses more than
SQLite (NUL characters, integers beyond 32 bits).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from node.db.scratch import reset_schema
from tests.e2e.test_serve import Server, init_node

EXAMPLES = 8  # per operation and mode (each sent with 4 tokens): about a minute and a half

ROLES = ("issuer", "admin", "vcapi")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, postgres_server_url: str
) -> Iterator[tuple[Server, dict[str, str]]]:
    reset_schema(postgres_server_url)
    tmp = tmp_path_factory.mktemp("fuzz-node")
    server, tokens = init_node(
        tmp,
        "Fuzz U",
        ROLES,
        database_url=postgres_server_url,
        public_rate_limit="0",  # the fuzzer is one client sending thousands of requests
        vc_api_enabled="true",
    )
    server.start()
    try:
        yield server, tokens
    finally:
        server.stop()


def _schema(server: Server) -> OpenApiSchema:
    document = httpx.get(f"{server.url}/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(document)
    schema.config.update(base_url=server.url)
    return schema


def _fuzz(operation: APIOperation, mode: GenerationMode, headers: list[dict[str, str]]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        for extra in headers:
            case.call_and_validate(headers=extra, timeout=60, checks=CHECKS)

    run()


def test_no_input_gives_a_server_error(served: tuple[Server, dict[str, str]]) -> None:
    server, tokens = served
    headers = [{}, *({"Authorization": f"Bearer {tokens[role]}"} for role in ROLES)]
    failures: list[str] = []
    for result in _schema(server).get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, headers)
            except Unsatisfiable:
                continue  # e.g. no schema-violating input exists for an operation without input
            except (Exception, FailureGroup) as exc:  # every operation's findings
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:3000]}")
    assert not failures, "\n\n".join(failures)
    # Nothing failed unseen either (a 5xx turned into something else, a background error).
    log = server.log.read_text(errors="replace")
    assert "unexpected error" not in log and "Traceback" not in log, log[-5000:]
