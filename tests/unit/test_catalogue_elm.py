"""A catalogue version as ELM 3 Learning Opportunity JSON-LD conforms to the Commission's LOQ
SHACL shapes (shared/elm/LOQ-constraints.ttl, validated offline with pyshacl), and as a
schema.org Course says what a search engine wants.

:func:`validate_loq` is the reusable check: JSON-LD → RDF (offline) → pyshacl against the LOQ
shapes, without ELM.ttl as ontology graph (shared/elm/README.md).
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import pytest
import regex
from pyld import jsonld
from pyshacl import validate
from pyshacl.constraints.core import string_based_constraints
from rdflib import Graph, Literal, Namespace, URIRef

from node.catalogue.elm import (
    CONTEXT,
    FIELD_LABELS,
    FIELD_SCHEME,
    hours_duration,
    learning_opportunity,
    schema_org_course,
)
from node.catalogue.model import CatalogueContent

ELM_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "elm"
LOQ_SHAPES = ELM_DIR / "LOQ-constraints.ttl"
LOQ_VOCABULARY_SHAPES = ELM_DIR / "LOQ-constraints-mdr.ttl"
EDC_CONTEXT_URL = "http://data.europa.eu/snb/model/context/edc-ap"

ELM = Namespace("http://data.europa.eu/snb/model/elm/")
DC = Namespace("http://purl.org/dc/terms/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
SH = Namespace("http://www.w3.org/ns/shacl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")

# The shapes' sh:pattern regexes are Java's (\p{L}, an inline (?i) after ^), which Python's `re`
# rejects; the `regex` package reads them as written.
string_based_constraints.re = regex

VERSION = "https://uni-a.example/catalogue/3f1c9a52/versions/2"
INSTITUTION = {
    "id": "did:web:uni-a.example",
    "name": "University A",
    "country": "FI",
    "homepage": "https://uni-a.example",
}
SKILL_CHARTS = "http://data.europa.eu/esco/skill/ccdf3597-5c80-410f-896d-e1bdfa223de9"
SKILL_CONTENT = "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"


# ---- the reusable check -------------------------------------------------------------------


@functools.cache
def _shapes(*paths: Path, activate_all: bool = False) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    if activate_all:  # e.g. the LearningAchievementSpecification shape is sh:deactivated
        graph.remove((None, SH.deactivated, None))
    return graph


def _offline_loader(url: str, options: dict[str, Any]) -> dict[str, Any]:
    if url.rstrip("/") != EDC_CONTEXT_URL:
        raise jsonld.JsonLdError(f"offline: no context {url}", "loading document failed")
    document = json.loads((ELM_DIR / "edc-ap-context.jsonld").read_text())
    return {"contextUrl": None, "documentUrl": url, "document": document}


def to_graph(document: dict[str, Any]) -> Graph:
    """The RDF graph of a JSON-LD document, expanded offline."""
    options = {"format": "application/n-quads", "documentLoader": _offline_loader}
    return Graph().parse(data=jsonld.to_rdf(document, options), format="nt")


def undefined_terms(value: Any, context: dict[str, Any]) -> set[str]:
    """Keys the (inline) context does not define: JSON-LD would silently drop them."""
    if isinstance(value, list):
        return set().union(*(undefined_terms(item, context) for item in value))
    if not isinstance(value, dict):
        return set()
    unknown: set[str] = set()
    for key, item in value.items():
        if key.startswith("@") or key in ("id", "type"):
            continue
        definition = context.get(key)
        if definition is None:
            unknown.add(key)
        elif not (isinstance(definition, dict) and definition.get("@container") == "@language"):
            unknown |= undefined_terms(item, context)
    return unknown


def _validate(document: dict[str, Any], shapes: Graph) -> tuple[bool, str]:
    context = document.get("@context")
    if isinstance(context, dict) and (unknown := undefined_terms(document, context)):
        return False, f"terms the context does not define (dropped): {sorted(unknown)}"
    graph = to_graph(document)
    if (None, RDF.type, ELM.LearningOpportunity) not in graph:
        # no focus node, no violation: the shapes would pass anything
        return False, "no elm:LearningOpportunity in the graph"
    conforms, _report, text = validate(graph, shacl_graph=shapes)
    return bool(conforms), str(text)


def validate_loq(document: dict[str, Any]) -> tuple[bool, str]:
    """Whether ELM JSON-LD conforms to the LOQ shapes, and the report's text."""
    return _validate(document, _shapes(LOQ_SHAPES))


