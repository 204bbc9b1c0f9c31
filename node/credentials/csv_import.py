"""Import micro-credential claims from a learning-platform CSV export (DigiProf 5.2).

The column set is documented in ``docs/csv-format.md``. :func:`parse_csv` streams: it holds
one record at a time, so a 100k-row file costs no more memory than a 10-row one. A bad row
yields a :class:`CsvRow` with problems, never an exception; only a broken *header* (unknown or
duplicate column, no ``idempotency_key``) raises :class:`CsvHeaderError`, before any row.

Problems of a cell that cannot be read (a number that is not one) name the CSV column; problems
found by claims validation name the JSON element (``learningOutcomes[1].text``).
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from node.credentials import vocab
from node.credentials.model import MicroCredentialClaims
from node.credentials.profile import ClaimsInvalid, RequirementProfile, validate_claims
from node.errors import Problem

Kind = Literal["text", "list", "number", "int"]
Path = tuple[str, ...]

KEY_COLUMN: Final = "idempotency_key"
LIST_SEPARATOR: Final = "|"
_BODY: Final = "_awardingBody"  # gathered here, then wrapped into ``awardingBodies``

# Plain columns: column → (JSON path, kind).
COLUMNS: Final[dict[str, tuple[Path, Kind]]] = {
    "learner_given_name": (("learner", "givenName"), "text"),
    "learner_family_name": (("learner", "familyName"), "text"),
    "learner_date_of_birth": (("learner", "dateOfBirth"), "text"),
    "learner_id": (("learner", "identifier"), "text"),
    "learner_id_type": (("learner", "identifierType"), "text"),
    "learner_did": (("learner", "did"), "text"),
    "issuer_countries": (("issuerCountries",), "list"),
    "awarding_body_id": ((_BODY, "id"), "text"),
    "awarding_body_street": ((_BODY, "address", "streetAddress"), "text"),
    "awarding_body_postal_code": ((_BODY, "address", "postalCode"), "text"),
    "awarding_body_locality": ((_BODY, "address", "locality"), "text"),
    "awarding_body_region": ((_BODY, "address", "region"), "text"),
    "awarding_body_country": ((_BODY, "address", "country"), "text"),
    "awarding_body_legal_status": ((_BODY, "legalStatus"), "text"),
    "awarding_body_deqar_id": ((_BODY, "deqarId"), "text"),
    "date_of_issuing": (("dateOfIssuing",), "text"),
    "ects": (("workload", "ects"), "number"),
    "certified_hours": (("workload", "certifiedHours"), "number"),
    "eqf": (("level", "eqf"), "int"),
    "qf_ehea": (("level", "qfEhea"), "text"),
    "nqf": (("level", "nqf"), "text"),
    "isced_f": (("level", "iscedF"), "text"),
    "assessment_types": (("assessmentTypes",), "list"),
    "participation_form": (("participationForm",), "text"),
    "qa_types": (("qualityAssurance", "types"), "list"),
    "qa_report": (("qualityAssurance", "deqarReport"), "text"),
    "target_groups": (("targetGroups",), "list"),
    "supervision": (("supervisionVerification",), "text"),
    "grade": (("grade", "value"), "text"),
    "integration": (("integration", "options"), "list"),
    "stackable_towards": (("integration", "stackableTowards"), "list"),
    "grading_standard": (("gradingStandard",), "text"),
    "accreditation_status": (("providerAccreditationStatus",), "text"),
    "languages": (("languagesOfInstruction",), "list"),
    "modality": (("modality",), "list"),
    "learning_setting": (("learningSetting",), "text"),
    "cost_amount": (("costs", "amount"), "number"),
    "cost_currency": (("costs", "currency"), "text"),
    "teachers": (("teachers",), "list"),
    "academic_hours": (("academicHours",), "number"),
    "estimated_duration": (("estimatedDuration",), "text"),
    "place_of_issue": (("placeOfIssue",), "text"),
    "primary_language": (("primaryLanguage",), "text"),
    "achievement_id": (("achievementId",), "text"),
}

# Multilingual columns, one per language: ``title@en``, ``title@de`` → (JSON path).
LANG_COLUMNS: Final[dict[str, Path]] = {
    "title": ("title",),
    "awarding_body_name": (_BODY, "name"),
    "qa_description": ("qualityAssurance", "description"),
    "prerequisites": ("prerequisites",),
    "grade_description": ("grade", "description"),
    "further_information": ("furtherInformation",),
    "course_description": ("courseDescription",),
    "admission_requirements": ("prerequisitesDescription", "admissionRequirements"),
    "prior_knowledge": ("prerequisitesDescription", "priorKnowledge"),
    "prior_experience": ("prerequisitesDescription", "priorExperience"),
    "monitoring": ("monitoring",),
    "cost_description": ("costs", "description"),
    "faculty": ("faculty",),
}

# Multilingual lists (``outcome@en`` = ``first|second``), each with its ESCO column whose
# groups (``|``) align with the items and hold space-separated skill URIs.
LANG_LIST_COLUMNS: Final[dict[str, tuple[str, str]]] = {
    "outcome": ("learningOutcomes", "esco_skills"),
    "competence": ("achievedCompetences", "competence_esco_skills"),
}
_ESCO_COLUMNS: Final = {esco: base for base, (_, esco) in LANG_LIST_COLUMNS.items()}


class CsvHeaderError(ValueError):
    """The header row cannot be used (nothing of the file is imported)."""


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One data record: its first line number (the header is line 1), key, claims, problems.

    ``claims`` is set exactly when ``problems`` is empty.
    """

    line: int
    idempotency_key: str | None
    claims: MicroCredentialClaims | None
    problems: list[Problem] = field(default_factory=list)


