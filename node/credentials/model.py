"""The micro-credential claims an institution submits (the input of issuance).

Every element of the EU Council Recommendation (2022, Annex II) — mandatory and optional —,
the MicroCredX additions (MCX D7) and the learning-platform exports (DigiProf 5.2). The JSON
names are camelCase; the JSON Schema generated from these models is published (see
:mod:`node.credentials.schema`), so every field carries its documentation.

Validation is strict (no silent coercion of ``"5"`` to ``5``, unknown fields rejected); only
dates (ISO 8601 strings) and vocabulary codes (their string values) are converted. Rules that
are per-institution configuration (ECTS range, allowed EQF levels, additionally required
elements) are *not* here but in :mod:`node.credentials.profile`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Final, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from node.credentials import vocab

# ---- reusable field types ------------------------------------------------------------------

LangTag = Annotated[
    str,
    StringConstraints(pattern=vocab.LANG_TAG_PATTERN),
    Field(description="A well-formed BCP 47 language tag, e.g. `en`, `de`, `pt-BR`."),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
LangMap = Annotated[
    dict[LangTag, Text],
    Field(
        min_length=1,
        max_length=30,
        description="Multilingual text: BCP 47 language tag → text, at least one entry; it "
        "should contain the credential's primary language.",
        examples=[{"en": "Data literacy", "de": "Datenkompetenz"}],
    ),
]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _parse_date(value: Any) -> Any:
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("date_invalid", "not a valid calendar date") from None
    return value


# Plausible dates: nobody alive was born before 1900, and no credential is issued (or person
# born) in the future. One day of slack: the institution's "today" may be ahead of UTC's.
EARLIEST_DATE: Final = date(1900, 1, 1)
_FUTURE_SLACK: Final = timedelta(days=1)


def latest_plausible_date() -> date:
    """The latest date of issuing (or birth) accepted today."""
    return datetime.now(UTC).date() + _FUTURE_SLACK


def _plausible(value: date) -> date:
    if value < EARLIEST_DATE:
        raise PydanticCustomError("date_implausible", "before 1900-01-01: not a plausible date")
    if value > latest_plausible_date():
        raise PydanticCustomError("date_implausible", "in the future: not a plausible date")
    return value


PlausibleDate = Annotated[
    date,
    BeforeValidator(_parse_date),
    AfterValidator(_plausible),
    Field(description="ISO 8601 `YYYY-MM-DD`, from 1900-01-01 to today (UTC) plus one day."),
]

CountryCode = Annotated[
    str,
    AfterValidator(vocab.normalise_country),
    Field(
        json_schema_extra={"enum": sorted([*vocab.COUNTRIES, *vocab.COUNTRY_ALIASES])},
        description="ISO 3166-1 alpha-2 country code (upper case; `EL` is accepted for Greece).",
    ),
]


def _check_language(code: str) -> str:
    if code not in vocab.LANGUAGES:
        raise PydanticCustomError("language_code", "unsupported ISO 639-1 language code")
    return code


LanguageCode = Annotated[
    str,
    AfterValidator(_check_language),
    Field(
        json_schema_extra={"enum": sorted(vocab.LANGUAGES)},
        description="ISO 639-1 two-letter language code (lower case).",
    ),
]
EscoSkillUri = Annotated[
    str,
    StringConstraints(pattern=vocab.ESCO_SKILL_PATTERN),
    Field(description="ESCO skill URI: `http://data.europa.eu/esco/skill/<uuid>`."),
]
Uri = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$", max_length=2000),
    Field(description="An absolute URI (e.g. `https://…`, `urn:…`, `did:…`)."),
]
DID_PATTERN: Final = r"^did:[a-z0-9]+:[A-Za-z0-9._:%\-]+$"
Did = Annotated[
    str,
    StringConstraints(pattern=DID_PATTERN, max_length=2000),
    Field(description="A decentralized identifier, e.g. `did:key:z6Mk…`."),
]
IscedFCode = Annotated[
    str,
    StringConstraints(pattern=vocab.ISCED_F_PATTERN),
    Field(description="ISCED-F 2013 field code: broad (2 digits), narrow (3) or detailed (4)."),
]
_DURATION = re.compile(r"^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")


def _check_duration(value: str) -> str:
    if not _DURATION.fullmatch(value) or value in ("P", "PT") or value.endswith("T"):
        raise PydanticCustomError("duration", "not an ISO 8601 duration such as P6W or PT40H")
    return value


IsoDuration = Annotated[
    str,
    AfterValidator(_check_duration),
    Field(description="ISO 8601 duration, e.g. `P6W` (six weeks) or `PT125H`."),
]

# Vocabulary codes: accepted as their string values (the enum's ``value``).
Assessment = Annotated[vocab.AssessmentType, Strict(False)]
Participation = Annotated[vocab.ParticipationForm, Strict(False)]
Supervision = Annotated[vocab.SupervisionVerification, Strict(False)]
Target = Annotated[vocab.TargetGroup, Strict(False)]
IntegrationCode = Annotated[vocab.IntegrationOption, Strict(False)]
Grading = Annotated[vocab.GradingStandard, Strict(False)]
Accreditation = Annotated[vocab.AccreditationStatus, Strict(False)]
QaType = Annotated[vocab.QualityAssuranceType, Strict(False)]
Legal = Annotated[vocab.LegalStatus, Strict(False)]
ModalityCode = Annotated[vocab.Modality, Strict(False)]
Setting = Annotated[vocab.LearningSetting, Strict(False)]
Cycle = Annotated[vocab.QfEheaCycle, Strict(False)]
IdType = Annotated[vocab.LearnerIdType, Strict(False)]


class StrictModel(BaseModel):
    """The claims' models: strict types, no unknown fields, camelCase JSON names."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        allow_inf_nan=False,  # JSON has no Infinity; JCS and PostgreSQL refuse it
        frozen=True,
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
        str_max_length=20_000,
        field_title_generator=lambda name, _info: name.replace("_", " ").capitalize(),
    )