# ---- documents ----------------------------------------------------------------------------


def _text(en: str, de: str, fi: str, es: str) -> dict[str, str]:
    return {"en": en, "de": de, "fi": fi, "es": es}


MAXIMAL: dict[str, Any] = {
    "title": _text("Data literacy", "Datenkompetenz", "Datalukutaito", "Alfabetización de datos"),
    "abstract": _text(
        "Reading, cleaning and charting data.",
        "Daten lesen, bereinigen und darstellen.",
        "Datan lukeminen, siivoaminen ja esittäminen.",
        "Leer, limpiar y representar datos.",
    ),
    "fieldOfStudy": "0688",
    "eqfLevel": 6,
    "workload": {"ects": 7.5, "certifiedHours": 187.5},
    "languages": ["fi", "en"],
    "participationForm": "blended",
    "learningOutcomes": [
        {
            "text": _text(
                "Reads and critiques charts.",
                "Liest und beurteilt Diagramme.",
                "Lukee ja arvioi kaavioita.",
                "Lee y evalúa gráficos.",
            ),
            "escoSkills": [SKILL_CHARTS, SKILL_CONTENT],
        },
        {"text": {"en": "Cleans a messy data set.", "de": "Bereinigt einen Datensatz."}},
    ],
    "assessmentTypes": ["written-onsite", "portfolio"],
    "freeStart": True,
    "startDate": "2027-01-15",
    "endDate": "2027-05-31",
    "cycle": "Spring 2027",
    "faculty": _text(
        "Faculty of Information Technology",
        "Fakultät für Informationstechnik",
        "Informaatioteknologian tiedekunta",
        "Facultad de Tecnologías de la Información",
    ),
    "teachers": ["Ada Lovelace", "Alan Turing"],
    "shortBio": _text(
        "Both teach statistics.",
        "Beide lehren Statistik.",
        "Molemmat opettavat tilastotiedettä.",
        "Ambos enseñan estadística.",
    ),
    "academicHours": 40,
    "estimatedDuration": "P19W",
    "targetGroups": ["academic", "lifelong-learning"],
    "targetGroupDescription": _text(
        "Students and professionals.",
        "Studierende und Berufstätige.",
        "Opiskelijat ja ammattilaiset.",
        "Estudiantes y profesionales.",
    ),
    "entryRequirements": _text(
        "Basic mathematics.",
        "Grundkenntnisse in Mathematik.",
        "Matematiikan perusteet.",
        "Matemáticas básicas.",
    ),
    "formOfStudy": "part-time",
    "modality": ["online", "work-based"],
    "keywords": ["data", "statistics", "visualisation"],
    "costs": {
        "amount": 120,
        "currency": "EUR",
        "description": _text(
            "Free for degree students.",
            "Für Studierende kostenlos.",
            "Tutkinto-opiskelijoille maksuton.",
            "Gratis para estudiantes de grado.",
        ),
    },
    "pedagogicalApproach": _text(
        "Project-based learning.",
        "Projektbasiertes Lernen.",
        "Projektioppiminen.",
        "Aprendizaje basado en proyectos.",
    ),
    "mainTopics": _text("Charts; cleaning.", "Diagramme; Bereinigung.", "Kaaviot.", "Gráficos."),
    "delivery": "self-learning",
    "learningHoursDistribution": _text(
        "40 h lectures, 147.5 h own work.",
        "40 h Vorlesungen, 147,5 h Eigenarbeit.",
        "40 h luentoja, 147,5 h omaa työtä.",
        "40 h de clases, 147,5 h de trabajo propio.",
    ),
    "assessmentDescription": _text(
        "An exam and a portfolio.",
        "Eine Prüfung und ein Portfolio.",
        "Tentti ja portfolio.",
        "Un examen y un portafolio.",
    ),
    "assessedBy": "teacher",
    "supervisionVerification": "supervised-online",
    "credentialsIssued": _text(
        "A micro-credential.",
        "Ein Microcredential.",
        "Mikrotunniste.",
        "Una microcredencial.",
    ),
    "credentialRequirements": _text(
        "Pass both assessments.",
        "Beide Prüfungen bestehen.",
        "Molemmat arvioinnit hyväksytysti.",
        "Aprobar ambas evaluaciones.",
    ),
    "stackableTowards": [
        "https://uni-a.example/programmes/data-science",
        "urn:uuid:0b9c4f9e-5b7a-4c1e-8f00-6a0d1c2e3f40",
    ],
    "industrySupport": _text(
        "Endorsed by Data Industry Ltd.",
        "Unterstützt von Data Industry Ltd.",
        "Data Industry Oy:n tukema.",
        "Respaldado por Data Industry Ltd.",
    ),
    "homepage": "https://uni-a.example/courses/data-literacy",
}

