"""Controlled vocabularies of the micro-credential claims and their IRIs.

Two kinds of table live here:

* the project's own concept schemes (``StrEnum`` classes: the enum *value* is the code used in
  the JSON claims and CSV files; :func:`concept_iri` gives the IRI used in the rendered
  JSON-LD, ``https://w3id.org/credreg/vocab/<scheme>/<code>``);
* the EU authority tables (EQF levels, ISCED-F fields, languages, countries), so that a later
  Europass/ELM export is a mapping and not a remodel.

Nothing here does I/O; every table is a module-level constant.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final, TypeVar

VOCAB_BASE: Final = "https://w3id.org/credreg/vocab/"

EQF_BASE: Final = "http://data.europa.eu/snb/eqf/"
ISCED_F_BASE: Final = "http://data.europa.eu/snb/isced-f/"
LANGUAGE_BASE: Final = "http://publications.europa.eu/resource/authority/language/"
COUNTRY_BASE: Final = "http://publications.europa.eu/resource/authority/country/"
ESCO_SKILL_BASE: Final = "http://data.europa.eu/esco/skill/"


class AssessmentType(StrEnum):
    """Type of assessment (EU Council Recommendation 2022, Annex II, mandatory element 9)."""

    ORAL = "oral"
    WRITTEN_ONSITE = "written-onsite"
    ONLINE = "online"
    SKILL_APPLICATION = "skill-application"
    PORTFOLIO = "portfolio"
    RECOGNITION_OF_PRIOR_LEARNING = "recognition-of-prior-learning"
    OTHER = "other"


class ParticipationForm(StrEnum):
    """Form of participation in the learning activity (mandatory element 10)."""

    ONLINE = "online"
    ONSITE = "onsite"
    BLENDED = "blended"


class SupervisionVerification(StrEnum):
    """Supervision and identity verification during assessment (optional element)."""

    UNSUPERVISED_NO_ID = "unsupervised-no-id"
    SUPERVISED_NO_ID = "supervised-no-id"
    SUPERVISED_ONLINE = "supervised-online"
    ONSITE_WITH_ID = "onsite-with-id"


class TargetGroup(StrEnum):
    """Target group (optional element)."""

    ACADEMIC = "academic"
    LIFELONG_LEARNING = "lifelong-learning"


class IntegrationOption(StrEnum):
    """Integration / stackability options (optional element)."""

    STAND_ALONE = "stand-alone"
    INTEGRATED = "integrated"
    STACKABLE = "stackable"


class GradingStandard(StrEnum):
    """Grading standard (MicroCredX addition)."""

    PERCENTAGE = "percentage"
    ECTS_GRADING_SCALE = "ects-grading-scale"
    PASS_FAIL = "pass-fail"
    OTHER = "other"


class AccreditationStatus(StrEnum):
    """Accreditation status of the provider (MicroCredX addition)."""

    INSTITUTIONAL = "institutional"
    CURRICULUM = "curriculum"
    COURSE = "course"
    NONE = "none"


class QualityAssuranceType(StrEnum):
    """Type of quality assurance underpinning the micro-credential (mandatory element 11).

    ``internal``: the provider's own QA system (ESG Part 1); ``external-*``: review or
    accreditation by an external QA agency (ESG Part 2, e.g. EQAR-registered, see DEQAR) at
    institution, programme or course level.
    """

    INTERNAL = "internal"
    EXTERNAL_INSTITUTIONAL = "external-institutional"
    EXTERNAL_PROGRAMME = "external-programme"
    EXTERNAL_COURSE = "external-course"
    OTHER = "other"


class LegalStatus(StrEnum):
    """Legal status of a provider / awarding body (mandatory element 4)."""

    PUBLIC_INSTITUTION = "public-institution"
    PRIVATE_NON_PROFIT = "private-non-profit"
    PRIVATE_FOR_PROFIT = "private-for-profit"
    OTHER = "other"


class Modality(StrEnum):
    """Form / modality of the learning activity (MicroCredX addition)."""

    ONLINE = "online"
    ONSITE = "onsite"
    BLENDED = "blended"
    WORK_BASED = "work-based"
    VOLUNTARY = "voluntary"
    INDEPENDENT_LEARNING = "independent-learning"
    OTHER = "other"


class LearningSetting(StrEnum):
    """Learning setting (ELM ``learningSetting``)."""

    FORMAL = "formal"
    NON_FORMAL = "non-formal"


class QfEheaCycle(StrEnum):
    """Cycle of the Qualifications Framework of the European Higher Education Area."""

    SHORT_CYCLE = "short-cycle"
    FIRST = "first"
    SECOND = "second"
    THIRD = "third"


class LearnerIdType(StrEnum):
    """What kind of identifier ``learner.identifier`` is."""

    STUDENT_NUMBER = "student-number"
    NATIONAL_ID = "national-id"
    OTHER = "other"


_E = TypeVar("_E", bound=StrEnum)
_SCHEMES: Final[dict[type[StrEnum], str]] = {
    AssessmentType: "assessment-type",
    ParticipationForm: "participation-form",
    SupervisionVerification: "supervision-verification",
    TargetGroup: "target-group",
    IntegrationOption: "integration-option",
    GradingStandard: "grading-standard",
    AccreditationStatus: "accreditation-status",
    QualityAssuranceType: "quality-assurance-type",
    LegalStatus: "legal-status",
    Modality: "modality",
    LearningSetting: "learning-setting",
    QfEheaCycle: "qf-ehea-cycle",
    LearnerIdType: "learner-id-type",
}


def concept_iri(member: StrEnum) -> str:
    """The IRI of a concept of one of the project's schemes."""
    return f"{VOCAB_BASE}{_SCHEMES[type(member)]}/{member.value}"


