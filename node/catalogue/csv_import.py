"""Catalogue entries from a CSV file: one row per learning opportunity (docs/catalogue.md,
"Import").

The file is read like the credentials' platform export (node/credentials/csv_import.py):
UTF-8, UTF-16 with a BOM or Windows-1252; ``,`` ``;`` or tab delimited; lists separated by
``|``; multilingual columns ``title@en``, ``title@de``. A file whose header cannot be used
(an unknown or duplicate column, no ``key``) is refused whole (:class:`CsvFormatError`)
before any row; a bad row is a :class:`CatalogueRow` with its problems, the next rows are
still read. ``key`` is the institution's own code of the course: an entry imported with it
is skipped when the file is imported again (``catalogue_entry.import_key``).
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from node.catalogue.entries import Catalogue
from node.credentials import vocab
from node.credentials.csv_import import (
    DELIMITERS,
    LIST_SEPARATOR,
    CsvFormatError,
    aligned_items,
    convert_cell,
    records,
    set_path,
    split_list,
)
from node.errors import Conflict, InvalidInput, Problem

KEY: Final = "key"
Kind = Literal["text", "list", "number", "int", "bool"]

COLUMNS: Final[dict[str, tuple[tuple[str, ...], Kind]]] = {
    "field_of_study": (("fieldOfStudy",), "text"),
    "eqf_level": (("eqfLevel",), "int"),
    "ects": (("workload", "ects"), "number"),
    "certified_hours": (("workload", "certifiedHours"), "number"),
    "languages": (("languages",), "list"),
    "participation_form": (("participationForm",), "text"),
    "assessment_types": (("assessmentTypes",), "list"),
    "free_start": (("freeStart",), "bool"),
    "start_date": (("startDate",), "text"),
    "end_date": (("endDate",), "text"),
    "cycle": (("cycle",), "text"),
    "teachers": (("teachers",), "list"),
    "academic_hours": (("academicHours",), "number"),
    "estimated_duration": (("estimatedDuration",), "text"),
    "target_groups": (("targetGroups",), "list"),
    "form_of_study": (("formOfStudy",), "text"),
    "modality": (("modality",), "list"),
    "keywords": (("keywords",), "list"),
    "price": (("costs", "amount"), "number"),
    "currency": (("costs", "currency"), "text"),
    "delivery": (("delivery",), "text"),
    "assessed_by": (("assessedBy",), "text"),
    "supervision_verification": (("supervisionVerification",), "text"),
    "stackable_towards": (("stackableTowards",), "list"),
    "homepage": (("homepage",), "text"),
}
LANG_COLUMNS: Final[dict[str, str]] = {
    "title": "title",
    "abstract": "abstract",
    "faculty": "faculty",
    "short_bio": "shortBio",
    "target_group_description": "targetGroupDescription",
    "entry_requirements": "entryRequirements",
    "pedagogical_approach": "pedagogicalApproach",
    "main_topics": "mainTopics",
    "learning_hours_distribution": "learningHoursDistribution",
    "assessment_description": "assessmentDescription",
    "credentials_issued": "credentialsIssued",
    "credential_requirements": "credentialRequirements",
    "industry_support": "industrySupport",
    "price_description": "costs.description",
}
OUTCOME: Final = "outcome"  # outcome@en = "first|second"; esco_skills aligns groups with them
ESCO: Final = "esco_skills"
_TRUE, _FALSE = {"true", "yes", "1", "x"}, {"false", "no", "0", ""}
HELP: Final = "the columns are listed in docs/catalogue.md (Import)"


@dataclass(frozen=True)
class CatalogueRow:
    """One record: its first line (the header is line 1), key, content (JSON form, not yet
    validated) and the problems of its cells."""

    line: int
    key: str | None
    content: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)


def read_rows(lines: Iterable[str]) -> Iterator[CatalogueRow]:
    """The header at once (CsvFormatError), then the records lazily; ``lines``: a text
    file opened with ``newline=""``."""
    stream = iter(lines)
    first = next(stream, "").removeprefix("\ufeff")
    delimiter = max(DELIMITERS, key=first.count)
    reader = csv.reader(itertools.chain([first], stream), delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as exc:
        raise CsvFormatError(f"the header line cannot be read: {exc}; {HELP}") from None
    _check(header)
    return _records(reader, header)


def _check(header: list[str]) -> None:
    if not any(header):
        raise CsvFormatError(f"the file is empty or its header line is; {HELP}")
    doubled = sorted({name for name in header if header.count(name) > 1})
    unknown = [name for name in header if not _known(name)]
    problems = [Problem(n, "duplicate column") for n in doubled]
    problems += [Problem(n, "unknown column") for n in unknown[:50]]
    if KEY not in header:
        problems.append(Problem(KEY, "required: the institution's code of the course"))
    if problems:
        names = ", ".join(p.element for p in problems[:10])
        raise CsvFormatError(f"the header cannot be used ({names}); {HELP}", problems)


def _known(name: str) -> bool:
    if name in (KEY, ESCO) or name in COLUMNS:
        return True
    base, at, tag = name.partition("@")
    return bool(at) and (base in LANG_COLUMNS or base == OUTCOME) and vocab.is_lang_tag(tag)


def _records(reader: Any, header: list[str]) -> Iterator[CatalogueRow]:
    def make(line: int, record: list[str]) -> CatalogueRow:
        if len(record) != len(header):
            reason = f"expected {len(header)} fields, got {len(record)}"
            return CatalogueRow(line, None, {}, [Problem("(row)", reason)])
        cells = {name: cell.strip() for name, cell in zip(header, record, strict=True)}
        return _row(line, cells)

    return records(reader, make, lambda line, problem: CatalogueRow(line, None, {}, [problem]))


def _row(line: int, cells: dict[str, str]) -> CatalogueRow:
    key = cells.pop(KEY, "") or None
    problems = [] if key else [Problem(KEY, "required")]
    if key and len(key) > 200:
        problems.append(Problem(KEY, "at most 200 characters"))
    content: dict[str, Any] = {}
    outcomes: dict[str, list[str]] = {}
    for name, value in cells.items():
        if not value and name in COLUMNS and COLUMNS[name][1] != "bool":
            continue
        if name in COLUMNS:
            path, kind = COLUMNS[name]
            converted = _convert(value, kind)
            if converted is None:
                problems.append(Problem(name, f"not {_A[kind]}"))
            else:
                set_path(content, path, converted)
        elif name != ESCO and value:
            base, _, tag = name.partition("@")
            if base == OUTCOME:
                outcomes[tag] = split_list(value)
            else:
                set_path(content, (*LANG_COLUMNS[base].split("."), tag), value)
    if outcomes:
        content["learningOutcomes"] = aligned_items(outcomes, cells.get(ESCO, ""), ESCO, problems)
    elif cells.get(ESCO):
        problems.append(Problem(ESCO, "ESCO skills without any outcome@… text"))
    return CatalogueRow(line, key, content, problems)


def content_from_cells(cells: dict[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    """A content (JSON form, not yet validated) from cells named like the columns — a CSV
    row's, or the console's form, whose fields are named so — and the cells' problems."""
    known = {name: value for name, value in cells.items() if _known(name) and name != KEY}
    row = _row(0, {KEY: "form"} | known)
    return row.content, row.problems


