"""Catalogue entries from ELM 3 Learning Opportunity JSON-LD (docs/catalogue.md, "Import").

Reads compacted JSON-LD with the term names of this node's ELM (node/catalogue/elm.py:
``title``, ``description``, ``learningAchievementSpecification``, ``creditPoint``, …) — what
a member's node serves on ``Accept: application/ld+json`` — one opportunity, a list of them
or an ``@graph``. Each becomes a :class:`~node.catalogue.csv_import.CatalogueRow` whose key
is the opportunity's ``id``, so importing the same file again skips it.

Read back: title, abstract (``description``), ISCED-F field, EQF level, ECTS and certified
hours, languages, mode, learning outcomes with their ESCO skills, assessment types, dates
(none: free start), cycle, duration, keywords, entry requirements, price, target groups.
A value outside the vocabularies this node knows (an assessment type of another scheme) is
a problem naming the element, never guessed. The DP 6.1 fields ELM has no property for,
which elm.py writes as notes, are not read back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any, Final

from node.catalogue.csv_import import CatalogueRow
from node.catalogue.elm import CURRENCY_BASE, ECTS, MODES
from node.credentials import vocab
from node.errors import Problem

_ALPHA2: Final = {alpha3: alpha2 for alpha2, alpha3 in vocab.LANGUAGES.items()}
_PARTICIPATION: Final = {iri: str(code) for code, iri in MODES.items()}
_ASSESSMENT: Final = f"{vocab.VOCAB_BASE}assessment-type/"
_TARGET: Final = f"{vocab.VOCAB_BASE}target-group/"
_HOURS: Final = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$")


def elm_rows(found: Any) -> Iterator[CatalogueRow]:
    """The rows of a parsed JSON document: one opportunity, a list, or an ``@graph``."""
    items = found.get("@graph", [found]) if isinstance(found, Mapping) else found
    if not isinstance(items, list):
        items = [items]
    for number, item in enumerate(items, start=1):
        if not isinstance(item, Mapping) or "LearningOpportunity" not in _types(item):
            yield CatalogueRow(number, None, {}, [Problem("type", "not a LearningOpportunity")])
            continue
        yield opportunity_row(number, item)


def opportunity_row(number: int, node: Mapping[str, Any]) -> CatalogueRow:
    """One ELM Learning Opportunity as a catalogue row (``number``: its place in the file)."""
    problems: list[Problem] = []
    key = node.get("id") if isinstance(node.get("id"), str) else None
    if key is None:
        problems.append(Problem("id", "the opportunity has no id (its import key)"))
    spec = _one(node.get("learningAchievementSpecification")) or {}
    content: dict[str, Any] = {
        "title": node.get("title") or spec.get("title"),
        "abstract": node.get("description") or spec.get("description"),
    }
    _code(content, "fieldOfStudy", spec.get("thematicArea"), vocab.ISCED_F_BASE, problems)
    level = _tail(_one(spec.get("educationLevel")), vocab.EQF_BASE)
    if level is not None and level.isdigit():
        content["eqfLevel"] = int(level)
    else:
        problems.append(Problem("educationLevel", "no EQF level"))
    content["workload"] = _workload(spec, problems)
    languages = [
        _ALPHA2.get(_tail(c, vocab.LANGUAGE_BASE) or "") for c in _many(spec.get("language"))
    ]
    if not languages or None in languages:
        problems.append(Problem("language", "a language this node does not know, or none"))
    content["languages"] = [code for code in languages if code]
    mode = _one(node.get("mode"))
    participation = _PARTICIPATION.get(str(mode.get("id"))) if mode else None
    if participation is None:
        problems.append(Problem("mode", "not one of the ELM modes online, face-to-face, blended"))
    content["participationForm"] = participation
    content["learningOutcomes"] = [
        {
            "text": outcome.get("title"),
            "escoSkills": [s.get("id") for s in _many(outcome.get("relatedESCOSkill"))],
        }
        for outcome in _many(spec.get("learningOutcome"))
    ]
    proven = _one(spec.get("provenBy")) or {}
    kinds = [_tail(kind, _ASSESSMENT) for kind in _many(proven.get("dcType"))]
    if not kinds or None in kinds:
        problems.append(Problem("provenBy.dcType", "an assessment type this node does not know"))
    content["assessmentTypes"] = [kind for kind in kinds if kind]
    if description := proven.get("description"):
        content["assessmentDescription"] = description
    _dates(content, _one(node.get("temporal")), problems)
    _optional(content, node, spec)
    return CatalogueRow(number, key, {k: v for k, v in content.items() if v is not None}, problems)


def _workload(spec: Mapping[str, Any], problems: list[Problem]) -> dict[str, float]:
    workload: dict[str, float] = {}
    credit = _one(spec.get("creditPoint"))
    if credit and (_one(credit.get("framework")) or {}).get("id") == ECTS:
        try:
            workload["ects"] = float(credit.get("point", ""))
        except ValueError:
            problems.append(Problem("creditPoint.point", "not a number"))
    if hours := spec.get("volumeOfLearning"):
        found = _HOURS.match(str(hours))
        if found is None:
            problems.append(Problem("volumeOfLearning", "not a duration in hours (PT…H)"))
        else:
            h, m, s = (float(part or 0) for part in found.groups())
            workload["certifiedHours"] = round(h + m / 60 + s / 3600, 4)
    return workload


def _dates(
    content: dict[str, Any], period: Mapping[str, Any] | None, problems: list[Problem]
) -> None:
    if period is None:
        content["freeStart"] = True
        return
    for term, name in (("startDate", "startDate"), ("endDate", "endDate")):
        value = period.get(term)
        if value is None:
            continue
        try:
            content[name] = date.fromisoformat(str(value)[:10]).isoformat()
        except ValueError:
            problems.append(Problem(f"temporal.{term}", "not a date"))
    if "startDate" not in content:
        content["freeStart"] = True
    if label := period.get("prefLabel"):
        content["cycle"] = next(iter(label.values())) if isinstance(label, Mapping) else label


def _optional(content: dict[str, Any], node: Mapping[str, Any], spec: Mapping[str, Any]) -> None:
    if duration := node.get("duration"):
        content["estimatedDuration"] = duration
    category = spec.get("category")
    if isinstance(category, Mapping):
        content["keywords"] = [w for words in category.values() for w in _many(words)]
    if requirement := _one(spec.get("entryRequirement")):
        content["entryRequirements"] = requirement.get("noteLiteral")
    groups = [_tail(group, _TARGET) for group in _many(spec.get("targetGroup"))]
    if groups and None not in groups:
        content["targetGroups"] = groups
    price = _one(node.get("priceDetail"))
    amount = _one(price.get("amount")) if price else None
    if amount is not None:
        currency = _tail(_one(amount.get("unit")), CURRENCY_BASE)
        content["costs"] = {"amount": _number(amount.get("value")), "currency": currency}
        if price and price.get("description"):
            content["costs"]["description"] = price["description"]


def _code(
    content: dict[str, Any], name: str, value: Any, base: str, problems: list[Problem]
) -> None:
    code = _tail(_one(value), base)
    if code is None:
        problems.append(Problem(name, f"no {base}… concept"))
    content[name] = code


def _types(node: Mapping[str, Any]) -> list[str]:
    kind = node.get("type", node.get("@type"))
    return [str(k) for k in _many(kind)]


def _one(value: Any) -> Mapping[str, Any] | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str):
        return {"id": value}
    return value if isinstance(value, Mapping) else None


def _many(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _tail(concept: Any, base: str) -> str | None:
    """The code of a concept IRI under ``base`` (None: no concept, or another scheme's)."""
    iri = concept.get("id") if isinstance(concept, Mapping) else concept
    if isinstance(iri, str) and iri.startswith(base) and len(iri) > len(base):
        return iri[len(base) :]
    return None


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