def concept_of(enum_class: type[_E], iri: object) -> _E | None:
    """The concept of ``enum_class`` whose IRI (:func:`concept_iri`) ``iri`` is; None if none."""
    prefix = f"{VOCAB_BASE}{_SCHEMES[enum_class]}/"
    if not isinstance(iri, str) or not iri.startswith(prefix):
        return None
    try:
        return enum_class(iri.removeprefix(prefix))
    except ValueError:
        return None


def scheme_iri(enum_class: type[StrEnum]) -> str:
    """The IRI of one of the project's concept schemes."""
    return f"{VOCAB_BASE}{_SCHEMES[enum_class]}"


# ---- EU authority tables -------------------------------------------------------------------

EQF_LEVELS: Final = range(1, 9)


def eqf_iri(level: int) -> str:
    """``http://data.europa.eu/snb/eqf/{level}`` for EQF level 1–8."""
    if level not in EQF_LEVELS:
        raise ValueError(f"EQF level must be 1–8, not {level}")
    return f"{EQF_BASE}{level}"


# ISCED-F 2013: broad field (2 digits), narrow field (3), detailed field (4).
ISCED_F_PATTERN: Final = r"^\d{2,4}$"


def isced_f_iri(code: str) -> str:
    """``http://data.europa.eu/snb/isced-f/{code}`` for an ISCED-F 2013 field code."""
    if not re.fullmatch(ISCED_F_PATTERN, code):
        raise ValueError(f"not an ISCED-F 2013 field code: {code!r}")
    return f"{ISCED_F_BASE}{code}"


# ISO 639-1 → code of the EU Publications Office language authority table (which uses the
# three-letter ISO 639-2 *terminology* codes: DEU, FRA, NLD, CES, ELL, …). EU official
# languages first, then other languages of EEA/candidate countries and regional languages.
LANGUAGES: Final[dict[str, str]] = {
    "bg": "BUL",
    "cs": "CES",
    "da": "DAN",
    "de": "DEU",
    "el": "ELL",
    "en": "ENG",
    "es": "SPA",
    "et": "EST",
    "fi": "FIN",
    "fr": "FRA",
    "ga": "GLE",
    "hr": "HRV",
    "hu": "HUN",
    "it": "ITA",
    "lt": "LIT",
    "lv": "LAV",
    "mt": "MLT",
    "nl": "NLD",
    "pl": "POL",
    "pt": "POR",
    "ro": "RON",
    "sk": "SLK",
    "sl": "SLV",
    "sv": "SWE",
    "is": "ISL",
    "no": "NOR",
    "nb": "NOB",
    "nn": "NNO",
    "lb": "LTZ",
    "ca": "CAT",
    "eu": "EUS",
    "gl": "GLG",
    "cy": "CYM",
    "sq": "SQI",
    "mk": "MKD",
    "sr": "SRP",
    "bs": "BOS",
    "tr": "TUR",
    "uk": "UKR",
    "ru": "RUS",
    "ka": "KAT",
    "la": "LAT",
    "ar": "ARA",
    "zh": "ZHO",
    "ja": "JPN",
}
EU_OFFICIAL_LANGUAGES: Final = frozenset(
    {
        "bg",
        "cs",
        "da",
        "de",
        "el",
        "en",
        "es",
        "et",
        "fi",
        "fr",
        "ga",
        "hr",
        "hu",
        "it",
        "lt",
        "lv",
        "mt",
        "nl",
        "pl",
        "pt",
        "ro",
        "sk",
        "sl",
        "sv",
    }
)


