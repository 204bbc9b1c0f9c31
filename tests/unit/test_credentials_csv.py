"""CSV import of learning-platform exports."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.credentials.csv_import import (
    CsvFormatError,
    CsvRow,
    inspect_bytes,
    inspect_file,
    parse_csv,
    read_bytes,
)
from node.credentials.profile import Problem, RequirementProfile

SAMPLE = Path(__file__).parent / "data" / "sample-platform-export.csv"
PROFILE = RequirementProfile()

HEADER = (
    "idempotency_key,learner_given_name,learner_family_name,learner_date_of_birth,learner_id,"
    "title@en,issuer_countries,awarding_body_name@en,awarding_body_locality,"
    "awarding_body_country,awarding_body_legal_status,date_of_issuing,outcome@en,ects,eqf,"
    "assessment_types,participation_form,qa_types"
)
GOOD = (
    "k{n},Eva,Novak,2000-01-0{d},S{n},Ethics,SI,University of Ljubljana,Ljubljana,SI,"
    "public-institution,2025-04-01,Apply research ethics,2,6,online,online,internal"
)


def rows(text: str) -> list[CsvRow]:
    return list(parse_csv(io.StringIO(text, newline=""), PROFILE))


def test_sample_file_three_good_one_bad() -> None:
    with SAMPLE.open(encoding="utf-8", newline="") as stream:
        result = list(parse_csv(stream, PROFILE))
    assert [r.idempotency_key for r in result] == [
        "mc-2025-0001",
        "mc-2025-0002",
        "mc-2025-0003",
        "mc-2025-0004",
    ]
    good, bad = result[:3], result[3]
    assert all(r.claims is not None and r.problems == [] for r in good)
    first = good[0].claims
    assert first is not None
    assert first.title == {"en": "Data Literacy", "de": "Datenkompetenz"}
    assert first.learning_outcomes[1].text == {
        "en": "Clean a data set",
        "de": "Einen Datensatz bereinigen",
    }
    assert len(first.learning_outcomes[0].esco_skills) == 1
    assert first.learning_outcomes[1].esco_skills == []
    assert first.languages_of_instruction == ["en", "de"]
    assert first.faculty == {"en": "Faculty of Computer Science"}
    assert first.awarding_bodies[0].name["de"] == "Universität Wien"
    third = good[2].claims
    assert third is not None
    assert third.workload.ects == 2.5  # decimal comma in a ;-delimited file
    assert third.title["en"] == "Digital Didactics; online"  # quoted delimiter
    assert "\n" in third.learning_outcomes[0].text["en"]  # quoted line break
    assert (good[2].line, bad.line) == (4, 6)  # the record before spans two lines
    assert bad.claims is None
    found = {p.element for p in bad.problems}
    assert {
        "learner.dateOfBirth",
        "learningOutcomes[0].escoSkills[0]",
        "assessmentTypes[0]",
        "workload.ects",
        "level.eqf",
    } <= found


def test_comma_delimiter_and_bom() -> None:
    text = "\ufeff" + HEADER + "\n" + GOOD.format(n=1, d=1) + "\n"
    [row] = rows(text)
    assert row.problems == [] and row.idempotency_key == "k1"
    assert row.claims is not None and row.claims.issuer_countries == ["SI"]


def test_missing_key_and_unreadable_number_are_problems() -> None:
    bad = GOOD.format(n=2, d=2).replace("k2,", ",", 1).replace(",2,6,", ",two,6,")
    [row] = rows(HEADER + "\n" + bad + "\n")
    assert row.claims is None and row.idempotency_key is None
    assert Problem("idempotency_key", "required") in row.problems
    assert Problem("ects", "not a number") in row.problems


def test_wrong_field_count_is_a_row_problem() -> None:
    [short, good] = rows(HEADER + "\nk9,Eva\n" + GOOD.format(n=3, d=3) + "\n")
    assert short.idempotency_key == "k9" and short.claims is None
    assert short.problems[0].element == "(row)"
    assert good.claims is not None


def test_blank_lines_are_skipped() -> None:
    result = rows(HEADER + "\n\n" + GOOD.format(n=4, d=4) + "\n,,,\n")
    assert [r.line for r in result] == [3]


def test_esco_groups_without_outcomes() -> None:
    header = HEADER + ",esco_skills"
    line = GOOD.format(n=5, d=5).replace("Apply research ethics", "") + ",http://x"
    [row] = rows(header + "\n" + line + "\n")
    assert {p.element for p in row.problems} >= {"esco_skills", "learningOutcomes"}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("", "empty"),
        ("learner_id,title@en", "idempotency_key"),
        ("idempotency_key,titel@en", "unknown"),
        ("idempotency_key,title@en_GB", "unknown"),
        ("idempotency_key,ects,ects", "duplicate"),
    ],
)
def test_broken_header_raises(header: str, message: str) -> None:
    with pytest.raises(CsvFormatError, match=message):
        rows(header + "\n")


def test_streams_lazily() -> None:
    consumed = 0

    def lines() -> Iterator[str]:
        nonlocal consumed
        yield HEADER + "\n"
        for n in range(100_000):
            consumed += 1
            yield GOOD.format(n=n, d=1 + n % 9) + "\n"

    parsed = parse_csv(lines(), PROFILE)
    first = [next(parsed) for _ in range(3)]
    assert all(r.claims is not None for r in first)
    assert consumed <= 4


# ---- encodings, delimiters, files that are no CSV text ---------------------------------------


def _file(delimiter: str = ",") -> str:
    good = [GOOD.format(n=n, d=n).replace("Novak", "Müller–Šöß") for n in (1, 2)]
    return "\r\n".join(line.replace(",", delimiter) for line in [HEADER, *good]) + "\r\n"


@pytest.mark.parametrize(
    ("encoding", "delimiter", "found"),
    [
        ("utf-8", ",", "utf-8"),
        ("utf-8-sig", ";", "utf-8-sig"),
        ("utf-8", "\t", "utf-8"),
        ("utf-16", "\t", "utf-16"),  # Excel's "Unicode text": UTF-16 with a BOM, tabs
    ],
)
def test_encodings_and_delimiters(encoding: str, delimiter: str, found: str) -> None:
    data = _file(delimiter).encode(encoding)
    assert inspect_bytes(data).encoding == found
    parsed = list(read_bytes(data, PROFILE))
    assert [r.problems for r in parsed] == [[], []]
    assert parsed[0].claims is not None
    assert parsed[0].claims.learner.family_name == "Müller–Šöß"


def test_windows_1252_export() -> None:
    """Excel's plain "CSV" on Windows: Windows-1252, often `;` delimited."""
    text = _file(";").replace("Müller–Šöß", "Müller–Šöß €")
    data = text.encode("cp1252")
    assert inspect_bytes(data).encoding == "cp1252"
    [first, _] = list(read_bytes(data, PROFILE))
    assert first.claims is not None
    assert first.claims.learner.family_name == "Müller–Šöß €"


