"""The names of vocabulary values on the pages, in the page's language: countries and
languages from Babel's CLDR data, EQF levels and the concepts of node.credentials.vocab's
schemes from the catalogues. The API keeps the codes (node.lookup.summary)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, Final

from babel import Locale

from node.credentials.vocab import (
    AssessmentType,
    GradingStandard,
    ParticipationForm,
    QualityAssuranceType,
)
from node.i18n.catalogues import gettext_noop, translator

CONCEPTS: Final[dict[str, dict[str, str]]] = {
    "assessment": {
        AssessmentType.ORAL: gettext_noop("oral"),
        AssessmentType.WRITTEN_ONSITE: gettext_noop("written, on site"),
        AssessmentType.ONLINE: gettext_noop("online"),
        AssessmentType.SKILL_APPLICATION: gettext_noop("application of skills"),
        AssessmentType.PORTFOLIO: gettext_noop("portfolio"),
        AssessmentType.RECOGNITION_OF_PRIOR_LEARNING: gettext_noop("recognition of prior learning"),
        AssessmentType.OTHER: gettext_noop("other"),
    },
    "participation": {
        ParticipationForm.ONLINE: gettext_noop("online"),
        ParticipationForm.ONSITE: gettext_noop("on site"),
        ParticipationForm.BLENDED: gettext_noop("blended (online and on site)"),
    },
    "qualityAssurance": {
        QualityAssuranceType.INTERNAL: gettext_noop("internal quality assurance"),
        QualityAssuranceType.EXTERNAL_INSTITUTIONAL: gettext_noop("external, institution level"),
        QualityAssuranceType.EXTERNAL_PROGRAMME: gettext_noop("external, programme level"),
        QualityAssuranceType.EXTERNAL_COURSE: gettext_noop("external, course level"),
        QualityAssuranceType.OTHER: gettext_noop("other"),
    },
    "gradingStandard": {
        GradingStandard.PERCENTAGE: gettext_noop("percentage"),
        GradingStandard.ECTS_GRADING_SCALE: gettext_noop("ECTS grading scale"),
        GradingStandard.PASS_FAIL: gettext_noop("pass/fail"),
        GradingStandard.OTHER: gettext_noop("other"),
    },
}


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


def country(lang: str, code: str) -> str:
    """``DE`` → ``Deutschland`` on a German page (the code when CLDR has no name)."""
    name: str = _locale(lang).territories.get(code.upper(), code)
    return name


def language(lang: str, code: str) -> str:
    """``de`` → ``saksa`` on a Finnish page (the code when CLDR has no name)."""
    name: str = _locale(lang).languages.get(code.lower(), code)
    return name


def value(lang: str, field: str, code: str) -> str:
    """The name of one coded value of a summary field (see vocabulary_of)."""
    if field == "country":
        return country(lang, code)
    if field == "language":
        return language(lang, code)
    if field == "eqf":
        return translator(lang).gettext("EQF level {level}").format(level=code)
    message = CONCEPTS.get(field, {}).get(code)
    return translator(lang).gettext(message) if message else code.replace("-", " ")


def named(
    lang: str, summary: Mapping[str, Any], vocabulary: Mapping[str, Sequence[str]]
) -> dict[str, Any]:
    """The summary with its vocabulary fields named in ``lang`` (and the languages of
    instruction, which the summary leaves out)."""
    out = dict(summary)
    for field, codes in vocabulary.items():
        out[field] = ", ".join(value(lang, field, code) for code in codes)
    standard = out.pop("gradingStandard", None)
    grade = summary.get("grade")
    if standard and grade and vocabulary["gradingStandard"]:
        plain = f" ({vocabulary['gradingStandard'][0].replace('-', ' ')})"  # as the summary has it
        if grade.endswith(plain):
            out["grade"] = f"{grade.removesuffix(plain)} ({standard})"
    return out
