"""A stack rule judged against parts, known answers: components met by a partner's credential
or by a recognition decision, missing, failed (revoked, too old, grade too low, a member not
in good standing when it issued) and unchecked; totals per group and in all."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from node.recognition.conditions import REQUIRED_CHECKS, Presented
from node.recognition.reading import Facts, Learner
from node.stacking.progress import Part, Recognised, evaluate, recognition_of
from node.stacking.rules import StackRule, stack_rule_json_schema

A, B, C = "did:web:a.example", "did:web:b.example", "did:web:c.example"
ENTRY_A, ENTRY_B = "https://a.example/catalogue/aaa", "https://b.example/catalogue/bbb"
TODAY = date(2026, 12, 6)


def rule(**changes: Any) -> StackRule:
    document: dict[str, Any] = {
        "type": "StackRule",
        "id": "https://c.example/api/stacks/s1/versions/1",
        "stack": "https://c.example/api/stacks/s1",
        "version": 1,
        "awardingInstitution": C,
        "entry": "https://c.example/catalogue/ccc/versions/1",
        "title": {"en": "Micro-degree in data"},
        "groups": [
            {
                "id": "core",
                "minEcts": 5,
                "components": [
                    {
                        "id": "a-course",
                        "entry": ENTRY_A,
                        "issuer": A,
                        "minGrade": {"scale": ["A", "B", "C", "D", "E"], "minimum": "C"},
                    },
                    {"id": "b-course", "entry": ENTRY_B, "issuer": B},
                ],
            },
            {
                "id": "electives",
                "minComponents": 1,
                "components": [
                    {"id": "any-recognised", "required": False, "recognition": {"programme": "P"}}
                ],
            },
        ],
        "minEcts": 10,
        "minEqf": 6,
        "maxAgeMonths": 24,
    }
    return StackRule.model_validate(document | changes)


def part(
    issuer: str,
    achievement: str | None,
    *,
    ects: float = 5,
    grade: str | None = "B",
    issued: date = date(2026, 6, 1),
    eqf: int | None = 6,
    failed: str | None = None,
    unchecked: str | None = None,
    programme: str | None = None,
    recognised: tuple[Recognised, ...] = (),
    credential: str | None = None,
    digest: str | None = None,
) -> Part:
    facts = Facts(
        credential_id=credential,
        issuer=issuer,
        achievement=achievement,
        title={"en": "x"},
        ects=ects,
        grade=grade,
        issued=issued,
        supervision=None,
        learner=Learner("Ada", "Lovelace", "2000-01-01", None, "other"),
        subject_id=None,
        eqf=eqf,
        language="en",
    )
    checks: dict[str, tuple[bool | None, str]] = {n: (True, "ok") for n in REQUIRED_CHECKS}
    if failed:
        checks[failed] = (False, f"{failed} failed")
    if unchecked:
        checks[unchecked] = (None, "the chain cannot be read")
    return Part(Presented(facts, checks, digest or secrets.token_hex(32)), programme, recognised)


def test_parts_from_two_partners_and_a_recognition_meet_the_rule() -> None:
    parts = [
        part(A, f"{ENTRY_A}/versions/2", grade="C"),
        part(C, None, programme="P", recognised=(Recognised(f"{ENTRY_B}/versions/1", B),)),
    ]
    # the recognition decision meets both B's entry (it recognises a credential of it) and
    # the elective: it counts once, so the elective stays missing.
    progress = evaluate(rule(), parts, today=TODAY)
    states = {c.component: (c.state, c.part) for c in progress.components}
    assert states == {
        "a-course": ("met", 0),
        "b-course": ("met", 1),
        "any-recognised": ("missing", None),
    }
    assert not progress.satisfied  # the electives group needs one component
    third = part(C, None, programme="P", ects=3)
    progress = evaluate(rule(), [*parts, third], today=TODAY)
    assert progress.satisfied and progress.ects == 13, progress.as_json()


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"failed": "status"}, "verification: status: status failed"),
        ({"failed": "membership"}, "verification: membership: membership failed"),
        ({"grade": "D"}, "minGrade: grade D, at least C"),
        ({"grade": None}, "minGrade: grade none, at least C"),
        ({"issued": date(2024, 11, 30)}, "maxAge: issued 2024-11-30, at most 24 months"),
        ({"eqf": 5}, "minEqf: EQF 5, at least 6"),
    ],
)
def test_a_part_that_fails_a_condition_does_not_meet_its_component(
    changes: dict[str, Any], reason: str
) -> None:
    parts = [part(A, f"{ENTRY_A}/versions/1", **changes), part(B, f"{ENTRY_B}/versions/1")]
    progress = evaluate(rule(), [*parts, part(C, None, programme="P")], today=TODAY)
    a_course = progress.components[0]
    assert a_course.state == "failed" and a_course.part == 0
    assert a_course.reasons[0].startswith(reason), a_course.reasons
    assert not progress.satisfied


def test_a_check_that_could_not_run_leaves_the_component_unchecked() -> None:
    parts = [
        part(A, f"{ENTRY_A}/versions/1", unchecked="anchor"),
        part(B, f"{ENTRY_B}/versions/1"),
        part(C, None, programme="P"),
    ]
    progress = evaluate(rule(), parts, today=TODAY)
    assert progress.components[0].state == "unchecked" and progress.unchecked
    assert not progress.satisfied


def test_too_few_ects_and_another_issuers_copy_of_an_entry() -> None:
    parts = [
        part(A, f"{ENTRY_A}/versions/1", ects=2),
        part(B, f"{ENTRY_B}/versions/1", ects=2),
        part(C, None, programme="P", ects=2),
    ]
    progress = evaluate(rule(), parts, today=TODAY)
    assert all(c.state == "met" for c in progress.components)
    failed = {c.name: c.detail for c in progress.conditions if c.ok is False}
    assert failed == {
        "groupEcts": "core: 4 ECTS, at least 5",
        "minEcts": "6 ECTS met, at least 10",
    }
    # A's entry named, but issued by B: not a part of A's component.
    progress = evaluate(rule(), [part(B, f"{ENTRY_A}/versions/1")], today=TODAY)
    assert progress.components[0].state == "missing"


def test_parts_of_two_learners_do_not_stack() -> None:
    other = part(B, f"{ENTRY_B}/versions/1")
    other_facts = other.presented.facts
    stranger = Facts(
        **{**other_facts.__dict__, "learner": Learner("Bob", "B", "1999-01-01", None, "other")}
    )
    parts = [
        part(A, f"{ENTRY_A}/versions/1"),
        Part(Presented(stranger, other.presented.checks, "1" * 64)),
        part(C, None, programme="P"),
    ]
    progress = evaluate(rule(), parts, today=TODAY)
    assert not progress.satisfied
    assert [c.name for c in progress.conditions if c.ok is False] == ["learner"]


def test_the_rule_is_validated_and_its_schema_published() -> None:
    with pytest.raises(ValidationError, match="either an entry or a recognition"):
        rule(groups=[{"id": "g", "components": [{"id": "x"}]}])
    with pytest.raises(ValidationError, match="not on its scale"):
        rule(
            groups=[
                {
                    "id": "g",
                    "components": [
                        {
                            "id": "x",
                            "entry": ENTRY_A,
                            "issuer": A,
                            "minGrade": {"scale": ["A", "B"], "minimum": "Z"},
                        }
                    ],
                }
            ]
        )
    with pytest.raises(ValidationError, match="the entry's URL, not a version's"):
        rule(
            groups=[
                {
                    "id": "g",
                    "components": [{"id": "x", "entry": f"{ENTRY_A}/versions/1", "issuer": A}],
                }
            ]
        )
    schema = stack_rule_json_schema()
    assert schema["$id"].endswith("/schemas/stack-rule/v1.json")
    assert {"groups", "minEcts", "awardingInstitution"} <= set(schema["properties"])


def test_a_recognition_decision_is_read_from_its_credential() -> None:
    body = {
        "credentialSubject": {
            "recognition": {
                "programme": "P",
                "recognised": [{"achievementUrl": f"{ENTRY_B}/versions/1", "issuerId": B}, {}],
            }
        }
    }
    assert recognition_of(body) == (
        "P",
        (Recognised(f"{ENTRY_B}/versions/1", B), Recognised(None, None)),
    )
    assert recognition_of({"credentialSubject": {}}) == (None, ())


def test_a_part_counts_once() -> None:
    a_part = part(A, f"{ENTRY_A}/versions/1", credential="urn:uuid:1", digest="1" * 64)
    a_again = part(A, f"{ENTRY_A}/versions/1", credential="urn:uuid:1", digest="2" * 64)
    b_part = part(B, f"{ENTRY_B}/versions/1", credential="urn:uuid:2", digest="3" * 64)
    # a decision recognising B's credential, presented with it: B's counts through it
    decision = part(
        C,
        None,
        programme="P",
        recognised=(Recognised(f"{ENTRY_B}/versions/1", B, "3" * 64, "urn:uuid:2"),),
        credential="urn:uuid:3",
        digest="4" * 64,
    )
    progress = evaluate(rule(), [a_part, a_again, b_part, decision], today=TODAY)
    states = {c.component: (c.state, c.part) for c in progress.components}
    # the decision meets B's course (it recognises a credential of it); B's own credential
    # counts through it, and the elective has nothing left
    assert states == {
        "a-course": ("met", 0),
        "b-course": ("met", 3),
        "any-recognised": ("missing", None),
    }, progress.as_json()
    assert progress.ects == 10


def test_parts_are_matched_whatever_their_order() -> None:
    # the decision could meet b-course or the elective; B's own credential only b-course
    decision = part(C, None, programme="P", recognised=(Recognised(f"{ENTRY_B}/versions/1", B),))
    parts = [part(A, f"{ENTRY_A}/versions/1"), decision, part(B, f"{ENTRY_B}/versions/1")]
    for ordered in (parts, parts[::-1]):
        progress = evaluate(rule(), ordered, today=TODAY)
        assert progress.satisfied, progress.as_json()
    with pytest.raises(ValidationError, match="named by one component only"):
        rule(
            groups=[
                {
                    "id": "g",
                    "components": [
                        {"id": "x", "entry": ENTRY_A, "issuer": A},
                        {"id": "y", "entry": ENTRY_A, "issuer": A},
                    ],
                }
            ]
        )