# ---- parts ---------------------------------------------------------------------------------


class Learner(StrictModel):
    """Identification of the learner (mandatory element 1; MCX D7 sub-fields)."""

    given_name: ShortText = Field(description="Given name(s) of the learner.")
    family_name: ShortText = Field(description="Family name(s) (surname) of the learner.")
    date_of_birth: PlausibleDate = Field(
        description="Date of birth, ISO 8601 `YYYY-MM-DD`; not in the future."
    )
    identifier: ShortText = Field(
        description="The learner's identifier at the awarding institution (e.g. student "
        "number) or a national identifier, see `identifierType`."
    )
    identifier_type: IdType = Field(
        default=vocab.LearnerIdType.STUDENT_NUMBER, description="What kind of identifier it is."
    )
    did: Did | None = Field(
        default=None,
        description="The learner's DID (wallet); becomes the credential subject's `id`.",
    )


class Address(StrictModel):
    """Postal address of an awarding body."""

    street_address: ShortText | None = Field(default=None, description="Street and number.")
    postal_code: Annotated[str, StringConstraints(max_length=20)] | None = Field(
        default=None, description="Postal code."
    )
    locality: ShortText = Field(description="City / town.")
    region: ShortText | None = Field(default=None, description="Region or state, if any.")
    country: CountryCode = Field(description="Country, ISO 3166-1 alpha-2.")


class AwardingBody(StrictModel):
    """An awarding body (mandatory element 4)."""

    id: Uri | None = Field(
        default=None, description="Identifier of the body: its DID or website URL."
    )
    name: LangMap = Field(description="Official (legal) name of the body.")
    address: Address = Field(description="Address of the body.")
    legal_status: Legal = Field(
        description="Legal status of the provider: public institution, private provider, …"
    )
    deqar_id: Annotated[str, StringConstraints(pattern=r"^DEQARINST\d{4,}$")] | None = Field(
        default=None, description="DEQAR institution identifier, e.g. `DEQARINST0123`."
    )


class LearningOutcome(StrictModel):
    """A learning outcome (mandatory element 6) or an achieved competence (MCX)."""

    text: LangMap = Field(
        description="The outcome, ideally structured with the Dublin Descriptors."
    )
    esco_skills: list[EscoSkillUri] = Field(
        default_factory=list, max_length=50, description="Related ESCO skills."
    )


