"""Catalogue search on one node, on SQLite (FTS5) and PostgreSQL (a text-search
configuration per language): words in each of the four languages, every filter, pages,
withdrawals and new versions followed, a changed stored copy left out, bad queries refused."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from node.catalogue.samples import SAMPLES
from node.db.models import CatalogueSearch, CatalogueVersion
from node.lookup.limits import CATALOGUE_SEARCH
from tests.conftest import RunningNode, make_settings, start_node
from tests.integration.test_catalogue import post, published_entry


def search(node: RunningNode, **params: Any) -> dict[str, Any]:
    answer = node.client.get("/api/catalogue", params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def titles(body: dict[str, Any], lang: str = "en") -> list[str]:
    return sorted(item["versions"][0]["content"]["title"][lang] for item in body["items"])


@pytest.fixture
def four(node: RunningNode) -> RunningNode:
    """The four samples (English, German, Finnish, Spanish), published."""
    for content in SAMPLES:
        published_entry(node, content)
    return node


def test_words_match_in_each_language_all_of_them_and_as_prefixes(four: RunningNode) -> None:
    assert titles(search(four, q="Datenethik")) == ["Data Ethics in Practice"]  # German title
    assert titles(search(four, q="lieferkette")) == ["Sustainable Supply Chains"]
    assert titles(search(four, q="kiertotal")) == ["Circular Economy Basics"]  # Finnish prefix
    assert titles(search(four, q="fotovoltaica")) == ["Renewable Energy"]  # Spanish outcome
    assert titles(search(four, q="ENERGÍAS")) == ["Renewable Energy"]  # case, diacritics kept
    assert titles(search(four, q="sustain")) == ["Sustainable Supply Chains"]  # English prefix
    assert titles(search(four, q="GDPR")) == ["Data Ethics in Practice"]  # a keyword
    assert titles(search(four, q="data ethics")) == ["Data Ethics in Practice"]  # all words
    assert search(four, q="data lieferkette")["items"] == []  # not all in one entry
    body = search(four, q="zzzznothing")
    assert body["items"] == [] and body["total"] == 0 and body["next"] is None


def test_every_filter_narrows_the_list(four: RunningNode) -> None:
    everything = search(four, limit=100)
    assert everything["total"] == 4 and len(everything["items"]) == 4
    assert titles(search(four, field="07")) == ["Circular Economy Basics", "Renewable Energy"]
    assert titles(search(four, field="0713")) == ["Renewable Energy"]
    assert titles(search(four, eqf=7)) == ["Renewable Energy"]
    assert len(search(four, eqf=[6, 7])["items"]) == 4
    assert titles(search(four, ectsMin=4)) == ["Renewable Energy", "Sustainable Supply Chains"]
    assert titles(search(four, ectsMin=2, ectsMax=3)) == [
        "Circular Economy Basics",
        "Data Ethics in Practice",
    ]
    assert titles(search(four, language="fi")) == ["Circular Economy Basics"]
    assert titles(search(four, mode="onsite")) == ["Renewable Energy"]
    # dates: the free-start course can start any day
    assert titles(search(four, startsFrom="2027-02-01", startsUntil="2027-03-31")) == [
        "Data Ethics in Practice",
        "Renewable Energy",
        "Sustainable Supply Chains",
    ]
    did = four.client.app.state.runtime.identity().did  # type: ignore[attr-defined]
    assert search(four, institution=did)["total"] == 4
    assert search(four, institution="did:web:elsewhere.example")["total"] == 0
    assert titles(search(four, q="energy", mode="onsite", eqf=7)) == ["Renewable Energy"]
    assert search(four, q="energy", mode="online")["items"] == []


def test_pages_follow_one_another_without_repeats(four: RunningNode) -> None:
    first = search(four, limit=3)
    assert first["total"] == 4 and len(first["items"]) == 3 and first["next"]
    second = four.client.get(first["next"]).json()
    assert len(second["items"]) == 1 and second["next"] is None
    urls = [i["url"] for i in first["items"] + second["items"]]
    assert len(set(urls)) == 4
    newest_first = [i["versions"][0]["publishedAt"] for i in first["items"]]
    assert newest_first == sorted(newest_first, reverse=True)


def test_withdrawn_entries_leave_and_new_versions_replace(node: RunningNode) -> None:
    made = published_entry(node, SAMPLES[0])
    entry_id = made["entry"]["id"]
    assert titles(search(node, q="ethics")) == ["Data Ethics in Practice"]
    changed = copy.deepcopy(SAMPLES[0]) | {"title": {"en": "Responsible Data Science"}}
    changed["keywords"] = ["data"]
    put = node.client.put(
        f"/admin/catalogue/{entry_id}/draft", json={"content": changed}, headers=node.auth()
    )
    assert put.status_code == 200
    assert titles(search(node, q="ethics")) == ["Data Ethics in Practice"]  # the draft waits
    assert post(node, f"/admin/catalogue/{entry_id}/publish").status_code == 200
    assert search(node, q="ethics")["items"] == []  # version 1's title is not searched
    found = search(node, q="responsible")["items"]
    assert [i["versions"][0]["version"] for i in found] == [2]
    withdrawn = post(node, f"/admin/catalogue/{entry_id}/versions/2/withdraw", {"reason": "x"})
    assert withdrawn.status_code == 200
    # version 1 is still on offer: it is what the entry offers now
    assert titles(search(node, q="ethics")) == ["Data Ethics in Practice"]
    post(node, f"/admin/catalogue/{entry_id}/versions/1/withdraw", {"reason": "closed"})
    assert search(node, limit=10)["total"] == 0


def test_a_copy_changed_in_the_database_is_left_out(four: RunningNode) -> None:
    sessions = four.client.app.state.runtime.sessions  # type: ignore[attr-defined]
    with sessions() as session, session.begin():
        row = session.scalars(select(CatalogueVersion)).first()
        assert row is not None and row.document is not None
        document = copy.deepcopy(row.document)
        document["content"]["workload"] = {"ects": 30}
        session.execute(
            update(CatalogueVersion)
            .where(CatalogueVersion.entry_id == row.entry_id)
            .values(document=document)
        )
        indexed = session.scalar(select(func.count()).select_from(CatalogueSearch))
    assert indexed == 4
    body = search(four, limit=10)
    assert body["total"] == 4 and body["refused"] == 1 and len(body["items"]) == 3
    assert all(i["versions"][0]["content"]["workload"] != {"ects": 30} for i in body["items"])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"field": "abc"}, "field"),
        ({"eqf": 9}, "eqf"),
        ({"ectsMin": 5, "ectsMax": 2}, "ectsMax"),
        ({"ectsMin": -1}, "ectsMin"),
        ({"limit": 0}, "limit"),
        ({"offset": 10_001}, "offset"),
        ({"mode": "by-post"}, "mode"),
        ({"startsFrom": "2027-13-01"}, "startsFrom"),
        ({"startsFrom": "2027-05-01", "startsUntil": "2027-01-01"}, "startsUntil"),
        ({"language": "English"}, "language"),
        ({"q": "x" * 201}, "q"),
        ({"q": "ethics", "changedSince": "2026-01-01T00:00:00Z"}, "changedSince"),
    ],
)
def test_bad_queries_are_refused_naming_the_parameter(
    node: RunningNode, params: dict[str, Any], name: str
) -> None:
    answer = node.client.get("/api/catalogue", params=params)
    assert answer.status_code == 422, answer.text
    assert name in answer.text


def test_odd_words_are_only_words(four: RunningNode) -> None:
    for odd in ('"', "' OR 1=1 --", "data* AND", "NEAR(", "a:* | b", "!!!", "\u00a0", "日本語"):
        body = search(four, q=odd)
        assert body["total"] >= 0  # answered, not an error
    assert titles(search(four, q="data* AND")) == ["Data Ethics in Practice"]
    assert search(four, q="!!!")["total"] == 4  # no words: no text condition


def test_searches_are_rate_limited_not_the_lists_members_sync(
    tmp_path: Path, database_url: str
) -> None:
    running = start_node(make_settings(tmp_path / "data", database_url, public_rate_limit=3))
    with running.client:
        published_entry(running, SAMPLES[0])
        searched = [running.client.get("/api/catalogue", params={"q": "data"}) for _ in range(3)]
        assert [a.status_code for a in searched] == [200, 200, 200]
        assert running.client.get("/catalogue", params={"q": "data"}).status_code == 429
        assert running.client.get("/api/catalogue", params={"mode": "online"}).status_code == 429
        for _ in range(5):  # a member's sync: the index and each version, unlimited
            assert running.client.get("/api/catalogue", params={"view": "index"}).is_success
            assert running.client.get("/api/catalogue").is_success
    running.client.app.state.runtime.close()  # type: ignore[attr-defined]


def test_every_search_parameter_counts_against_the_limit(node: RunningNode) -> None:
    """The limiter's list of search parameters is the API's (a new filter is limited)."""
    operation = node.client.get("/openapi.json").json()["paths"]["/api/catalogue"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names - {"view", "scope", "changedSince"} == CATALOGUE_SEARCH