def language_iri(code: str) -> str:
    """EU authority IRI of a language given by its ISO 639-1 code (``en`` → ``…/ENG``)."""
    try:
        return f"{LANGUAGE_BASE}{LANGUAGES[code.lower()]}"
    except KeyError:
        raise ValueError(f"unsupported language code: {code!r}") from None


# ISO 3166-1 alpha-2 → alpha-3: EU, EEA, Switzerland, UK, candidate and neighbouring countries.
COUNTRIES: Final[dict[str, str]] = {
    "AT": "AUT",
    "BE": "BEL",
    "BG": "BGR",
    "CY": "CYP",
    "CZ": "CZE",
    "DE": "DEU",
    "DK": "DNK",
    "EE": "EST",
    "ES": "ESP",
    "FI": "FIN",
    "FR": "FRA",
    "GR": "GRC",
    "HR": "HRV",
    "HU": "HUN",
    "IE": "IRL",
    "IT": "ITA",
    "LT": "LTU",
    "LU": "LUX",
    "LV": "LVA",
    "MT": "MLT",
    "NL": "NLD",
    "PL": "POL",
    "PT": "PRT",
    "RO": "ROU",
    "SE": "SWE",
    "SI": "SVN",
    "SK": "SVK",
    "IS": "ISL",
    "LI": "LIE",
    "NO": "NOR",
    "CH": "CHE",
    "GB": "GBR",
    "AL": "ALB",
    "BA": "BIH",
    "ME": "MNE",
    "MK": "MKD",
    "RS": "SRB",
    "TR": "TUR",
    "UA": "UKR",
    "MD": "MDA",
    "GE": "GEO",
    "AD": "AND",
    "MC": "MCO",
    "SM": "SMR",
    "VA": "VAT",
}
# EU institutions write Greece as "EL"; accept it as an alias.
COUNTRY_ALIASES: Final[dict[str, str]] = {"EL": "GR"}


def normalise_country(code: str) -> str:
    """Upper-case alpha-2 code with aliases resolved (``el`` → ``GR``); unknown → ValueError."""
    upper = code.upper()
    upper = COUNTRY_ALIASES.get(upper, upper)
    if upper not in COUNTRIES:
        raise ValueError(f"not an ISO 3166-1 alpha-2 country code (such as ES, DE, FI): {code!r}")
    return upper


def country_iri(code: str) -> str:
    """EU authority IRI of a country given by ISO 3166-1 alpha-2 (``FI`` → ``…/FIN``)."""
    return f"{COUNTRY_BASE}{COUNTRIES[normalise_country(code)]}"


ESCO_SKILL_PATTERN: Final = (
    r"^http://data\.europa\.eu/esco/skill/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)


def is_esco_skill(uri: str) -> bool:
    """Whether ``uri`` is shaped like an ESCO skill URI (``…/esco/skill/<uuid>``)."""
    return re.fullmatch(ESCO_SKILL_PATTERN, uri) is not None


# Well-formed BCP 47 language tag (RFC 5646 "langtag" production; no grandfathered or
# private-use-only tags): language[-script][-region](-variant)*(-extension)*.
LANG_TAG_PATTERN: Final = (
    r"^[A-Za-z]{2,3}(-[A-Za-z]{3}){0,3}"
    r"(-[A-Za-z]{4})?"
    r"(-([A-Za-z]{2}|[0-9]{3}))?"
    r"(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
    r"(-[0-9A-WY-Za-wy-z](-[A-Za-z0-9]{2,8})+)*"
    r"(-x(-[A-Za-z0-9]{1,8})+)?$"
)


def is_lang_tag(tag: str) -> bool:
    """Whether ``tag`` is a well-formed BCP 47 language tag."""
    return re.fullmatch(LANG_TAG_PATTERN, tag) is not None


ECTS_FRAMEWORK: Final = f"{VOCAB_BASE}credit-system/ects"


def label(member: StrEnum) -> str:
    """A plain English label of a concept (``written-onsite`` → ``written onsite``)."""
    return member.value.replace("-", " ")