class Workload(StrictModel):
    """Notional workload needed to achieve the learning outcomes (mandatory element 7)."""

    ects: Annotated[float, Field(gt=0, le=240)] | None = Field(
        default=None, description="ECTS credits (wherever possible)."
    )
    certified_hours: Annotated[float, Field(gt=0, le=10_000)] | None = Field(
        default=None, description="Certified hours of learning (lifelong learning)."
    )

    @model_validator(mode="after")
    def _one_measure(self) -> Self:
        if self.ects is None and self.certified_hours is None:
            raise ValueError("give ECTS credits or certified hours (or both)")
        return self


class Level(StrictModel):
    """Level (and cycle) of the learning experience (mandatory element 8, if applicable)."""

    eqf: Annotated[int, Field(ge=1, le=8)] | None = Field(
        default=None, description="European Qualifications Framework level, 1–8."
    )
    qf_ehea: Cycle | None = Field(default=None, description="QF-EHEA cycle, if applicable.")
    nqf: ShortText | None = Field(
        default=None, description="National Qualifications Framework level, as the NQF names it."
    )
    isced_f: IscedFCode | None = Field(default=None, description="ISCED-F 2013 field of study.")

    @model_validator(mode="after")
    def _one_level(self) -> Self:
        # Mandatory element 8 is checked by every verifier (node.credentials.elements):
        # a credential says its level in at least one framework.
        if self.eqf is None and self.qf_ehea is None and self.nqf is None:
            raise ValueError("give the EQF level, the QF-EHEA cycle or the NQF level")
        return self


class QualityAssurance(StrictModel):
    """Type of quality assurance underpinning the micro-credential (mandatory element 11)."""

    types: list[QaType] = Field(min_length=1, description="The kind(s) of QA applied.")
    description: LangMap | None = Field(
        default=None, description="Free-text description (agency, procedure, date)."
    )
    deqar_report: Uri | None = Field(
        default=None, description="Link to the external QA report (e.g. in DEQAR)."
    )


class Grade(StrictModel):
    """Grade achieved (optional element); its scale is `gradingStandard`."""

    value: ShortText = Field(
        description="The grade as awarded: `87` (percentage), `B` (ECTS grading scale), "
        "`pass`/`fail`, or the institution's own grade."
    )
    description: LangMap | None = Field(default=None, description="Explanation of the grade.")


class Integration(StrictModel):
    """Integration / stackability options (optional element)."""

    options: list[IntegrationCode] = Field(min_length=1, description="How the credential fits.")
    stackable_towards: list[Uri] = Field(
        default_factory=list,
        description="Identifiers (URIs) of the larger credentials it stacks towards.",
    )


class PrerequisitesDescription(StrictModel):
    """Description of prerequisites (MCX addition)."""

    admission_requirements: LangMap | None = Field(default=None)
    prior_knowledge: LangMap | None = Field(default=None)
    prior_experience: LangMap | None = Field(default=None, description="Prior (work) experience.")


class Costs(StrictModel):
    """Costs for the learner (MCX addition)."""

    amount: Annotated[float, Field(ge=0)] = Field(description="Fee; 0 for free courses.")
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = Field(
        description="ISO 4217 currency code, e.g. `EUR`."
    )
    description: LangMap | None = Field(
        default=None, description="e.g. differing fees for students and lifelong learners."
    )


# ---- the claims ----------------------------------------------------------------------------

_GRADE_SCALES: Final[dict[vocab.GradingStandard, frozenset[str]]] = {
    vocab.GradingStandard.ECTS_GRADING_SCALE: frozenset({"A", "B", "C", "D", "E", "FX", "F"}),
    vocab.GradingStandard.PASS_FAIL: frozenset({"pass", "fail"}),
}


Sha256Hex = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{64}$"),
    Field(description="SHA-256, hex."),
]


class RecognisedPart(StrictModel):
    """A credential a recognition decision recognises (issue 15)."""

    credential: Uri | None = Field(default=None, description="The credential's id.")
    digest: Sha256Hex = Field(description="SHA-256 of the credential as presented (JCS/JWS).")
    issuer: Did = Field(description="The institution that issued it.")
    achievement: Uri | None = Field(default=None, description="The course it was awarded for.")
    ects: Annotated[float, Field(gt=0, le=240)] | None = None
    grade: ShortText | None = Field(default=None, description="The grade it records.")


