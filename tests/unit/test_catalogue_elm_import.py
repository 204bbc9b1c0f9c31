"""ELM 3 JSON-LD back to catalogue content: every sample (and a maximal entry) survives
ELM and back in the elements ELM carries; what this node cannot read is named."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from node.catalogue.elm import learning_opportunity
from node.catalogue.elm_import import elm_rows, opportunity_row
from node.catalogue.entries import checked_content
from node.catalogue.samples import SAMPLES
from tests.unit.test_catalogue_elm import MAXIMAL

# What ELM has no property for (elm.py writes them as notes): not read back.
NOTES_ONLY = {
    "teachers", "shortBio", "industrySupport", "formOfStudy", "mainTopics", "faculty",
    "targetGroupDescription", "credentialsIssued", "credentialRequirements",
    "stackableTowards", "modality", "delivery", "pedagogicalApproach", "assessedBy",
    "supervisionVerification", "learningHoursDistribution", "academicHours", "homepage",
}  # fmt: skip


def document(content: dict[str, Any], n: int = 1) -> dict[str, Any]:
    url = f"https://uni-a.example/catalogue/e{n}"
    return {
        "id": f"{url}/versions/1",
        "entry": url,
        "version": 1,
        "publishedAt": "2026-12-01T00:00:00.000000+00:00",
        "institution": {"id": "did:web:uni-a.example", "name": "Uni A", "country": "FI"},
        "content": checked_content(content),
    }


@pytest.mark.parametrize("content", [*SAMPLES, MAXIMAL], ids=["en", "de", "fi", "es", "max"])
def test_elm_and_back(content: dict[str, Any]) -> None:
    original = checked_content(content)
    row = opportunity_row(1, learning_opportunity(document(content)))
    assert row.problems == [] and row.key == document(content)["id"]
    back = checked_content(row.content)

    def carried(c: dict[str, Any]) -> dict[str, Any]:
        # freeStart beside dates is a note too; without dates ELM says it by their absence
        dropped = NOTES_ONLY | ({"freeStart"} if "startDate" in c else set())
        return {k: v for k, v in c.items() if k not in dropped}

    assert carried(back) == carried(original)


def test_what_cannot_be_read_is_named() -> None:
    elm = learning_opportunity(document(SAMPLES[0]))
    foreign = copy.deepcopy(elm)
    foreign["mode"] = {"id": "http://example.org/modes/by-carrier-pigeon"}
    foreign["learningAchievementSpecification"]["provenBy"]["dcType"] = [
        {"id": "http://example.org/assessment/essay"}
    ]
    foreign.pop("id")
    row = opportunity_row(1, foreign)
    assert {p.element for p in row.problems} == {"id", "mode", "provenBy.dcType"}


def test_a_list_a_graph_and_a_stranger() -> None:
    one, two = (learning_opportunity(document(c, n)) for n, c in enumerate(SAMPLES[:2]))
    assert [r.key for r in elm_rows([one, two])] == [one["id"], two["id"]]
    assert [r.key for r in elm_rows({"@graph": [two]})] == [two["id"]]
    (stranger,) = elm_rows({"type": "Person", "name": "Ada"})
    assert stranger.problems[0].element == "type"
