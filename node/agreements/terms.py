"""What a recognition agreement says (MCX Domain 7, shared/DOMAIN.md "Recognition between
partners"): the parties, the scope, the host's modules open for exchange, the home
programmes they may count towards, the conditions of automatic recognition, the pathway,
the grade conversion, validity and review.

:class:`AgreementTerms` is the document both institutions sign (without its ``proof``); its
JSON Schema is published at :data:`SCHEMA_PATH` (``$id`` :data:`SCHEMA_ID`) and is the one
the node validates with, so the two cannot drift. :class:`ProposalIn` is what a node's
staff write: the node adds the document's identity (``id``, ``agreement``, ``version``,
``parties``, ``previousVersion``).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Final, Literal, Self

from pydantic import Field, Strict, StringConstraints, model_validator

from node.credentials.model import (
    Did,
    IdType,
    LangMap,
    ShortText,
    StrictModel,
    Uri,
    element_error,
)

SCHEMA_ID: Final = "https://w3id.org/credreg/schemas/agreement/v1.json"
SCHEMA_PATH: Final = "/schemas/agreement/v1.json"
SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
DOCUMENT_TYPE: Final = "RecognitionAgreement"

Digest = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{64}$"),
    Field(description="SHA-256 (hex) of the RFC 8785 (JCS) form of a document."),
]
AgreementDate = Annotated[date, Strict(False)]
Ects = Annotated[float, Field(gt=0, le=240, description="ECTS credits.")]


class ScopeLevel(StrEnum):
    INSTITUTION = "institution"
    FACULTY = "faculty"
    PROGRAMME = "programme"


class Pathway(StrEnum):
    """How the recognised modules count (MCX Domain 7): open (any programme of the scope),
    elective (as electives of the programmes named) or rigid (in place of named modules)."""

    OPEN = "open"
    ELECTIVE = "elective"
    RIGID = "rigid"


class ConversionMethod(StrEnum):
    ECTS_GRADING_TABLE = "ects-grading-table"
    MAPPING = "mapping"


class Scope(StrictModel):
    level: Annotated[ScopeLevel, Strict(False)]
    name: LangMap | None = Field(
        None, description="The faculty or programme, when not the whole institution."
    )

    @model_validator(mode="after")
    def _named(self) -> Self:
        if self.level is not ScopeLevel.INSTITUTION and self.name is None:
            raise element_error("scope", "a faculty or programme scope needs its name")
        return self


class Module(StrictModel):
    """A host's module open for exchange: a published catalogue entry version."""

    offered_by: Did = Field(alias="offeredBy", description="The party offering it (a DID).")
    entry: Uri = Field(description="The catalogue entry version's URL.")
    digest: Digest = Field(description="Its document's digest, as anchored by its institution.")
    title: LangMap | None = None
    ects: Ects | None = None


class Programme(StrictModel):
    """A home programme the modules may count towards."""

    institution: Did = Field(description="The party whose programme it is (a DID).")
    id: ShortText = Field(description="The programme's code at its institution.")
    title: LangMap


class Conditions(StrictModel):
    """What must hold for automatic recognition; otherwise a person decides."""

    passing_grade: bool = Field(
        True, alias="passingGrade", description="The credential records a pass."
    )
    min_ects: Ects | None = Field(None, alias="minEcts")
    max_age_months: Annotated[int, Field(ge=1, le=600)] | None = Field(
        None, alias="maxAgeMonths", description="At most this old when recognition is asked."
    )
    supervised_assessment: bool = Field(
        False, alias="supervisedAssessment", description="The assessment was supervised."
    )
    identity_checked: bool = Field(
        False, alias="identityChecked", description="The learner's identity was verified."
    )


class GradeRow(StrictModel):
    grade: ShortText
    percentage: Annotated[float, Field(ge=0, le=100)]


class GradeConversion(StrictModel):
    """ECTS grading tables (each party's grades with the share of passing learners who get
    them, ECTS Users' Guide 2015) or a direct mapping from the host's to the home's grades."""

    method: Annotated[ConversionMethod, Strict(False)]
    mapping: dict[ShortText, ShortText] | None = Field(None, max_length=200)
    tables: dict[Did, list[GradeRow]] | None = Field(None, max_length=2)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.method is ConversionMethod.MAPPING and not self.mapping:
            raise element_error("gradeConversion", "a mapping conversion needs its mapping")
        if self.method is ConversionMethod.ECTS_GRADING_TABLE and not self.tables:
            raise element_error("gradeConversion", "a grading-table conversion needs tables")
        return self


class _Body(StrictModel):
    """The terms staff agree on, in both the proposal and the document."""

    title: LangMap
    scope: Scope
    modules: list[Module] = Field(min_length=1, max_length=500)
    programmes: list[Programme] = Field(min_length=1, max_length=200)
    conditions: Conditions
    pathway: Annotated[Pathway, Strict(False)]
    grade_conversion: GradeConversion = Field(alias="gradeConversion")
    valid_from: AgreementDate = Field(alias="validFrom")
    valid_until: AgreementDate = Field(alias="validUntil")
    review_date: AgreementDate | None = Field(None, alias="reviewDate")
    ended: bool = Field(False, description="This version ends the agreement.")

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.valid_until <= self.valid_from:
            raise element_error("validUntil", "must be after validFrom")
        if self.review_date is not None and not (
            self.valid_from <= self.review_date <= self.valid_until
        ):
            raise element_error("reviewDate", "must lie within validFrom and validUntil")
        return self


