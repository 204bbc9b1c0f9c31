"""Sample catalogue entries, one per network language, that ``credreg demo`` publishes so a
newcomer sees the catalogue at once (and the tests have realistic content)."""

from __future__ import annotations

from typing import Any

SAMPLES: tuple[dict[str, Any], ...] = (
    {
        "title": {"en": "Data Ethics in Practice", "de": "Datenethik in der Praxis"},
        "abstract": {
            "en": "Privacy, fairness and accountability when organisations use data.",
            "de": "Datenschutz, Fairness und Verantwortung beim Einsatz von Daten.",
        },
        "fieldOfStudy": "0688",
        "eqfLevel": 6,
        "workload": {"ects": 3},
        "languages": ["en"],
        "participationForm": "online",
        "learningOutcomes": [
            {"text": {"en": "Assess a data project against the GDPR's principles."}}
        ],
        "assessmentTypes": ["portfolio"],
        "freeStart": True,
        "estimatedDuration": "P6W",
        "keywords": ["ethics", "data", "GDPR"],
        "costs": {"amount": 0, "currency": "EUR"},
    },
    {
        "title": {"de": "Nachhaltige Lieferketten", "en": "Sustainable Supply Chains"},
        "abstract": {"de": "Lieferketten messen, bewerten und nachhaltiger gestalten."},
        "fieldOfStudy": "0413",
        "eqfLevel": 6,
        "workload": {"ects": 5},
        "languages": ["de"],
        "participationForm": "blended",
        "learningOutcomes": [{"text": {"de": "Die CO2-Bilanz einer Lieferkette berechnen."}}],
        "assessmentTypes": ["written-onsite"],
        "startDate": "2027-03-01",
        "endDate": "2027-06-30",
        "cycle": "Sommersemester 2027",
    },
    {
        "title": {"fi": "Kiertotalouden perusteet", "en": "Circular Economy Basics"},
        "abstract": {"fi": "Materiaalikierrot, uudelleenkäyttöön suunnittelu ja politiikka."},
        "fieldOfStudy": "0712",
        "eqfLevel": 6,
        "workload": {"ects": 2},
        "languages": ["fi", "en"],
        "participationForm": "online",
        "learningOutcomes": [{"text": {"fi": "Selittää kiertotalouden periaatteet."}}],
        "assessmentTypes": ["online"],
        "startDate": "2027-01-15",
        "endDate": "2027-02-28",
    },
    {
        "title": {"es": "Energías renovables", "en": "Renewable Energy"},
        "abstract": {"es": "Tecnologías solar y eólica y su integración en la red."},
        "fieldOfStudy": "0713",
        "eqfLevel": 7,
        "workload": {"ects": 4},
        "languages": ["es"],
        "participationForm": "onsite",
        "learningOutcomes": [{"text": {"es": "Dimensionar una instalación fotovoltaica."}}],
        "assessmentTypes": ["oral", "skill-application"],
        "startDate": "2027-02-08",
        "endDate": "2027-05-28",
    },
)