def xlsx() -> bytes:
    """An Excel workbook's shape (a zip with the workbook's parts), as a renamed .xlsx has."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b" \r\n\r\n", "empty"),
        (xlsx(), "Excel workbook"),
        (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(600), "Excel 97"),
        (b"idempotency_key\n\x00\x01\x02", "NUL"),
        (b"idempotency_key\nk1\n\x81\xc3", "neither UTF-8 nor Windows-1252"),
    ],
)
def test_files_that_are_no_csv_text(data: bytes, message: str) -> None:
    with pytest.raises(CsvFormatError, match=message):
        list(read_bytes(data, PROFILE))


def test_wrong_header_names_every_unknown_column() -> None:
    with pytest.raises(CsvFormatError) as caught:
        list(read_bytes(b"idempotency_key;Vorname;Nachname\nk1;Ana;Tamm\n", PROFILE))
    assert "unknown columns: Vorname, Nachname" in caught.value.message
    assert "docs/csv-format.md" in caught.value.message
    assert [p.element for p in caught.value.problems] == ["Vorname", "Nachname"]


def test_an_unreadable_record_stops_the_file_as_a_rejected_row() -> None:
    huge = "x" * (csv.field_size_limit() + 1)
    text = _file() + GOOD.format(n=3, d=3).replace("Ethics", huge) + "\n" + GOOD.format(n=4, d=4)
    parsed = rows(text)
    assert [r.claims is not None for r in parsed] == [True, True, False]
    assert "cannot be read from here on" in parsed[2].problems[0].reason


def test_inspect_file_counts_lines(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(_file().encode("cp1252"))
    assert inspect_file(path).encoding == "cp1252"
    assert inspect_file(path).lines == 3
    path.write_bytes(b"idempotency_key\nk1")
    assert inspect_file(path).lines == 2