def cells_from_content(content: dict[str, Any]) -> dict[str, str]:
    """The cells that give ``content`` back (lists joined by ``|``): to fill a form."""
    cells: dict[str, str] = {}
    for name, (path, kind) in COLUMNS.items():
        value: Any = content
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if value is None or value == []:
            continue
        if kind == "list":
            cells[name] = LIST_SEPARATOR.join(str(v) for v in value)
        elif kind == "bool":
            cells[name] = "yes" if value else ""
        elif kind in ("number", "int"):
            cells[name] = f"{value:g}"
        else:
            cells[name] = str(value)
    for name, dotted in LANG_COLUMNS.items():
        value = content
        for part in dotted.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        for tag, text in (value or {}).items():
            cells[f"{name}@{tag}"] = text
    outcomes = content.get("learningOutcomes") or []
    for tag in sorted({tag for outcome in outcomes for tag in outcome["text"]}):
        cells[f"{OUTCOME}@{tag}"] = LIST_SEPARATOR.join(o["text"].get(tag, "") for o in outcomes)
    if any(o.get("escoSkills") for o in outcomes):
        cells[ESCO] = LIST_SEPARATOR.join(" ".join(o.get("escoSkills", [])) for o in outcomes)
    return cells


_A: Final[dict[Kind, str]] = {
    "text": "text",
    "list": "a list",
    "number": "a number",
    "int": "a whole number",
    "bool": "yes or no",
}


def _convert(value: str, kind: Kind) -> Any:
    if kind == "bool":
        lowered = value.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else None
    return convert_cell(value, kind)


# -- importing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    """What became of one row: ``created`` (a draft), ``published``, ``skipped`` (imported
    before, under its key) or ``rejected`` (``problems`` say why)."""

    line: int
    key: str | None
    outcome: str
    entry_id: str | None = None
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "key": self.key,
            "outcome": self.outcome,
            "entry": self.entry_id,
            "problems": [p.as_dict() for p in self.problems],
        }


def import_row(catalogue: Catalogue, row: CatalogueRow, *, publish: bool) -> Imported:
    """Create (and with ``publish`` publish) the row's entry, unless its key was imported
    before. Each step commits on its own, so a run that died half-way is finished by
    running it again: an entry left a draft is published then, none is made twice."""
    if row.problems or row.key is None:
        return Imported(row.line, row.key, "rejected", problems=row.problems)
    entry = catalogue.imported(row.key)
    made = entry is None
    if entry is None:
        try:
            entry = catalogue.create(row.content, import_key=row.key)
        except InvalidInput as exc:
            return Imported(row.line, row.key, "rejected", problems=list(exc.problems))
        except Conflict:  # imported meanwhile, by another run
            again = catalogue.imported(row.key)
            return Imported(row.line, row.key, "skipped", again.id if again else None)
    if publish and not entry.published and entry.draft is not None:
        catalogue.publish(entry.id)
        return Imported(row.line, row.key, "published", entry.id)
    return Imported(row.line, row.key, "created" if made else "skipped", entry.id)