class StackedPart(RecognisedPart):
    """A part of a micro-degree (issue 16): the credential, by digest and issuer, the rule's
    component it meets, and where it is anchored."""

    component: ShortText = Field(description="The rule's component it meets.")
    anchored_at: (
        Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")] | None
    ) = Field(default=None, description="The anchor's block time (UTC).")
    anchor_block: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="The block its anchor is in."
    )


class Stack(StrictModel):
    """What a micro-degree says of its parts: the stack rule version they meet (URL and
    the SHA-256 of its JCS form) and each part."""

    rule: Uri = Field(description="The stack rule version's URL.")
    rule_digest: Sha256Hex = Field(description="SHA-256 of the rule version's JCS form.")
    parts: list[StackedPart] = Field(min_length=1, max_length=50)


class TranscriptEntry(RecognisedPart):
    """A credential on a transcript (issue 16): what it was awarded for, when, and the
    partners' credentials it recognises, if it is a recognition decision."""

    title: LangMap = Field(description="The credential's title.")
    date_of_issuing: PlausibleDate
    recognised: list[RecognisedPart] = Field(default_factory=list, max_length=50)


class Transcript(StrictModel):
    """A transcript of records: every credential a learner holds from this institution, as
    of a date (each by id and digest, verifiable on its own)."""

    as_of: PlausibleDate
    entries: list[TranscriptEntry] = Field(min_length=1, max_length=500)


class Recognition(StrictModel):
    """What a recognition decision says: the credentials recognised, under which agreement
    (or other route), towards which programme, with the grade converted."""

    route: Literal["agreement", "elective", "prior-learning", "ad-hoc"] = "agreement"
    agreement: Uri | None = Field(default=None, description="The agreement version's URL.")
    agreement_digest: Sha256Hex | None = Field(
        default=None, description="SHA-256 of the signed agreement's JCS, as anchored."
    )
    programme: ShortText = Field(description="The home programme's code.")
    programme_title: LangMap | None = None
    recognised: list[RecognisedPart] = Field(min_length=1, max_length=50)
    converted_grade: ShortText | None = None
    decided: Literal["automatic", "staff"] = "automatic"


