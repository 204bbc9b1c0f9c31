"""What a catalogue entry says: the learning-opportunity description of DP 6.1
(shared/DOMAIN.md, "Learning-opportunity description"), with the claims' types.

A version's content is a :class:`CatalogueContent`; its JSON names are camelCase, like the
credential claims (node/credentials/model.py), and several parts are the claims' own
(learning outcomes, workload, costs), so a credential issued from an entry takes them as
they are.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, Strict, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from node.credentials.model import (
    Assessment,
    Costs,
    IscedFCode,
    IsoDuration,
    LangMap,
    LanguageCode,
    LearningOutcome,
    ModalityCode,
    Participation,
    ShortText,
    StrictModel,
    Supervision,
    Target,
    Uri,
    Workload,
)


class StudyForm(StrEnum):
    """Form of study."""

    FULL_TIME = "full-time"
    PART_TIME = "part-time"


class Delivery(StrEnum):
    """Delivery type (DP 6.1)."""

    MENTORED = "mentored"
    SELF_LEARNING = "self-learning"


class AssessedBy(StrEnum):
    TEACHER = "teacher"
    AUTOMATIC = "automatic"


FormCode = Annotated[StudyForm, Strict(False)]
DeliveryCode = Annotated[Delivery, Strict(False)]
AssessedByCode = Annotated[AssessedBy, Strict(False)]
CatalogueDate = Annotated[date, Strict(False)]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class CatalogueContent(StrictModel):
    """One version of a learning opportunity, as the institution publishes it."""

    title: LangMap = Field(description="Title of the learning opportunity.")
    abstract: LangMap = Field(description="Abstract: what the course is about.")
    field_of_study: IscedFCode = Field(description="ISCED-F 2013 field of study.")
    eqf_level: Annotated[int, Field(ge=1, le=8)] = Field(description="EQF level (1-8).")
    workload: Workload = Field(description="ECTS credits and/or certified hours.")
    languages: list[LanguageCode] = Field(
        min_length=1, max_length=10, description="Language(s) of instruction."
    )
    participation_form: Participation = Field(description="Mode of study: online, on site, …")
    learning_outcomes: list[LearningOutcome] = Field(
        min_length=1, max_length=100, description="Learning outcomes (ESCO skills if possible)."
    )
    assessment_types: list[Assessment] = Field(
        min_length=1, max_length=10, description="Assessment methods."
    )
    free_start: bool = Field(default=False, description="Learners may start at any time.")
    start_date: CatalogueDate | None = Field(default=None, description="First day of learning.")
    end_date: CatalogueDate | None = Field(default=None, description="Last day of learning.")
    cycle: ShortText | None = Field(
        default=None, description="The semester or cycle this version describes (DP 6.2)."
    )

    faculty: LangMap | None = Field(default=None, description="Faculty or department.")
    teachers: list[ShortText] = Field(default_factory=list, max_length=50)
    short_bio: LangMap | None = Field(default=None, description="Short bio of the teachers.")
    academic_hours: Annotated[float, Field(gt=0, le=10_000)] | None = Field(
        default=None, description="Academic hours."
    )
    estimated_duration: IsoDuration | None = Field(default=None, description="e.g. `P6W`.")
    target_groups: list[Target] = Field(default_factory=list, max_length=10)
    target_group_description: LangMap | None = Field(default=None)
    entry_requirements: LangMap | None = Field(default=None)
    form_of_study: FormCode | None = Field(default=None)
    modality: list[ModalityCode] = Field(default_factory=list, max_length=10)
    keywords: list[Keyword] = Field(default_factory=list, max_length=30)
    costs: Costs | None = Field(default=None, description="Price.")
    pedagogical_approach: LangMap | None = Field(default=None)
    main_topics: LangMap | None = Field(default=None)
    delivery: DeliveryCode | None = Field(default=None, description="Mentored or self-learning.")
    learning_hours_distribution: LangMap | None = Field(default=None)
    assessment_description: LangMap | None = Field(
        default=None, description="Assessment strategy and methods."
    )
    assessed_by: AssessedByCode | None = Field(default=None)
    supervision_verification: Supervision | None = Field(
        default=None, description="Learner authentication / ID verification."
    )
    credentials_issued: LangMap | None = Field(
        default=None, description="The credentials that will be issued."
    )
    credential_requirements: LangMap | None = Field(
        default=None, description="What a learner must do to receive them."
    )
    stackable_towards: list[Uri] = Field(
        default_factory=list, max_length=20, description="Stackability links."
    )
    industry_support: LangMap | None = Field(default=None)
    homepage: Uri | None = Field(default=None, description="The course's own page.")

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if not self.free_start and self.start_date is None:
            raise _element("startDate", "give a start date, or free start")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise _element("endDate", "before the start date")
        return self


def _element(element: str, reason: str) -> PydanticCustomError:
    """An error naming its element (node/credentials/profile.py turns it into a Problem)."""
    return PydanticCustomError(
        "element", "{element}: {reason}", {"element": element, "reason": reason}
    )
