"""Admin API: the institution's details, and correcting them (name, country, legal status)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field, model_validator

from node.api.deps import AdminToken, Runtime
from node.api.errors import ERROR_RESPONSES
from node.api.schemas import Wire
from node.credentials.model import CountryCode, Legal
from node.db.models import Institution
from node.setup import FIXED, FIXED_REASON, current_institution

router = APIRouter(prefix="/admin", tags=["institution"], responses=ERROR_RESPONSES)


class InstitutionOut(Wire):
    name: str
    country: str = Field(description="ISO 3166-1 alpha-2")
    legal_status: str
    origin: str = Field(description="Fixed: the DID is derived from it")
    did: str
    qa_type: str = Field(description="Registered on chain with the membership")
    deqar_id: str

    @classmethod
    def of(cls, row: Institution) -> InstitutionOut:
        return cls(
            name=row.name,
            country=row.country,
            legal_status=row.legal_status,
            origin=row.origin,
            did=row.did,
            qa_type=row.qa_type,
            deqar_id=row.deqar_id,
        )


class InstitutionPatchIn(Wire):
    """Only what is given changes; origin and DID cannot."""

    name: str | None = Field(default=None, min_length=1, max_length=300)
    country: CountryCode | None = None
    legal_status: Legal | None = None

    @model_validator(mode="before")
    @classmethod
    def _fixed(cls, data: Any) -> Any:
        if isinstance(data, dict) and FIXED & data.keys():
            raise ValueError(f"{', '.join(sorted(FIXED & data.keys()))} {FIXED_REASON}")
        return data


@router.get("/institution", summary="The institution's details")
def get_institution(runtime: Runtime, _token: AdminToken) -> InstitutionOut:
    return InstitutionOut.of(current_institution(runtime.sessions))


@router.patch(
    "/institution",
    summary="Correct the institution's name, country or legal status",
    description="Credentials issued from now on carry the new details; the origin and the "
    "did:web DID derived from it never change.",
)
def patch_institution(
    body: InstitutionPatchIn, runtime: Runtime, _token: AdminToken
) -> InstitutionOut:
    changes = body.model_dump(by_alias=True, exclude_none=True, mode="json")
    return InstitutionOut.of(runtime.update_institution(changes))