def parse_csv(text_stream: Iterable[str], profile: RequirementProfile) -> Iterator[CsvRow]:
    """Parse a platform export (``,`` or ``;`` delimited, optional UTF-8 BOM), lazily.

    ``text_stream`` is a text file opened with ``newline=""`` (or any iterable of lines).
    """
    lines = iter(text_stream)
    first = next(lines, "").removeprefix("\ufeff")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
    header = next(reader, None)
    if header is None or not any(name.strip() for name in header):
        raise CsvHeaderError("empty file or empty header row")
    columns = _check_header(header)
    line = reader.line_num + 1
    for record in reader:
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        yield _row(start, columns, record, profile)


def _check_header(header: list[str]) -> list[str]:
    columns = [name.strip() for name in header]
    duplicates = sorted({name for name in columns if columns.count(name) > 1})
    if duplicates:
        raise CsvHeaderError(f"duplicate columns: {', '.join(duplicates)}")
    unknown = [name for name in columns if not _known_column(name)]
    if unknown:
        raise CsvHeaderError(f"unknown columns: {', '.join(unknown)}")
    if KEY_COLUMN not in columns:
        raise CsvHeaderError(f"missing required column {KEY_COLUMN}")
    return columns


def _known_column(name: str) -> bool:
    if name == KEY_COLUMN or name in COLUMNS or name in _ESCO_COLUMNS:
        return True
    base, at, tag = name.partition("@")
    return (
        bool(at)
        and (base in LANG_COLUMNS or base in LANG_LIST_COLUMNS)
        and (vocab.is_lang_tag(tag))
    )


def _row(line: int, columns: list[str], record: list[str], profile: RequirementProfile) -> CsvRow:
    if len(record) != len(columns):
        reason = f"expected {len(columns)} fields, got {len(record)}"
        index = columns.index(KEY_COLUMN)
        key = (record[index].strip() or None) if index < len(record) else None
        return CsvRow(line, key, None, [Problem("(row)", reason)])
    cells = {name: value.strip() for name, value in zip(columns, record, strict=True)}
    key = cells.pop(KEY_COLUMN) or None
    problems: list[Problem] = [] if key else [Problem(KEY_COLUMN, "required")]
    raw = _claims_dict(cells, problems)
    try:
        claims = validate_claims(raw, profile)
    except ClaimsInvalid as exc:
        return CsvRow(line, key, None, problems + exc.problems)
    if problems:
        return CsvRow(line, key, None, problems)
    return CsvRow(line, key, claims, [])


def _claims_dict(cells: dict[str, str], problems: list[Problem]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    lang_lists: dict[str, dict[str, list[str]]] = {}
    for name, value in cells.items():
        if not value:
            continue
        if name in COLUMNS:
            path, kind = COLUMNS[name]
            converted = _convert(value, kind)
            if converted is None:
                problems.append(
                    Problem(name, "not a whole number" if kind == "int" else "not a number")
                )
            else:
                _set(raw, path, converted)
        elif name in _ESCO_COLUMNS:
            continue
        else:
            base, _, tag = name.partition("@")
            if base in LANG_COLUMNS:
                _set(raw, (*LANG_COLUMNS[base], tag), value)
            else:
                lang_lists.setdefault(base, {})[tag] = _split(value)
    for esco_column, base in _ESCO_COLUMNS.items():
        if cells.get(esco_column) and base not in lang_lists:
            problems.append(Problem(esco_column, f"ESCO skills without any {base}@… text"))
    for base, by_language in lang_lists.items():
        target, esco_column = LANG_LIST_COLUMNS[base]
        raw[target] = _items(by_language, cells.get(esco_column, ""), esco_column, problems)
    body = raw.pop(_BODY, None)
    if body is not None:
        raw["awardingBodies"] = [body]
    return raw


def _items(
    by_language: dict[str, list[str]], esco: str, esco_column: str, problems: list[Problem]
) -> list[dict[str, Any]]:
    count = max(len(texts) for texts in by_language.values())
    groups = esco.split(LIST_SEPARATOR) if esco else []
    if len(groups) > count:
        problems.append(Problem(esco_column, f"{len(groups)} groups for {count} items"))
    items: list[dict[str, Any]] = []
    for index in range(count):
        text = {tag: texts[index] for tag, texts in by_language.items() if index < len(texts)}
        item: dict[str, Any] = {"text": text}
        if index < len(groups) and groups[index].strip():
            item["escoSkills"] = groups[index].split()
        items.append(item)
    return items


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


def _convert(value: str, kind: Kind) -> Any:
    if kind == "text":
        return value
    if kind == "list":
        return _split(value)
    if kind == "int":
        return int(value) if value.isdigit() else None
    if not _NUMBER.fullmatch(value):
        return None
    return float(value.replace(",", "."))


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]


def _set(raw: dict[str, Any], path: Path, value: Any) -> None:
    node = raw
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