MINIMAL: dict[str, Any] = {
    "title": {"en": "Data literacy"},
    "abstract": {"en": "Reading data."},
    "fieldOfStudy": "06",
    "eqfLevel": 5,
    "workload": {"certifiedHours": 25},
    "languages": ["en"],
    "participationForm": "online",
    "learningOutcomes": [{"text": {"en": "Reads charts."}}],
    "assessmentTypes": ["online"],
    "startDate": "2027-01-15",
}


def version_document(content: dict[str, Any], version_id: str = VERSION) -> dict[str, Any]:
    """A catalogue version document of ``content``, validated as :class:`CatalogueContent`."""
    model = CatalogueContent.model_validate(content)
    return {
        "id": version_id,
        "entry": version_id.rsplit("/versions/", 1)[0],
        "version": 2,
        "publishedAt": "2026-12-03T18:00:00+00:00",
        "institution": dict(INSTITUTION),
        "content": model.model_dump(mode="json", exclude_none=True),
    }


def test_every_optional_field_is_in_the_maximal_content() -> None:
    required = {
        name for name, field in CatalogueContent.model_fields.items() if field.is_required()
    }
    assert set(CatalogueContent.model_validate(MAXIMAL).model_fields_set) == set(
        CatalogueContent.model_fields
    )
    assert set(CatalogueContent.model_validate(MINIMAL).model_fields_set) == required | {
        "start_date"
    }


# ---- ELM ----------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [MAXIMAL, MINIMAL], ids=["maximal", "minimal"])
def test_the_learning_opportunity_conforms_to_the_loq_shapes(content: dict[str, Any]) -> None:
    conforms, report = validate_loq(learning_opportunity(version_document(content)))
    assert conforms, report


@pytest.mark.parametrize("content", [MAXIMAL, MINIMAL], ids=["maximal", "minimal"])
def test_it_also_meets_the_deactivated_and_the_vocabulary_shapes(content: dict[str, Any]) -> None:
    # LOQ-constraints.ttl deactivates its LearningAchievementSpecification shape; the -mdr file
    # checks the concept schemes (EQF, ISCED-F, languages, countries, currencies).
    shapes = _shapes(LOQ_SHAPES, LOQ_VOCABULARY_SHAPES, activate_all=True)
    conforms, report = _validate(learning_opportunity(version_document(content)), shapes)
    assert conforms, report


