"""The published JSON Schema of the micro-credential claims (the issuance input).

Served by the node at :data:`SCHEMA_PATH`; its ``$id`` is :data:`SCHEMA_ID`.
"""

from __future__ import annotations

from typing import Any, Final

from node.credentials.model import MicroCredentialClaims

SCHEMA_ID: Final = "https://w3id.org/credreg/schemas/microcredential/v1.json"
SCHEMA_PATH: Final = "/schemas/microcredential/v1.json"
SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"


def claims_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of :class:`MicroCredentialClaims`, camelCase names.

    A fresh dict on every call (callers may serialise or modify it).
    """
    schema = MicroCredentialClaims.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "EU micro-credential claims",
        **{key: value for key, value in schema.items() if key != "title"},
    }