class MicroCredentialClaims(StrictModel):
    """The claims of one micro-credential, as submitted by the awarding institution."""

    # EU Council Recommendation (2022) — mandatory elements.
    learner: Learner = Field(description="1. Identification of the learner.")
    title: LangMap = Field(description="2. Title of the micro-credential.")
    issuer_countries: list[CountryCode] = Field(
        min_length=1, description="3. Country(ies)/region(s) of the issuer."
    )
    awarding_bodies: list[AwardingBody] = Field(min_length=1, description="4. Awarding body(ies).")
    date_of_issuing: PlausibleDate = Field(
        description="5. Date of issuing, `YYYY-MM-DD`; not in the future, not before the "
        "learner's date of birth."
    )
    learning_outcomes: list[LearningOutcome] = Field(
        min_length=1, max_length=100, description="6. Learning outcomes."
    )
    workload: Workload = Field(description="7. Notional workload (ECTS and/or hours).")
    level: Level = Field(description="8. Level (and cycle) of the learning experience.")
    assessment_types: list[Assessment] = Field(min_length=1, description="9. Type of assessment.")
    participation_form: Participation = Field(
        description="10. Form of participation in the learning activity."
    )
    quality_assurance: QualityAssurance = Field(description="11. Type of quality assurance.")

    # Optional elements (MCX D7 §2).
    target_groups: list[Target] = Field(default_factory=list, description="Target group(s).")
    prerequisites: LangMap | None = Field(
        default=None, description="Prerequisites needed to enrol in the learning activity."
    )
    supervision_verification: Supervision | None = Field(
        default=None, description="Supervision and identity verification during assessment."
    )
    grade: Grade | None = Field(default=None, description="Grade achieved.")
    integration: Integration | None = Field(
        default=None, description="Integration / stackability options."
    )
    further_information: LangMap | None = Field(default=None, description="Further information.")

    # MicroCredX additions (MCX D7 "ongoing suggestions").
    grading_standard: Grading | None = Field(
        default=None, description="Grading standard (% or ECTS grading scale, …)."
    )
    provider_accreditation_status: Accreditation | None = Field(
        default=None, description="Accreditation status of the provider."
    )
    course_description: LangMap | None = Field(default=None, description="Course description.")
    languages_of_instruction: list[LanguageCode] = Field(
        default_factory=list, description="Language(s) of instruction."
    )
    achieved_competences: list[LearningOutcome] = Field(
        default_factory=list, max_length=100, description="Achieved competences / qualification."
    )
    modality: list[ModalityCode] = Field(
        default_factory=list, description="Form of modality of the learning activity."
    )
    learning_setting: Setting | None = Field(
        default=None, description="Formal or non-formal learning."
    )
    prerequisites_description: PrerequisitesDescription | None = Field(
        default=None, description="Description of prerequisites."
    )
    monitoring: LangMap | None = Field(
        default=None, description="Monitoring and re-evaluation (evaluation, re-accreditation)."
    )
    costs: Costs | None = Field(default=None, description="Costs (students / lifelong learners).")

    # Learning-platform exports (DigiProf 5.2).
    faculty: LangMap | None = Field(default=None, description="Faculty or department.")
    teachers: list[ShortText] = Field(
        default_factory=list, max_length=50, description="Teacher's name(s)."
    )
    academic_hours: Annotated[float, Field(gt=0, le=10_000)] | None = Field(
        default=None, description="Volume of learning in academic hours."
    )
    estimated_duration: IsoDuration | None = Field(default=None, description="Estimated duration.")
    place_of_issue: ShortText | None = Field(default=None, description="Place of issue (city).")

    # Rendering.
    primary_language: LangTag | None = Field(
        default=None,
        description="Primary language of the credential (plain `name`/`description` of the "
        "Open Badges rendering); defaults to the institution's requirement profile.",
    )
    achievement_id: Uri | None = Field(
        default=None,
        description="Stable URI of the course / catalogue entry the credential is awarded for.",
    )
    recognition: Recognition | None = Field(
        default=None,
        description="A recognition decision: the partners' credentials this one recognises.",
    )
    stack: Stack | None = Field(
        default=None,
        description="A micro-degree: the parts it stacks and the rule they meet.",
    )
    transcript: Transcript | None = Field(
        default=None,
        description="A transcript of records: the learner's credentials from this institution.",
    )

    @model_validator(mode="after")
    def _issued_after_birth(self) -> Self:
        if self.date_of_issuing < self.learner.date_of_birth:
            raise element_error("dateOfIssuing", "before the learner's date of birth")
        return self

    @model_validator(mode="after")
    def _grade_fits_standard(self) -> Self:
        if self.grade is None or self.grading_standard is None:
            return self
        value = self.grade.value
        standard = self.grading_standard
        if standard is vocab.GradingStandard.PERCENTAGE:
            try:
                ok = 0 <= float(value.rstrip("%").strip()) <= 100
            except ValueError:
                ok = False
            if not ok:
                raise element_error("grade.value", "a percentage grade must be 0–100")
        elif standard in _GRADE_SCALES and value not in _GRADE_SCALES[standard]:
            allowed = ", ".join(sorted(_GRADE_SCALES[standard]))
            raise element_error("grade.value", f"must be one of {allowed} for {standard}")
        return self

    def primary(self, default: str = "en") -> str:
        """The primary language: ``primaryLanguage``, else ``default``."""
        return self.primary_language or default


def element_error(element: str, reason: str) -> PydanticCustomError:
    """A cross-field error that names the element it concerns (see profile.validate_claims)."""
    context = {"element": element, "reason": reason}
    return PydanticCustomError("element", "{element}: {reason}", context)


def pick(text: dict[str, str], language: str) -> str:
    """The text of a language map in ``language`` (exact tag, then its primary subtag, then
    English, then the first entry)."""
    if language in text:
        return text[language]
    base = language.split("-")[0].lower()
    for tag, value in text.items():
        if tag.split("-")[0].lower() == base:
            return value
    return text.get("en") or next(iter(text.values()))