def test_without_a_title_it_does_not_conform() -> None:
    opportunity = learning_opportunity(version_document(MINIMAL))
    del opportunity["title"]
    conforms, report = validate_loq(opportunity)
    assert not conforms
    assert "MinCountConstraintComponent" in report
    assert "Less than 1 values" in report and ":title" in report


def test_a_term_the_context_lacks_does_not_conform() -> None:
    opportunity = learning_opportunity(version_document(MINIMAL))
    opportunity["learningAchievementSpecification"]["keyword"] = {"en": "data"}
    conforms, report = validate_loq(opportunity)
    assert not conforms
    assert "keyword" in report


def test_under_the_edc_context_there_is_no_learning_opportunity() -> None:
    # edc-ap defines no `id` and `type` (the VC context does): the nodes lose their IRIs and
    # classes, and no shape has a focus node left.
    opportunity = learning_opportunity(version_document(MINIMAL))
    opportunity["@context"] = EDC_CONTEXT_URL
    assert validate_loq(opportunity) == (False, "no elm:LearningOpportunity in the graph")


def _language_maps(value: Any) -> list[dict[str, str]]:
    if isinstance(value, list):
        return [found for item in value for found in _language_maps(item)]
    if not isinstance(value, dict):
        return []
    if value and set(value) <= {"en", "de", "fi", "es"}:
        return [value]
    return [found for item in value.values() for found in _language_maps(item)]


def test_no_text_of_the_content_is_lost() -> None:
    document = version_document(MAXIMAL)
    graph = to_graph(learning_opportunity(document))
    literals = {o for o in graph.objects() if isinstance(o, Literal)}
    texts = _language_maps(document["content"])
    assert len(texts) == 16
    for text in texts:
        for lang, value in text.items():
            assert Literal(value, lang=lang) in literals, (lang, value)
    # plain strings carry the default language: Finnish, the first language of instruction
    assert Literal("Spring 2027", lang="fi") in literals
    assert Literal("Ada Lovelace, Alan Turing", lang="fi") in literals
    assert {Literal(k, lang="fi") for k in MAXIMAL["keywords"]} <= literals
    stackable = "\n".join(MAXIMAL["stackableTowards"])
    assert Literal(stackable, lang="fi") in literals


def test_the_values_land_on_their_elm_properties() -> None:
    rendered = learning_opportunity(version_document(MAXIMAL))
    graph = to_graph(rendered)
    opportunity, spec = URIRef(VERSION), URIRef(f"{VERSION}#spec")
    language = "http://publications.europa.eu/resource/authority/language/"

    def one(subject: URIRef, predicate: URIRef) -> Any:
        (value,) = graph.objects(subject, predicate)
        return value

    assert one(opportunity, ELM.defaultLanguage) == URIRef(f"{language}FIN")
    assert one(opportunity, ELM.providedBy) == URIRef(INSTITUTION["id"])
    assert one(opportunity, ELM.duration).datatype == XSD.duration
    assert rendered["duration"] == "P19W"  # rdflib normalises the literal to P133D
    assert str(one(spec, ELM.educationLevel)) == "http://data.europa.eu/snb/eqf/6"
    assert str(one(spec, ELM.ISCEDFCode)) == "http://data.europa.eu/snb/isced-f/0688"
    assert one(spec, ELM.volumeOfLearning).datatype == XSD.duration
    assert rendered["learningAchievementSpecification"]["volumeOfLearning"] == "PT187H30M"
    assert str(one(one(spec, ELM.creditPoint), ELM.point)) == "7.5"
    amount = one(one(opportunity, ELM.priceDetail), ELM.amount)
    assert one(amount, RDF.value) == Literal("120", datatype=XSD.decimal)
    assert set(graph.objects(spec, DC.language)) == {
        URIRef(f"{language}FIN"),
        URIRef(f"{language}ENG"),
    }
    skills = set(graph.objects(URIRef(f"{VERSION}#lo-1"), ELM.relatedESCOSkill))
    assert skills == {URIRef(SKILL_CHARTS), URIRef(SKILL_CONTENT)}
    period = one(opportunity, DC.temporal)
    assert str(one(period, ELM.startDate)) == "2027-01-15T00:00:00"
    assert str(one(period, ELM.endDate)) == "2027-05-31T23:59:59"  # the whole last day
    subjects = {
        str(subject).removeprefix(f"{FIELD_SCHEME}/") for subject in graph.objects(None, DC.subject)
    }
    assert subjects == set(FIELD_LABELS)


