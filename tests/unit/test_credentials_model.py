"""Claims model + requirement profile: every problem named by its JSON element."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from node.credentials.examples import example_claims, maximal_claims, minimal_claims
from node.credentials.model import MicroCredentialClaims, latest_plausible_date
from node.credentials.profile import (
    ClaimsInvalid,
    Problem,
    RequirementProfile,
    optional_elements,
    validate_claims,
)
from node.credentials.schema import SCHEMA_ID, claims_json_schema

PROFILE = RequirementProfile()


def problems_of(raw: dict[str, Any], profile: RequirementProfile = PROFILE) -> list[Problem]:
    with pytest.raises(ClaimsInvalid) as caught:
        validate_claims(raw, profile)
    return caught.value.problems


def elements(raw: dict[str, Any], profile: RequirementProfile = PROFILE) -> set[str]:
    return {p.element for p in problems_of(raw, profile)}


def test_maximal_claims_are_valid() -> None:
    claims = validate_claims(maximal_claims(), PROFILE)
    assert len(claims.awarding_bodies) == 2
    assert claims.learner.date_of_birth.isoformat() == "1988-02-29"
    assert claims.model_dump(mode="json", exclude_none=True)["workload"] == {
        "ects": 5.0,
        "certifiedHours": 137.5,
    }


def test_minimal_claims_are_valid_and_get_the_profile_language() -> None:
    claims = validate_claims(minimal_claims(), RequirementProfile(primary_language="en"))
    assert claims.primary_language == "en"
    assert claims.grade is None and claims.target_groups == []


@pytest.mark.parametrize("n", range(24))
def test_examples_are_valid(n: int) -> None:
    validate_claims(example_claims(n), PROFILE)


MANDATORY = [
    "learner",
    "title",
    "issuerCountries",
    "awardingBodies",
    "dateOfIssuing",
    "learningOutcomes",
    "workload",
    "level",
    "assessmentTypes",
    "participationForm",
    "qualityAssurance",
]


@pytest.mark.parametrize("element", MANDATORY)
def test_each_missing_mandatory_element_is_named(element: str) -> None:
    raw = minimal_claims()
    del raw[element]
    assert Problem(element, "required") in problems_of(raw)


@pytest.mark.parametrize("element", ["givenName", "familyName", "dateOfBirth", "identifier"])
def test_missing_learner_fields_are_named(element: str) -> None:
    raw = minimal_claims()
    del raw["learner"][element]
    assert Problem(f"learner.{element}", "required") in problems_of(raw)


@pytest.mark.parametrize("element", ["learningOutcomes", "issuerCountries", "assessmentTypes"])
def test_empty_lists_are_refused(element: str) -> None:
    raw = minimal_claims()
    raw[element] = []
    assert element in elements(raw)


def test_all_problems_are_reported_at_once() -> None:
    found = elements({"title": {"en": "x"}, "level": {"eqf": 3}, "workload": {"ects": 9}})
    assert set(MANDATORY) - {"title", "level", "workload"} <= found
    assert {"level.eqf", "workload.ects"} <= found


def test_workload_needs_ects_or_hours() -> None:
    raw = minimal_claims()
    raw["workload"] = {}
    assert "workload" in elements(raw)
    raw["workload"] = {"certifiedHours": 40}
    validate_claims(raw, PROFILE)


@pytest.mark.parametrize("ects", [0.5, 6, 30])
def test_ects_outside_the_profile_range(ects: float) -> None:
    raw = minimal_claims()
    raw["workload"]["ects"] = ects
    assert problems_of(raw) == [Problem("workload.ects", "must be between 1 and 5 ECTS")]


def test_ects_range_is_configuration() -> None:
    raw = minimal_claims()
    raw["workload"]["ects"] = 30
    validate_claims(raw, RequirementProfile(ects_min=15, ects_max=40))


def test_eqf_not_allowed_by_profile() -> None:
    raw = minimal_claims()
    raw["level"]["eqf"] = 4
    assert problems_of(raw) == [Problem("level.eqf", "EQF level must be one of 5, 6, 7, 8")]
    validate_claims(raw, RequirementProfile(allowed_eqf_levels=frozenset({4, 5})))


@pytest.mark.parametrize("eqf", [0, 9, "6", 6.5, True])
def test_bad_eqf_level(eqf: Any) -> None:
    raw = minimal_claims()
    raw["level"]["eqf"] = eqf
    assert elements(raw) == {"level.eqf"}


def test_eqf_is_required_by_the_default_profile_only() -> None:
    raw = minimal_claims()
    raw["level"] = {"nqf": "MECES 2"}
    assert problems_of(raw) == [Problem("level.eqf", "required by the institution's profile")]
    validate_claims(raw, RequirementProfile(required_elements=frozenset()))


@pytest.mark.parametrize("level", [{"eqf": 6}, {"qfEhea": "first"}, {"nqf": "MECES 2"}])
def test_the_level_is_given_in_at_least_one_framework(level: dict[str, Any]) -> None:
    raw = minimal_claims()
    raw["level"] = level
    validate_claims(raw, RequirementProfile(required_elements=frozenset()))
    raw["level"] = {"iscedF": "0413"}  # a field of study, not a level
    assert "level" in elements(raw)


def test_bad_esco_uri() -> None:
    raw = minimal_claims()
    raw["learningOutcomes"][0]["escoSkills"] = ["http://data.europa.eu/esco/skill/not-a-uuid"]
    [problem] = problems_of(raw)
    assert problem.element == "learningOutcomes[0].escoSkills[0]"
    assert "ESCO" in problem.reason


@pytest.mark.parametrize("tag", ["english", "en_GB", "e", "", "en-"])
def test_bad_language_tag(tag: str) -> None:
    raw = minimal_claims()
    raw["title"] = {"en": "Research Ethics", tag: "x"}
    [problem] = problems_of(raw)
    assert problem.element == f"title.{tag}"
    assert "language tag" in problem.reason


@pytest.mark.parametrize("tag", ["en", "de-AT", "pt-BR", "sr-Latn", "es-419"])
def test_good_language_tags(tag: str) -> None:
    raw = minimal_claims()
    raw["title"][tag] = "x"
    validate_claims(raw, PROFILE)


def test_primary_language_text_is_required() -> None:
    raw = minimal_claims()
    raw["title"] = {"de": "Forschungsethik"}
    assert problems_of(raw) == [Problem("title", "no text in the primary language 'en'")]
    raw["primaryLanguage"] = "de"
    assert elements(raw) == {"learningOutcomes[0].text"}


def test_empty_language_map_is_refused() -> None:
    raw = minimal_claims()
    raw["title"] = {}
    assert "title" in elements(raw)


def test_strict_types_and_unknown_fields() -> None:
    raw = minimal_claims()
    raw["workload"]["ects"] = "2"
    raw["nickname"] = "x"
    raw["issuerCountries"] = ["XX"]
    found = {p.element: p.reason for p in problems_of(raw)}
    assert found["nickname"] == "unknown element"
    assert "workload.ects" in found
    assert "issuerCountries[0]" in found


def test_dates_must_be_iso_calendar_dates() -> None:
    raw = minimal_claims()
    raw["dateOfIssuing"] = "2025-02-30"
    raw["learner"]["dateOfBirth"] = "30.06.1999"
    assert {"dateOfIssuing", "learner.dateOfBirth"} <= elements(raw)


@pytest.mark.parametrize(
    ("element", "value", "reason"),
    [
        ("learner.dateOfBirth", "2090-01-01", "in the future"),
        ("learner.dateOfBirth", "1850-03-01", "before 1900-01-01"),
        ("dateOfIssuing", "2999-01-01", "in the future"),
        ("dateOfIssuing", "0001-01-01", "before 1900-01-01"),
    ],
)
def test_implausible_dates_are_refused(element: str, value: str, reason: str) -> None:
    raw = minimal_claims()
    if element == "dateOfIssuing":
        raw["dateOfIssuing"] = value
    else:
        raw["learner"]["dateOfBirth"] = value
    found = {p.element: p.reason for p in problems_of(raw)}
    assert reason in found[element]


def test_issuing_before_birth_is_refused() -> None:
    raw = minimal_claims()
    raw["learner"]["dateOfBirth"] = "2001-05-05"
    raw["dateOfIssuing"] = "2000-01-01"
    found = {p.element: p.reason for p in problems_of(raw)}
    assert found == {"dateOfIssuing": "before the learner's date of birth"}


def test_tomorrow_is_still_a_date_of_issuing() -> None:
    """The institution's local date may be a day ahead of UTC's."""
    raw = minimal_claims()
    raw["dateOfIssuing"] = latest_plausible_date().isoformat()
    validate_claims(raw, PROFILE)


def test_greece_alias_is_normalised() -> None:
    raw = minimal_claims()
    raw["issuerCountries"] = ["EL"]
    assert validate_claims(raw, PROFILE).issuer_countries == ["GR"]


@pytest.mark.parametrize(
    ("standard", "value", "ok"),
    [
        ("percentage", "87", True),
        ("percentage", "101", False),
        ("ects-grading-scale", "B", True),
        ("ects-grading-scale", "G", False),
        ("pass-fail", "pass", True),
        ("pass-fail", "ok", False),
        ("other", "sehr gut", True),
    ],
)
def test_grade_must_fit_the_grading_standard(standard: str, value: str, ok: bool) -> None:
    raw = minimal_claims()
    raw["grade"] = {"value": value}
    raw["gradingStandard"] = standard
    if ok:
        validate_claims(raw, PROFILE)
    else:
        assert elements(raw) == {"grade.value"}


def test_profile_additionally_required_elements() -> None:
    profile = RequirementProfile(
        required_elements=frozenset({"grade", "languagesOfInstruction", "workload.ects"})
    )
    raw = minimal_claims()
    del raw["workload"]["ects"]
    raw["workload"]["certifiedHours"] = 50
    assert elements(raw, profile) == {"grade", "languagesOfInstruction", "workload.ects"}


def test_profile_configuration_is_checked() -> None:
    with pytest.raises(ValidationError):
        RequirementProfile(ects_min=6, ects_max=5)
    with pytest.raises(ValidationError):
        RequirementProfile(required_elements=frozenset({"nonsense"}))
    with pytest.raises(ValidationError):
        RequirementProfile(allowed_eqf_levels=frozenset({9}))
    loaded = RequirementProfile.model_validate(
        {"requiredElements": ["grade"], "ectsMin": 2, "allowedEqfLevels": [6]}
    )
    assert loaded.ects_min == 2 and loaded.allowed_eqf_levels == {6}
    assert {"grade", "level.eqf", "learner.did", "costs"} <= optional_elements()
    assert "title" not in optional_elements()


def test_check_accepts_a_model() -> None:
    claims = MicroCredentialClaims.model_validate(copy.deepcopy(minimal_claims()))
    assert RequirementProfile(ects_max=1).check(claims) == [
        Problem("workload.ects", "must be between 1 and 1 ECTS")
    ]


def test_json_schema() -> None:
    schema = claims_json_schema()
    assert schema["$id"] == SCHEMA_ID
    assert set(MANDATORY) <= set(schema["required"])
    assert schema["additionalProperties"] is False
    assert "learningOutcomes" in schema["properties"]
    assert schema["properties"]["title"]["description"]
