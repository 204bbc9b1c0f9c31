"""Issuing from a catalogue entry, on SQLite and PostgreSQL: the course's elements come from
the published version (its URL the achievement's id), the request carries the learner's
and the institution's; a course element in the request, a draft, another site's URL are
refused naming the element; the verification report shows the entry and whether the
credential matches it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from node.catalogue.claims import COURSE_ELEMENTS
from node.catalogue.samples import SAMPLES
from node.credentials.examples import example_claims
from node.db.models import CredentialRecord
from tests.conftest import RunningNode
from tests.integration.test_catalogue import post, published_entry


def request_claims() -> dict[str, Any]:
    """What the request carries: the learner's and the institution's elements only."""
    claims = example_claims(0)
    claims.pop("primaryLanguage")  # the entry's default language, unless given
    return {k: v for k, v in claims.items() if k not in COURSE_ELEMENTS}


def issue(node: RunningNode, version_url: str, **extra: Any) -> Any:
    body = {
        "claims": request_claims(),
        "catalogueEntry": version_url,
        "formats": ["ldp_vc+eddsa-jcs-2022"],
    }
    return post(node, "/admin/credentials", body | extra)


def test_the_course_comes_from_the_entry(node: RunningNode) -> None:
    content = copy.deepcopy(SAMPLES[0]) | {"stackableTowards": ["https://uni-a.example/mc"]}
    made = published_entry(node, content)
    url = made["version"]["url"]
    issued = issue(node, url)
    assert issued.status_code == 201, issued.text
    (copy_,) = issued.json()["credentials"]
    achievement = copy_["credential"]["credentialSubject"]["achievement"]
    assert achievement["id"] == url
    assert achievement["title"] == content["title"]
    assert achievement["creditsAvailable"] == 3
    with node.runtime.sessions() as session:
        record = session.get(CredentialRecord, issued.json()["id"])
        assert record is not None
        claims = record.claims
    assert claims["level"] == {"eqf": 6, "iscedF": "0688"}
    assert claims["languagesOfInstruction"] == ["en"]
    assert claims["courseDescription"] == content["abstract"]
    assert claims["integration"]["stackableTowards"] == ["https://uni-a.example/mc"]
    outcomes = [o["text"] for o in content["learningOutcomes"]]
    assert [o["text"] for o in claims["learningOutcomes"]] == outcomes
    assert claims["learner"] == request_claims()["learner"]

    # A withdrawn version still issues: learners enrolled on it are owed their credential.
    entry_id = made["entry"]["id"]
    post(node, f"/admin/catalogue/{entry_id}/versions/1/withdraw", {"reason": "closed"})
    again = issue(node, url, idempotencyKey="after-withdrawal")
    assert again.status_code == 201, again.text


def test_a_batch_issues_from_entries_or_is_refused_whole(node: RunningNode) -> None:
    url = published_entry(node, SAMPLES[1])["version"]["url"]
    items = [
        {
            "claims": request_claims()
            | {"learner": request_claims()["learner"] | {"identifier": s}},
            "catalogueEntry": url,
            "idempotencyKey": s,
        }
        for s in ("B1", "B2")
    ]
    done = post(
        node, "/admin/credentials/batch", {"items": items, "formats": ["ldp_vc+eddsa-jcs-2022"]}
    )
    assert done.status_code == 200, done.text
    assert done.json()["issued"] == 2
    items[1]["catalogueEntry"] = url.replace("/versions/1", "/versions/9")
    refused = post(node, "/admin/credentials/batch", {"items": items})
    assert refused.status_code == 422
    assert "items[1].catalogueEntry" in refused.text


@pytest.mark.parametrize(
    ("change", "element"),
    [
        (lambda c, u: ({**c, "title": {"en": "Another"}}, u), "claims.title"),
        (lambda c, u: ({**c, "workload": {"ects": 30}}, u), "claims.workload"),
        (lambda c, u: (c, u.replace("/versions/1", "/versions/2")), "catalogueEntry"),
        (lambda c, u: (c, "https://elsewhere.example/catalogue/x/versions/1"), "catalogueEntry"),
        (lambda c, u: (c, u + "/../2"), "catalogueEntry"),
        (lambda c, u: ({k: v for k, v in c.items() if k != "learner"}, u), "learner"),
    ],
)
def test_bad_requests_are_refused_naming_the_element(
    node: RunningNode, change: Any, element: str
) -> None:
    url = published_entry(node, SAMPLES[2])["version"]["url"]
    claims, target = change(request_claims(), url)
    answer = post(node, "/admin/credentials", {"claims": claims, "catalogueEntry": target})
    assert answer.status_code == 422, answer.text
    assert element in answer.text


def test_a_draft_is_not_issued_from(node: RunningNode) -> None:
    created = post(node, "/admin/catalogue", {"content": SAMPLES[3]}).json()
    answer = issue(node, created["versions"][0]["url"])
    assert answer.status_code == 422 and "catalogueEntry" in answer.text


def verify(node: RunningNode, credential: Any) -> dict[str, Any]:
    answer = node.client.post("/api/verify", json={"credential": credential})
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    return report


def test_the_report_shows_the_entry_and_whether_the_credential_matches(
    node: RunningNode,
) -> None:
    url = published_entry(node, SAMPLES[3])["version"]["url"]  # Spanish and English title
    issued = issue(node, url, formats=["ldp_vc+eddsa-jcs-2022", "jwt_vc_json"])
    assert issued.status_code == 201, issued.text
    node.anchor_all()
    for signed in issued.json()["credentials"]:
        report = verify(node, signed["credential"])
        assert report["verdict"] == "valid", report
        assert report["course"] == {
            "entry": url,
            "known": True,
            "source": "own",
            "title": SAMPLES[3]["title"],
            "anchored": True,
            "matches": True,
            "differences": [],
        }

    # A credential for the same URL that says another ECTS and level: genuine, and the
    # report says where it differs from the anchored description.
    other = example_claims(1) | {"achievementId": url}
    other["workload"], other["level"] = {"ects": 5}, {"eqf": 5}
    differing = post(
        node, "/admin/credentials", {"claims": other, "formats": ["ldp_vc+eddsa-jcs-2022"]}
    ).json()["credentials"][0]["credential"]
    course = verify(node, differing)["course"]
    assert course["known"] is True and course["matches"] is False
    assert course["differences"] == ["title", "ects", "eqf"]

    # An entry this node does not know: nothing compared, and said so.
    elsewhere = example_claims(2) | {
        "achievementId": "https://uni-z.example/catalogue/x/versions/1"
    }
    unknown = post(
        node, "/admin/credentials", {"claims": elsewhere, "formats": ["ldp_vc+eddsa-jcs-2022"]}
    ).json()["credentials"][0]["credential"]
    course = verify(node, unknown)["course"]
    assert course["known"] is False and course["matches"] is None and course["source"] is None

    # A credential not issued from an entry has no course section.
    plain = post(
        node, "/admin/credentials", {"claims": example_claims(4), "formats": ["jwt_vc_json"]}
    ).json()["credentials"][0]["credential"]
    assert verify(node, plain)["course"] is None