def test_full_time_study_is_a_learning_schedule() -> None:
    full_time = {**MINIMAL, "formOfStudy": "full-time"}
    opportunity = learning_opportunity(version_document(full_time))
    assert opportunity["learningSchedule"]["id"].startswith("http://data.europa.eu/snb/")
    assert "additionalNote" not in opportunity
    assert validate_loq(opportunity)[0]


def test_a_homepage_that_is_no_web_page_falls_back_to_the_version() -> None:
    document = version_document({**MINIMAL, "homepage": "urn:isbn:9780000000000"})
    opportunity = learning_opportunity(document)
    assert opportunity["homepage"]["contentURL"] == VERSION
    assert validate_loq(opportunity)[0]


def test_rendering_is_pure_and_deterministic() -> None:
    document = version_document(MAXIMAL)
    before = copy.deepcopy(document)
    first = json.dumps(learning_opportunity(document), sort_keys=False)
    assert json.dumps(learning_opportunity(copy.deepcopy(document)), sort_keys=False) == first
    assert document == before
    assert learning_opportunity(document)["@context"] == CONTEXT


@pytest.mark.parametrize(
    ("hours", "duration"),
    [(25, "PT25H"), (187.5, "PT187H30M"), (0.25, "PT15M"), (2.0005, "PT2H2S"), (0.0001, "PT0S")],
)
def test_hours_become_an_xsd_duration(hours: float, duration: str) -> None:
    assert hours_duration(hours) == duration


# ---- schema.org ---------------------------------------------------------------------------


def test_the_schema_org_course_speaks_the_asked_language() -> None:
    course = schema_org_course(version_document(MAXIMAL), "de")
    assert course["@context"] == "https://schema.org"
    assert course["@type"] == "Course"
    assert course["name"] == "Datenkompetenz"
    assert course["description"] == MAXIMAL["abstract"]["de"]
    assert course["url"] == VERSION
    assert course["provider"] == {
        "@type": "CollegeOrUniversity",
        "name": "University A",
        "url": "https://uni-a.example",
    }
    assert course["numberOfCredits"] == {
        "@type": "StructuredValue",
        "value": 7.5,
        "unitText": "ECTS",
    }
    assert course["offers"] == {
        "@type": "Offer",
        "price": 120,
        "priceCurrency": "EUR",
        "category": "Paid",
    }
    assert course["educationalCredentialAwarded"] == "Ein Microcredential."
    assert course["educationalLevel"] == "EQF level 6"
    assert course["inLanguage"] == ["fi", "en"]
    assert course["keywords"] == "data, statistics, visualisation"
    assert course["teaches"] == ["Liest und beurteilt Diagramme.", "Bereinigt einen Datensatz."]
    assert course["hasCourseInstance"] == {
        "@type": "CourseInstance",
        "courseMode": "Blended",
        "startDate": "2027-01-15",
        "endDate": "2027-05-31",
        "courseWorkload": "PT187H30M",
    }


def test_the_schema_org_course_falls_back_to_english_and_leaves_out_what_is_missing() -> None:
    course = schema_org_course(version_document(MINIMAL), "sv")
    assert course["name"] == "Data literacy"
    for absent in ("offers", "numberOfCredits", "educationalCredentialAwarded", "keywords"):
        assert absent not in course
    assert course["hasCourseInstance"]["courseMode"] == "Online"
    assert "endDate" not in course["hasCourseInstance"]
