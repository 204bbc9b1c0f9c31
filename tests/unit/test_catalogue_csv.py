"""The catalogue's CSV reader: columns to content, languages and lists, bad cells named,
a header that cannot be used refused whole."""

from __future__ import annotations

import io

import pytest

from node.catalogue.csv_import import cells_from_content, content_from_cells, read_rows
from node.catalogue.entries import checked_content
from node.catalogue.samples import SAMPLES
from node.credentials.csv_import import CsvFormatError
from tests.unit.test_catalogue_elm import MAXIMAL

HEADER = (
    "key;title@en;title@de;abstract@en;field_of_study;eqf_level;ects;languages;"
    "participation_form;outcome@en;outcome@de;esco_skills;assessment_types;start_date;"
    "end_date;free_start;keywords;price;currency"
)
ROW = (
    "DS-101;Data Ethics;Datenethik;Privacy and fairness.;0688;6;3;en|de;online;"
    "Assess a project|Explain the GDPR;Ein Projekt bewerten|Die DSGVO erklären;"
    "http://data.europa.eu/esco/skill/3f0a2d4e-5b6c-4d7e-8f90-a1b2c3d4e5f6|;portfolio;2027-03-01;2027-04-30;no;ethics|data;"
    "0;EUR"
)


def rows(text: str) -> list:  # type: ignore[type-arg]
    return list(read_rows(io.StringIO(text, newline="")))


def test_a_row_becomes_a_valid_content() -> None:
    (row,) = rows(f"{HEADER}\n{ROW}\n")
    assert row.line == 2 and row.key == "DS-101" and row.problems == []
    content = checked_content(row.content)
    assert content["title"] == {"en": "Data Ethics", "de": "Datenethik"}
    assert content["workload"] == {"ects": 3.0}
    assert content["languages"] == ["en", "de"]
    assert content["learningOutcomes"] == [
        {
            "text": {"en": "Assess a project", "de": "Ein Projekt bewerten"},
            "escoSkills": ["http://data.europa.eu/esco/skill/3f0a2d4e-5b6c-4d7e-8f90-a1b2c3d4e5f6"],
        },
        {"text": {"en": "Explain the GDPR", "de": "Die DSGVO erklären"}, "escoSkills": []},
    ]
    assert content["costs"] == {"amount": 0.0, "currency": "EUR"}
    assert content["freeStart"] is False and content["keywords"] == ["ethics", "data"]


def test_bad_cells_are_named_and_the_next_rows_still_read() -> None:
    bad = ROW.replace(";6;3;", ";six;3;").replace(";no;", ";maybe;")
    found = rows(f"{HEADER}\n{bad}\n;Untitled\n{ROW.replace('DS-101', 'DS-102')}\n")
    assert [r.line for r in found] == [2, 3, 4]
    assert {p.element for p in found[0].problems} == {"eqf_level", "free_start"}
    assert found[1].problems[0].element == "(row)"  # too few fields
    assert found[2].problems == [] and found[2].key == "DS-102"


@pytest.mark.parametrize(
    ("header", "named"),
    [
        ("title@en;abstract@en", "key"),
        ("key;title@en;title@en", "title@en"),
        ("key;titel@en", "titel@en"),
        ("key;title@", "title@"),
        ("", "empty"),
    ],
)
def test_a_header_that_cannot_be_used_is_refused_whole(header: str, named: str) -> None:
    with pytest.raises(CsvFormatError) as refused:
        rows(f"{header}\n{ROW}\n")
    assert named in refused.value.message or any(p.element == named for p in refused.value.problems)


@pytest.mark.parametrize("n", range(5))
def test_cells_give_the_content_back(n: int) -> None:
    """What fills the console's form (and a CSV row) gives the same content back."""
    content = checked_content([*SAMPLES, MAXIMAL][n])
    back, problems = content_from_cells(cells_from_content(content))
    assert problems == [] and checked_content(back) == content
