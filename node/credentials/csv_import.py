"""Import micro-credential claims from a learning-platform CSV export (DigiProf 5.2).

The format is documented in ``docs/csv-format.md``. :func:`parse_csv` streams: it holds one
record at a time, so a 100k-row file costs no more memory than a 10-row one. A bad row
yields a :class:`CsvRow` with problems, never an exception; only a file that cannot be read
as a CSV export (a workbook, binary data, an unknown encoding, an empty file, a broken
*header*: unknown or duplicate column, no ``idempotency_key``) raises :class:`CsvFormatError`,
before any row. :func:`inspect_bytes` / :func:`inspect_file` tell the encoding first (UTF-8,
UTF-16 with a BOM, or Windows-1252, the encoding of Excel's plain "CSV" on Windows).

Problems of a cell that cannot be read (a number that is not one) name the CSV column; problems
found by claims validation name the JSON element (``learningOutcomes[1].text``).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import pathlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeVar

from node.credentials import vocab
from node.credentials.model import MicroCredentialClaims
from node.credentials.profile import ClaimsInvalid, RequirementProfile, validate_claims
from node.errors import InvalidInput, Problem

Kind = Literal["text", "list", "number", "int"]
T = TypeVar("T")
Path = tuple[str, ...]

KEY_COLUMN: Final = "idempotency_key"
LIST_SEPARATOR: Final = "|"
DELIMITERS: Final = (",", ";", "\t")  # the header line's most frequent one is the delimiter
HELP: Final = "the format is described in docs/csv-format.md"
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


class CsvFormatError(InvalidInput):
    """The file cannot be read as a CSV export (nothing of it is imported)."""


# ---- the bytes: encoding, or why the file is no CSV text -------------------------------------

_WORKBOOKS: Final = {
    b"PK\x03\x04": "an Excel workbook (.xlsx, a zip file)",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an Excel 97–2003 workbook (.xls)",
}
_BOMS: Final = {
    codecs.BOM_UTF8: "utf-8-sig",
    codecs.BOM_UTF16_LE: "utf-16",
    codecs.BOM_UTF16_BE: "utf-16",
}
_CHUNK: Final = 1 << 20


@dataclass(frozen=True, slots=True)
class CsvSource:
    """What the first pass over a file found: its encoding and its number of lines (the
    header's included)."""

    encoding: str
    lines: int


def inspect_file(path: pathlib.Path) -> CsvSource:
    """Read ``path`` once, in chunks: its encoding and line count (:class:`CsvFormatError`)."""
    with path.open("rb") as handle:
        return _inspect(iter(lambda: handle.read(_CHUNK), b""))


def inspect_bytes(data: bytes) -> CsvSource:
    return _inspect(data[i : i + _CHUNK] for i in range(0, len(data), _CHUNK))


def read_bytes(data: bytes, profile: RequirementProfile) -> Iterator[CsvRow]:
    """Parse a whole file held in memory (an HTTP body), whatever its supported encoding."""
    text = data.decode(inspect_bytes(data).encoding)
    return parse_csv(io.StringIO(text, newline=""), profile)


def _inspect(chunks: Iterator[bytes]) -> CsvSource:
    head = next(chunks, b"")
    if not head.strip():
        raise CsvFormatError(f"the file is empty; {HELP}")
    for magic, kind in _WORKBOOKS.items():
        if head.startswith(magic):
            raise CsvFormatError(
                f"the file is {kind}, not CSV text: save the sheet as 'CSV UTF-8' and import "
                "that file"
            )
    bom = next((enc for mark, enc in _BOMS.items() if head.startswith(mark)), None)
    candidates = [bom] if bom else ["utf-8", "cp1252"]  # cp1252: Excel's "CSV" on Windows
    decoders = {name: codecs.getincrementaldecoder(name)() for name in candidates}
    lines, last = 0, b""
    for chunk in itertools.chain([head], chunks):
        last = chunk[-2:]
        if bom != "utf-16" and b"\x00" in chunk:
            raise CsvFormatError("the file holds NUL bytes: binary data, not CSV text")
        lines += chunk.count(b"\n")
        for name, decoder in list(decoders.items()):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                del decoders[name]
        if not decoders:
            break
    for name, decoder in decoders.items():
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        unterminated = not last.endswith((b"\n", b"\n\x00"))
        return CsvSource(name, lines + unterminated)
    raise CsvFormatError("the file is neither UTF-8 nor Windows-1252 text: save it as 'CSV UTF-8'")


# ---- the records -----------------------------------------------------------------------------


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
    """Parse a platform export (``,``, ``;`` or tab delimited, optional BOM): the header at
    once (:class:`CsvFormatError`), then the records lazily.

    ``text_stream`` is a text file opened with ``newline=""`` (or any iterable of lines).
    """
    lines = iter(text_stream)
    first = next(lines, "").removeprefix("\ufeff")
    delimiter = max(DELIMITERS, key=first.count)  # ties: the comma
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise CsvFormatError(f"the header line cannot be read: {exc}; {HELP}") from None
    if header is None or not any(name.strip() for name in header):
        raise CsvFormatError(f"the file is empty or its header line is; {HELP}")
    return _records(reader, _check_header(header), profile)


def _records(reader: Any, columns: list[str], profile: RequirementProfile) -> Iterator[CsvRow]:
    def bad(line: int, problem: Problem) -> CsvRow:
        return CsvRow(line, None, None, [problem])

    return records(reader, lambda line, record: _row(line, columns, record, profile), bad)


def records(
    reader: Any,
    make: Callable[[int, list[str]], T],
    unreadable: Callable[[int, Problem], T],
) -> Iterator[T]:
    """Each non-empty record of ``reader`` (a csv reader past the header, whose
    ``line_num`` places each record) as ``make(first line, fields)``; a record the csv
    module cannot read ends the file with ``unreadable(line, problem)``."""
    line = reader.line_num + 1
    while True:
        try:
            record = next(reader, None)
        except csv.Error as exc:  # e.g. a field beyond csv.field_size_limit()
            reason = f"the file cannot be read from here on: {exc}"
            yield unreadable(line, Problem("(row)", reason))
            return
        if record is None:
            return
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        yield make(start, record)


def _check_header(header: list[str]) -> list[str]:
    columns = [name.strip() for name in header]
    duplicates = sorted({name for name in columns if columns.count(name) > 1})
    if duplicates:
        raise CsvFormatError(
            f"duplicate columns: {', '.join(duplicates)}",
            [Problem(name, "duplicate column") for name in duplicates],
        )
    unknown = [name for name in columns if not _known_column(name)]
    if unknown:
        raise CsvFormatError(
            f"unknown columns: {', '.join(_shown(unknown))}; {HELP}",
            [Problem(name, "unknown column") for name in unknown[:50]],
        )
    if KEY_COLUMN not in columns:
        raise CsvFormatError(
            f"missing required column {KEY_COLUMN}; {HELP}", [Problem(KEY_COLUMN, "required")]
        )
    return columns


def _shown(names: list[str]) -> list[str]:
    """Names for a one-line message: at most ten, each at most 40 characters."""
    shown = [name if len(name) <= 40 else name[:39] + "…" for name in names[:10]]
    return shown + ([f"(+{len(names) - 10} more)"] if len(names) > 10 else [])


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
    return row_from_cells(cells, profile, line)


def row_from_cells(cells: dict[str, str], profile: RequirementProfile, line: int = 1) -> CsvRow:
    """One record from its cells by column name (a CSV row, or the console's form, whose
    fields are named like the columns); unknown column names are ignored by the caller."""
    cells = dict(cells)
    key = cells.pop(KEY_COLUMN, "") or None
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
            converted = convert_cell(value, kind)
            if converted is None:
                problems.append(
                    Problem(name, "not a whole number" if kind == "int" else "not a number")
                )
            else:
                set_path(raw, path, converted)
        elif name in _ESCO_COLUMNS:
            continue
        else:
            base, _, tag = name.partition("@")
            if base in LANG_COLUMNS:
                set_path(raw, (*LANG_COLUMNS[base], tag), value)
            else:
                lang_lists.setdefault(base, {})[tag] = split_list(value)
    for esco_column, base in _ESCO_COLUMNS.items():
        if cells.get(esco_column) and base not in lang_lists:
            problems.append(Problem(esco_column, f"ESCO skills without any {base}@… text"))
    for base, by_language in lang_lists.items():
        target, esco_column = LANG_LIST_COLUMNS[base]
        raw[target] = aligned_items(by_language, cells.get(esco_column, ""), esco_column, problems)
    body = raw.pop(_BODY, None)
    if body is not None:
        raw["awardingBodies"] = [body]
    return raw


def aligned_items(
    by_language: dict[str, list[str]], esco: str, esco_column: str, problems: list[Problem]
) -> list[dict[str, Any]]:
    """Multilingual list items aligned by position (``{"text": {lang: …}}``), each with its
    ESCO group (``esco``: ``|``-separated groups of space-separated URIs)."""
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


def convert_cell(value: str, kind: Kind) -> Any:
    """A cell as ``kind`` says (None: it is not one)."""
    if kind == "text":
        return value
    if kind == "list":
        return split_list(value)
    if kind == "int":
        return int(value) if value.isdigit() else None
    if not _NUMBER.fullmatch(value):
        return None
    return float(value.replace(",", "."))


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]


def set_path(raw: dict[str, Any], path: Path, value: Any) -> None:
    """``raw[path[0]][path[1]]… = value``, the dicts on the way made as needed."""
    node = raw
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