class _Proposal(StrictModel):
    """What a proposal adds to the terms: the partner, or the agreement amended."""

    partner: Did | None = Field(None, description="The partner institution's DID (a member).")
    amends: Uri | None = Field(
        None, description="The agreement (its URL) this new version amends or ends."
    )

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.partner is None) == (self.amends is None):
            raise element_error("partner", "name either the partner or the agreement amended")
        return self


class ProposalIn(_Proposal, _Body):
    """A proposal as staff write it: the terms and the partner (or the agreement amended)."""


class Party(StrictModel):
    id: Did


class PreviousVersion(StrictModel):
    id: Uri
    digest: Digest


class _Identity(StrictModel):
    """What the proposing node adds: the document's identity and its parties."""

    id: Uri = Field(description="This version's URL: {agreement}/versions/{version}.")
    agreement: Uri = Field(description="The agreement's URL, on the node that proposed it.")
    version: Annotated[int, Field(ge=1)]
    previous_version: PreviousVersion | None = Field(None, alias="previousVersion")
    parties: list[Party] = Field(min_length=2, max_length=2)

    def _named(self) -> set[str]:
        """The institutions the terms name (each must be a party)."""
        return set()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        dids = [party.id for party in self.parties]
        if dids[0] == dids[1]:
            raise element_error("parties", "the two parties must differ")
        if self.id != f"{self.agreement}/versions/{self.version}":
            raise element_error("id", "must be {agreement}/versions/{version}")
        if (self.version == 1) != (self.previous_version is None):
            raise element_error(
                "previousVersion", "a later version names its previous version; the first not"
            )
        if outsiders := sorted(self._named() - set(dids)):
            raise element_error("parties", f"{outsiders[0]} is not a party")
        return self

    @property
    def dids(self) -> tuple[str, str]:
        return self.parties[0].id, self.parties[1].id


class AgreementTerms(_Identity, _Body):
    """The agreement's document without its proofs: what both parties sign."""

    schema_: Literal["https://w3id.org/credreg/schemas/agreement/v1.json"] = Field(
        SCHEMA_ID, alias="$schema"
    )
    type: Literal["RecognitionAgreement"]

    def _named(self) -> set[str]:
        named = {m.offered_by for m in self.modules} | {p.institution for p in self.programmes}
        return named | set(self.grade_conversion.tables or {})


# -- learning agreements (before a mobility) ---------------------------------------------------

LEARNING_SCHEMA_ID: Final = "https://w3id.org/credreg/schemas/learning-agreement/v1.json"
LEARNING_SCHEMA_PATH: Final = "/schemas/learning-agreement/v1.json"
LEARNING_TYPE: Final = "LearningAgreement"


class LearnerRef(StrictModel):
    """The learner, as the home institution knows them (its identifier)."""

    given_name: ShortText = Field(alias="givenName")
    family_name: ShortText = Field(alias="familyName")
    identifier: ShortText = Field(description="Their identifier at the home institution.")
    identifier_type: Annotated[IdType, Strict(False)] = Field(alias="identifierType")


class Mobility(StrictModel):
    start: AgreementDate
    end: AgreementDate

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise element_error("mobility.end", "must not be before its start")
        return self


class _LearningBody(StrictModel):
    """What a learning agreement says: who goes where for which modules, towards which
    programme at home, and under which recognition agreement (``framework``)."""

    title: LangMap
    learner: LearnerRef
    programme: Programme
    modules: list[Module] = Field(min_length=1, max_length=50)
    mobility: Mobility
    framework: Uri | None = Field(
        None, description="The recognition agreement (a version's URL) the modules count under."
    )
    valid_from: AgreementDate = Field(alias="validFrom")
    valid_until: AgreementDate = Field(alias="validUntil")
    ended: bool = Field(False, description="This version ends the learning agreement.")

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.valid_until <= self.valid_from:
            raise element_error("validUntil", "must be after validFrom")
        if self.valid_until < self.mobility.end:
            raise element_error("validUntil", "must not end before the mobility")
        return self


class LearningProposalIn(_Proposal, _LearningBody):
    """A learning agreement as the home institution's staff write it."""

    type: Literal["LearningAgreement"]


class LearningAgreementTerms(_Identity, _LearningBody):
    """A learning agreement's document without its proofs: what home and host sign; the
    learner accepts it in the home institution's portal."""

    schema_: Literal["https://w3id.org/credreg/schemas/learning-agreement/v1.json"] = Field(
        LEARNING_SCHEMA_ID, alias="$schema"
    )
    type: Literal["LearningAgreement"]

    def _named(self) -> set[str]:
        return {m.offered_by for m in self.modules} | {self.programme.institution}


Terms = AgreementTerms | LearningAgreementTerms


BODY_FIELDS: Final = tuple(field.alias or name for name, field in _Body.model_fields.items())


def agreement_of(version_url: str) -> str:
    """The agreement's URL, from one of its versions' (``{agreement}/versions/{n}``)."""
    return version_url.rsplit("/versions/", 1)[0]


def agreement_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of :class:`AgreementTerms` (a fresh dict each call)."""
    title = "Recognition agreement between members of a micro-credential network"
    return document_schema(AgreementTerms, SCHEMA_ID, title)


def learning_agreement_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of :class:`LearningAgreementTerms`."""
    title = "Learning agreement for a mobility between members of a micro-credential network"
    return document_schema(LearningAgreementTerms, LEARNING_SCHEMA_ID, title)


def document_schema(model: type[StrictModel], schema_id: str, title: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a document's model, as published: ``$id``, title."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": schema_id,
        "title": title,
        **{key: value for key, value in schema.items() if key != "title"},
    }
