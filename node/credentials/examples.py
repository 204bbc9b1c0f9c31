"""Realistic, varied demo claims (the demo node and the benchmarks).

``example_claims(n)`` is deterministic: the same ``n`` gives the same claims. Every result is
valid against the default :class:`~node.credentials.profile.RequirementProfile` (1–5 ECTS,
EQF 5–8, English primary language). ESCO URIs are shaped like real ones but generated
(UUID v5), so they do not resolve.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any, Final

_ESCO_NAMESPACE: Final = uuid.UUID("6f1c0d2e-3b7a-5c1e-9a55-0b1e2c3d4e5f")

_COURSES: Final[tuple[dict[str, Any], ...]] = (
    {
        "title": {
            "en": "Data Literacy for Researchers",
            "de": "Datenkompetenz für Forschende",
            "fi": "Datalukutaito tutkijoille",
        },
        "outcomes": (
            {
                "en": "Explain the data life cycle and FAIR principles.",
                "de": "Den Datenlebenszyklus und die FAIR-Prinzipien erklären.",
            },
            {
                "en": "Clean and analyse a tabular data set with open-source tools.",
                "de": "Einen tabellarischen Datensatz mit Open-Source-Werkzeugen bereinigen und "
                "analysieren.",
            },
        ),
        "isced": "0688",
        "ects": 3.0,
        "eqf": 6,
    },
    {
        "title": {"en": "Sustainable Supply Chains", "es": "Cadenas de suministro sostenibles"},
        "outcomes": (
            {
                "en": "Assess the environmental impact of a supply chain.",
                "es": "Evaluar el impacto ambiental de una cadena de suministro.",
            },
            {
                "en": "Design a circular procurement strategy.",
                "es": "Diseñar una estrategia de compra circular.",
            },
            {
                "en": "Communicate sustainability trade-offs to stakeholders.",
                "es": "Comunicar las compensaciones de sostenibilidad a las partes interesadas.",
            },
        ),
        "isced": "0413",
        "ects": 5.0,
        "eqf": 7,
    },
    {
        "title": {
            "en": "Digital Didactics in Higher Education",
            "fi": "Digitaalinen didaktiikka korkeakouluopetuksessa",
        },
        "outcomes": (
            {
                "en": "Plan an online learning activity aligned with its learning outcomes.",
                "fi": "Suunnitella verkko-oppimistehtävä oppimistavoitteiden mukaisesti.",
            },
            {
                "en": "Select suitable digital assessment methods.",
                "fi": "Valita sopivat digitaaliset arviointimenetelmät.",
            },
        ),
        "isced": "0111",
        "ects": 2.0,
        "eqf": 6,
    },
    {
        "title": {
            "en": "Introduction to Machine Learning",
            "de": "Einführung in maschinelles Lernen",
        },
        "outcomes": (
            {
                "en": "Train and evaluate a supervised learning model.",
                "de": "Ein überwachtes Lernmodell trainieren und bewerten.",
            },
            {
                "en": "Recognise overfitting and apply regularisation.",
                "de": "Überanpassung erkennen und Regularisierung anwenden.",
            },
        ),
        "isced": "0613",
        "ects": 4.0,
        "eqf": 6,
    },
)

_INSTITUTIONS: Final[tuple[dict[str, Any], ...]] = (
    {
        "name": {"en": "Tallinn University", "et": "Tallinna Ülikool"},
        "locality": "Tallinn",
        "country": "EE",
        "street": "Narva mnt 25",
        "postal": "10120",
        "lang": "et",
    },
    {
        "name": {"en": "University of Applied Sciences Vienna", "de": "Fachhochschule Wien"},
        "locality": "Wien",
        "country": "AT",
        "street": "Währinger Gürtel 97",
        "postal": "1180",
        "lang": "de",
    },
    {
        "name": {"en": "University of Valencia", "es": "Universidad de Valencia"},
        "locality": "Valencia",
        "country": "ES",
        "street": "Av. de Blasco Ibáñez 13",
        "postal": "46010",
        "lang": "es",
    },
    {
        "name": {"en": "University of Turku", "fi": "Turun yliopisto"},
        "locality": "Turku",
        "country": "FI",
        "street": "Yliopistonmäki",
        "postal": "20014",
        "lang": "fi",
    },
)

_GIVEN: Final = ("Anna", "Mikko", "Lucía", "Jonas", "Eva", "Matteo", "Aino", "Tomás", "Ines")
_FAMILY: Final = ("Tamm", "Virtanen", "García", "Gruber", "Novak", "Rossi", "Korhonen", "Silva")
_ASSESSMENTS: Final = (
    ["online"],
    ["portfolio", "oral"],
    ["written-onsite"],
    ["skill-application", "online"],
)
_FORMS: Final = ("online", "blended", "onsite")
_SUPERVISION: Final = ("supervised-online", "unsupervised-no-id", "onsite-with-id")
_ECTS_GRADES: Final = ("A", "B", "C", "D", "E")


def _esco(seed: str) -> str:
    return f"http://data.europa.eu/esco/skill/{uuid.uuid5(_ESCO_NAMESPACE, seed)}"


def example_claims(n: int) -> dict[str, Any]:
    """Demo claims number ``n`` (JSON form, camelCase), valid under the default profile."""
    course = _COURSES[n % len(_COURSES)]
    body = _INSTITUTIONS[(n // len(_COURSES)) % len(_INSTITUTIONS)]
    issued = date(2025, 1, 15) + timedelta(days=(n * 7) % 365)
    born = date(1975, 3, 1) + timedelta(days=(n * 389) % 9000)
    outcomes = [
        {"text": dict(text), "escoSkills": [] if i % 2 else [_esco(f"{n % len(_COURSES)}-{i}")]}
        for i, text in enumerate(course["outcomes"])
    ]
    claims: dict[str, Any] = {
        "learner": {
            "givenName": _GIVEN[n % len(_GIVEN)],
            "familyName": _FAMILY[(n // 3) % len(_FAMILY)],
            "dateOfBirth": born.isoformat(),
            "identifier": f"S{100000 + n}",
            "identifierType": "student-number",
        },
        "title": dict(course["title"]),
        "issuerCountries": [body["country"]],
        "awardingBodies": [
            {
                "id": f"https://{body['locality'].lower()}.example.edu",
                "name": dict(body["name"]),
                "address": {
                    "streetAddress": body["street"],
                    "postalCode": body["postal"],
                    "locality": body["locality"],
                    "country": body["country"],
                },
                "legalStatus": "public-institution",
            }
        ],
        "dateOfIssuing": issued.isoformat(),
        "learningOutcomes": outcomes,
        "workload": {"ects": course["ects"]},
        "level": {"eqf": course["eqf"], "iscedF": course["isced"]},
        "assessmentTypes": list(_ASSESSMENTS[n % len(_ASSESSMENTS)]),
        "participationForm": _FORMS[n % len(_FORMS)],
        "qualityAssurance": {"types": ["internal", "external-institutional"]},
        "primaryLanguage": "en",
    }
    if n % 2 == 0:
        claims["grade"] = {"value": _ECTS_GRADES[n % len(_ECTS_GRADES)]}
        claims["gradingStandard"] = "ects-grading-scale"
    else:
        claims["grade"] = {"value": "pass"}
        claims["gradingStandard"] = "pass-fail"
    if n % 3 != 2:
        claims["workload"]["certifiedHours"] = course["ects"] * 27
        claims["supervisionVerification"] = _SUPERVISION[n % len(_SUPERVISION)]
        claims["targetGroups"] = ["academic", "lifelong-learning"][: 1 + n % 2]
        claims["integration"] = {"options": ["stackable"]}
        claims["languagesOfInstruction"] = ["en", body["lang"]]
        claims["providerAccreditationStatus"] = "institutional"
        claims["modality"] = [claims["participationForm"]]
        claims["teachers"] = [f"Dr. {_FAMILY[(n + 3) % len(_FAMILY)]}"]
        claims["placeOfIssue"] = body["locality"]
        claims["estimatedDuration"] = "P6W"
        claims["faculty"] = {"en": "Faculty of Continuing Education"}
        claims["level"]["qfEhea"] = "first" if course["eqf"] == 6 else "second"
    if n % 5 == 0:
        claims["costs"] = {"amount": 0.0, "currency": "EUR"}
        claims["learner"]["did"] = f"did:example:learner{n}"
    return claims


def minimal_claims() -> dict[str, Any]:
    """Only the EU mandatory elements (plus the EQF level the default profile requires)."""
    return {
        "learner": {
            "givenName": "Aino",
            "familyName": "Korhonen",
            "dateOfBirth": "1999-06-30",
            "identifier": "S200001",
        },
        "title": {"en": "Research Ethics"},
        "issuerCountries": ["FI"],
        "awardingBodies": [
            {
                "name": {"en": "University of Turku"},
                "address": {"locality": "Turku", "country": "FI"},
                "legalStatus": "public-institution",
            }
        ],
        "dateOfIssuing": "2025-05-20",
        "learningOutcomes": [{"text": {"en": "Apply the principles of research integrity."}}],
        "workload": {"ects": 2},
        "level": {"eqf": 7},
        "assessmentTypes": ["online"],
        "participationForm": "online",
        "qualityAssurance": {"types": ["internal"]},
    }


def maximal_claims() -> dict[str, Any]:
    """Every element of the model filled in."""
    esco = "http://data.europa.eu/esco/skill/"
    text = {"en": "See the course page.", "de": "Siehe die Kursseite."}
    return {
        "learner": {
            "givenName": "Lucía",
            "familyName": "García López",
            "dateOfBirth": "1988-02-29",
            "identifier": "12345678Z",
            "identifierType": "national-id",
            "did": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        },
        "title": {
            "en": "Sustainable Supply Chains",
            "es": "Cadenas de suministro sostenibles",
            "de": "Nachhaltige Lieferketten",
        },
        "issuerCountries": ["ES", "DE"],
        "awardingBodies": [
            {
                "id": "did:web:uv.example.edu",
                "name": {"en": "University of Valencia", "es": "Universitat de València"},
                "address": {
                    "streetAddress": "Av. de Blasco Ibáñez 13",
                    "postalCode": "46010",
                    "locality": "Valencia",
                    "region": "Comunitat Valenciana",
                    "country": "ES",
                },
                "legalStatus": "public-institution",
                "deqarId": "DEQARINST0042",
            },
            {
                "id": "https://hs.example.de",
                "name": {"en": "Example University of Applied Sciences"},
                "address": {"locality": "Köln", "country": "DE"},
                "legalStatus": "private-non-profit",
            },
        ],
        "dateOfIssuing": "2025-06-30",
        "learningOutcomes": [
            {
                "text": {
                    "en": "Assess the environmental impact of a supply chain.",
                    "es": "Evaluar el impacto ambiental de una cadena de suministro.",
                },
                "escoSkills": [f"{esco}5b0a4f3e-6a2c-4e0f-9a57-7d0c8e2f1b33"],
            },
            {"text": {"en": "Design a circular procurement strategy."}},
        ],
        "workload": {"ects": 5, "certifiedHours": 137.5},
        "level": {"eqf": 7, "qfEhea": "second", "nqf": "MECES 3", "iscedF": "0413"},
        "assessmentTypes": ["portfolio", "oral"],
        "participationForm": "blended",
        "qualityAssurance": {
            "types": ["internal", "external-programme"],
            "description": {"en": "Programme accredited by ANECA (2023)."},
            "deqarReport": "https://www.eqar.eu/qa-results/report/12345",
        },
        "targetGroups": ["academic", "lifelong-learning"],
        "prerequisites": {"en": "Bachelor's degree in business or engineering."},
        "supervisionVerification": "supervised-online",
        "grade": {"value": "B", "description": {"en": "Very good"}},
        "integration": {
            "options": ["stackable", "integrated"],
            "stackableTowards": ["https://uv.example.edu/programmes/msc-logistics"],
        },
        "furtherInformation": text,
        "gradingStandard": "ects-grading-scale",
        "providerAccreditationStatus": "institutional",
        "courseDescription": {
            "en": "A course on sustainable logistics.",
            "es": "Un curso sobre logística sostenible.",
        },
        "languagesOfInstruction": ["en", "es"],
        "achievedCompetences": [
            {
                "text": {"en": "Sustainability reporting"},
                "escoSkills": [f"{esco}0f6b1a5c-2d3e-4f50-8a9b-1c2d3e4f5a6b"],
            }
        ],
        "modality": ["blended", "work-based"],
        "learningSetting": "formal",
        "prerequisitesDescription": {
            "admissionRequirements": {"en": "Bachelor's degree."},
            "priorKnowledge": {"en": "Basic statistics."},
            "priorExperience": {"en": "One year of work in logistics."},
        },
        "monitoring": {"en": "Evaluated every semester; re-accredited every six years."},
        "costs": {
            "amount": 450.5,
            "currency": "EUR",
            "description": {"en": "Free for enrolled students."},
        },
        "faculty": {"en": "Faculty of Economics", "es": "Facultad de Economía"},
        "teachers": ["Dr. Marta Puig", "Prof. Jens Weber"],
        "academicHours": 90,
        "estimatedDuration": "P10W",
        "placeOfIssue": "Valencia",
        "primaryLanguage": "en",
        "achievementId": "https://uv.example.edu/catalogue/ssc-2025",
    }
