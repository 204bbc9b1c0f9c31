"""Request and response bodies of the admin API (camelCase on the wire)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from node.credentials.model import Did
from node.credentials.schema import SCHEMA_ID
from node.db.models import CredentialFormat, CredentialRecord, SignedCopy
from node.errors import Problem
from node.issuance.registry import RegistryItem, RegistryPage
from node.issuance.service import IssueOutcome
from node.issuance.signing import SignedCopyData


class Wire(BaseModel):
    """camelCase on the wire, unknown fields refused: the admin API's bodies."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class IssueIn(Wire):
    claims: dict[str, Any] = Field(
        description=f"The micro-credential's elements; JSON Schema at {SCHEMA_ID}"
    )
    subject_id: Did | None = Field(
        default=None,
        description="The learner's DID (did:key / did:jwk), when known; the subject of every "
        "copy (a dc+sd-jwt copy binds its key, so it needs a did:key or did:jwk)",
    )
    idempotency_key: str | None = Field(
        default=None,
        max_length=200,
        description="Repeating a request with the same key never issues twice (a replay "
        "answers the original record; other claims under the same key: 409)",
    )
    formats: list[CredentialFormat] = Field(
        default=[CredentialFormat.LDP_RDFC], min_length=1, description="Signed copies to make"
    )
    issue: bool = Field(
        default=True,
        description="false: store the record as `prepared` for approval, sign nothing yet",
    )
    catalogue_entry: str | None = Field(
        default=None,
        max_length=1000,
        description="Issue for a published version of this institution's catalogue (its URL, "
        "`{origin}/catalogue/{id}/versions/{n}`): the course's elements come from it (title, "
        "outcomes, workload, level, assessment, participation, languages, …; achievementId "
        "is the URL) and `claims` carries the rest only — learner, dateOfIssuing, grade, "
        "gradingStandard, awardingBodies, qualityAssurance (docs/catalogue.md)",
    )


class IssueRecordIn(Wire):
    formats: list[CredentialFormat] = Field(default=[CredentialFormat.LDP_RDFC], min_length=1)


class BatchIn(Wire):
    items: list[IssueIn] = Field(min_length=1, max_length=10_000)
    formats: list[CredentialFormat] = Field(default=[CredentialFormat.LDP_RDFC], min_length=1)


class CopyOut(Wire):
    format: CredentialFormat
    credential: Any = Field(
        description="JSON-LD object, compact JWS for jwt_vc_json, SD-JWT for dc+sd-jwt"
    )
    leaf_digest: str = Field(
        description="Hex SHA-256 anchoring leaf (docs/architecture.md, Anchoring)"
    )

    @classmethod
    def of(cls, fmt: str, content: str, digest: str) -> CopyOut:
        compact = (CredentialFormat.JWT_VC_JSON, CredentialFormat.SD_JWT_VC)
        body: Any = content if fmt in compact else json.loads(content)
        return cls(format=CredentialFormat(fmt), credential=body, leaf_digest=digest)


class RecordOut(Wire):
    id: str
    state: str
    idempotency_key: str | None
    subject_id: str | None
    created_at: datetime
    issued_at: datetime | None
    credentials: list[CopyOut] = []

    @classmethod
    def of(
        cls,
        record: CredentialRecord,
        copies: list[SignedCopy] | list[SignedCopyData] = (),  # type: ignore[assignment]
    ) -> RecordOut:
        return cls(
            id=record.id,
            state=record.state,
            idempotency_key=record.idempotency_key,
            subject_id=record.subject_id,
            created_at=record.created_at,
            issued_at=record.issued_at,
            credentials=[CopyOut.of(str(c.format), c.content, c.leaf_digest) for c in copies],
        )


class RegistryItemOut(Wire):
    id: str
    state: str
    learner_name: str = Field(description="Given and family name")
    learner_identifier: str = Field(description="e.g. the student number")
    title: dict[str, str] = Field(description="Language tag → title")
    ects: float | None
    created_at: datetime
    issued_at: datetime | None
    created_by: int | None = Field(description="The API token that stored the record")

    @classmethod
    def of(cls, item: RegistryItem) -> RegistryItemOut:
        return cls(**item.__dict__)


class RegistryPageOut(BaseModel):
    """``{"items": [...], "next": ...}``: ``next`` is the cursor of the next page (null: none)."""

    items: list[RegistryItemOut]
    next: str | None

    @classmethod
    def of(cls, page: RegistryPage) -> RegistryPageOut:
        return cls(items=[RegistryItemOut.of(i) for i in page.items], next=page.next)


class ProblemOut(Wire):
    element: str
    reason: str


class BatchItemOut(Wire):
    position: int = Field(description="Index in the array, or line number in the CSV file")
    status: str = Field(
        description="issued | skipped (a replay: the key was issued with the same claims and "
        "subject) | rejected (invalid, the key repeated in this batch, or the key issued with "
        "other claims)"
    )
    record_id: str | None
    problems: list[ProblemOut]
    credentials: list[CopyOut] = []

    @classmethod
    def of(cls, outcome: IssueOutcome) -> BatchItemOut:
        return cls(
            position=outcome.position,
            status=outcome.status,
            record_id=outcome.record_id,
            problems=[ProblemOut(element=p.element, reason=p.reason) for p in outcome.problems],
            credentials=[
                CopyOut.of(c.format.value, c.content, c.leaf_digest) for c in outcome.copies
            ],
        )


class BatchOut(Wire):
    issued: int
    skipped: int
    rejected: int
    items: list[BatchItemOut]


def problem_list(problems: list[Problem]) -> list[ProblemOut]:
    return [ProblemOut(element=p.element, reason=p.reason) for p in problems]
