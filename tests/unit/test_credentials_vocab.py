"""Vocabulary tables and EU authority IRIs."""

from __future__ import annotations

import pytest

from node.credentials import vocab


def test_eqf() -> None:
    assert vocab.eqf_iri(6) == "http://data.europa.eu/snb/eqf/6"
    for bad in (0, 9):
        with pytest.raises(ValueError):
            vocab.eqf_iri(bad)


def test_isced_f() -> None:
    assert vocab.isced_f_iri("0613") == "http://data.europa.eu/snb/isced-f/0613"
    with pytest.raises(ValueError):
        vocab.isced_f_iri("6a")


def test_languages_cover_the_eu_official_languages() -> None:
    assert len(vocab.EU_OFFICIAL_LANGUAGES) == 24
    assert set(vocab.LANGUAGES) >= vocab.EU_OFFICIAL_LANGUAGES
    assert vocab.language_iri("de").endswith("/language/DEU")
    assert vocab.language_iri("FI").endswith("/language/FIN")
    with pytest.raises(ValueError):
        vocab.language_iri("xx")


def test_countries_cover_eu_and_eea() -> None:
    eu_eea = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
    for code in [*eu_eea.split(), "IS", "LI", "NO"]:
        assert vocab.country_iri(code).startswith(vocab.COUNTRY_BASE)
    assert vocab.country_iri("el") == "http://publications.europa.eu/resource/authority/country/GRC"
    with pytest.raises(ValueError):
        vocab.country_iri("XX")


def test_esco_pattern() -> None:
    assert vocab.is_esco_skill(
        "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
    )
    assert not vocab.is_esco_skill("https://data.europa.eu/esco/skill/ccd0a1d9")


def test_concept_iris_are_unique() -> None:
    enums = [
        vocab.AssessmentType,
        vocab.ParticipationForm,
        vocab.SupervisionVerification,
        vocab.TargetGroup,
        vocab.IntegrationOption,
        vocab.GradingStandard,
        vocab.AccreditationStatus,
        vocab.QualityAssuranceType,
        vocab.LegalStatus,
        vocab.Modality,
        vocab.LearningSetting,
        vocab.QfEheaCycle,
        vocab.LearnerIdType,
    ]
    iris = [vocab.concept_iri(member) for enum in enums for member in enum]
    assert len(iris) == len(set(iris))
    assert vocab.concept_iri(vocab.AssessmentType.ORAL) == (
        "https://w3id.org/credreg/vocab/assessment-type/oral"
    )
