"""Grade conversion by mapping and by ECTS grading tables (ECTS Users' Guide 2015: the share
of passing learners with a grade or a better one, placed in the other table), known answers."""

from __future__ import annotations

from node.agreements.terms import GradeConversion
from node.recognition.conditions import convert

HOME, HOST = "did:web:home.example", "did:web:host.example"
TABLES = GradeConversion.model_validate(
    {
        "method": "ects-grading-table",
        "tables": {
            # the host: A 10 %, B 25 %, C 30 %, D 25 %, E 10 %
            HOST: [
                {"grade": "A", "percentage": 10},
                {"grade": "B", "percentage": 25},
                {"grade": "C", "percentage": 30},
                {"grade": "D", "percentage": 25},
                {"grade": "E", "percentage": 10},
            ],
            # the home: 5 20 %, 4 30 %, 3 30 %, 2 15 %, 1 5 %
            HOME: [
                {"grade": "5", "percentage": 20},
                {"grade": "4", "percentage": 30},
                {"grade": "3", "percentage": 30},
                {"grade": "2", "percentage": 15},
                {"grade": "1", "percentage": 5},
            ],
        },
    }
)


def test_grading_tables_place_a_grade_by_its_cumulative_share() -> None:
    # A: top 10 % → within the home's top 20 % → 5; B: top 35 % → 4 (20–50 %);
    # C: 65 % → 3 (50–80 %); D: 90 % → 2 (80–95 %); E: 100 % → 1.
    assert [convert(TABLES, HOST, g, HOME) for g in "ABCDE"] == ["5", "4", "3", "2", "1"]
    assert convert(TABLES, HOST, "F", HOME) is None  # not a passing grade of the table
    assert convert(TABLES, "did:web:other.example", "A", HOME) is None  # no table of theirs
    assert convert(TABLES, HOST, None, HOME) is None


def test_a_mapping_converts_only_what_it_names() -> None:
    mapping = GradeConversion.model_validate({"method": "mapping", "mapping": {"A": "5"}})
    assert convert(mapping, HOST, "A", HOME) == "5"
    assert convert(mapping, HOST, "B", HOME) is None
