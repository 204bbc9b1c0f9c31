"""The registry list and search (GET /admin/credentials), on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from node.credentials.examples import example_claims
from node.credentials.search import record_terms, search_text, words
from node.db.engine import alembic_config, make_engine, migrate, session_factory
from node.issuance import registry
from tests.conftest import RunningNode
from tests.integration.test_vcapi import issue_with_status


def _claims(n: int, given: str, family: str, title: dict[str, str] | None = None) -> Any:
    claims = copy.deepcopy(example_claims(n))
    claims["learner"]["givenName"] = given
    claims["learner"]["familyName"] = family
    if title is not None:
        claims["title"] = title
    return claims


def _store(node: RunningNode, items: list[dict[str, Any]]) -> list[str]:
    response = node.client.post(
        "/admin/credentials/batch",
        json={"items": [{"claims": c} for c in items]},
        headers=node.auth(),
    )
    assert response.status_code == 200, response.text
    return [item["recordId"] for item in response.json()["items"]]


def _list(node: RunningNode, **params: Any) -> Any:
    response = node.client.get("/admin/credentials", params=params, headers=node.auth())
    assert response.status_code == 200, response.text
    return response.json()


def test_words_fold_case_and_accents_and_split_at_punctuation() -> None:
    assert words("Anna-Maria  MÜLLER") == ["anna", "maria", "muller"]
    assert words("Ærø Łódź straße") == ["ærø", "łodz", "strasse"]
    assert words("S100001") == ["s100001"]
    terms = record_terms(
        "0a1b2c3d-0000", {"learner": {"givenName": "Jörg"}, "title": {"de": "Daten"}}
    )
    assert terms == {"0a1b2c3d", "0000", "jorg", "daten"}


@pytest.fixture(
    params=[
        "rare words drive",
        "every word walks",
        "a short walk falls back",
        "common words skip the walk for the GIN index",
        "the database sorts the candidates",
    ]
)
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every way the registry answers a search: the rarest word's records sorted, or (every
    word common: at least COMMON matches) the newest WINDOW records walked, and when the
    walk does not fill a page the records with every word after all: from PostgreSQL's GIN
    index, elsewhere the rarest word's. COMMON = 1 makes any word that matches common;
    GIN_CAP = 1 lets PostgreSQL walk for them too (with fewer than GIN_CAP matches it goes
    to the GIN index at once); WINDOW = 2 makes a walk too short for most pages;
    MAX_CANDIDATES = 0 leaves the rarest word's candidates to the database's own plan."""
    if request.param != "rare words drive" and request.param != "the database sorts the candidates":
        monkeypatch.setattr(registry, "COMMON", 1)
    if request.param in ("every word walks", "a short walk falls back"):
        monkeypatch.setattr(registry, "GIN_CAP", 1)
    if request.param == "a short walk falls back":
        monkeypatch.setattr(registry, "WINDOW", 2)
    if request.param == "the database sorts the candidates":
        monkeypatch.setattr(registry, "MAX_CANDIDATES", 0)
    return str(request.param)


def test_search_matches_every_word_as_a_prefix_of_names_title_or_id(
    node: RunningNode, plan: str
) -> None:
    ids = _store(
        node,
        [
            _claims(1, "Anna-Maria", "Müller", {"en": "Data Ethics", "de": "Datenethik"}),
            _claims(2, "Anna", "Virtanen", {"en": "Circular Economy"}),
            _claims(3, "Jörg", "Müller", {"en": "Circular Economy", "fi": "Kiertotalous"}),
        ],
    )
    found = lambda q: {i["id"] for i in _list(node, q=q)["items"]}  # noqa: E731
    assert found("anna") == {ids[0], ids[1]}
    assert found("ANNA mül") == {ids[0]}
    assert found("muller") == {ids[0], ids[2]}
    assert found("joerg") == set()  # no transliteration beyond accents
    assert found("jorg") == {ids[2]}
    assert found("kierto") == {ids[2]}, "the title in any language"
    assert found("datenethik") == {ids[0]}
    assert found(ids[1][:8]) == {ids[1]}, "the record id's start"
    assert found("S100002") == {ids[1]}, "the learner's identifier"
    assert found("anna economy") == {ids[1]}
    assert found("nobody") == set()
    item = next(i for i in _list(node, q="virtanen")["items"])
    assert item["learnerName"] == "Anna Virtanen"
    assert item["title"] == {"en": "Circular Economy"}
    assert item["state"] == "issued"
    assert item["learnerIdentifier"] == "S100002"


def test_pages_follow_the_cursor_newest_first_without_gaps_or_repeats(
    node: RunningNode, plan: str
) -> None:
    ids = _store(node, [_claims(n, "Page", f"Learner{n}") for n in range(7)])
    seen: list[str] = []
    page = _list(node, q="page", limit=3)
    pages = 1
    while True:
        seen += [i["id"] for i in page["items"]]
        assert len(page["items"]) <= 3
        if page["next"] is None:
            break
        page = _list(node, q="page", limit=3, cursor=page["next"])
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    stamps = [i["createdAt"] for i in _list(node, limit=200)["items"]]
    assert stamps == sorted(stamps, reverse=True)


def test_filters_state_dates_and_issuer_token(node: RunningNode) -> None:
    issued = _store(node, [_claims(10, "Filter", "One")])[0]
    prepared = node.client.post(
        "/admin/credentials",
        json={"claims": _claims(11, "Filter", "Two"), "issue": False},
        headers=node.auth(),
    ).json()["id"]
    by_state = lambda s: {i["id"] for i in _list(node, q="filter", state=s)["items"]}  # noqa: E731
    assert by_state("prepared") == {prepared}
    assert by_state("issued") == {issued}
    today = datetime.now(UTC).date()
    assert {i["id"] for i in _list(node, q="filter", issued_from=today)["items"]} == {issued}
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert _list(node, q="filter", issued_from=tomorrow)["items"] == []
    assert _list(node, q="filter", issued_to=today.isoformat())["items"][0]["id"] == issued
    token_id = _list(node, q="filter")["items"][0]["createdBy"]
    assert token_id is not None
    assert len(_list(node, q="filter", created_by=token_id)["items"]) == 2
    assert _list(node, q="filter", created_by=token_id + 999)["items"] == []
    edges = _list(node, q="filter", issued_from="0001-01-01", issued_to="9999-12-31")
    assert {i["id"] for i in edges["items"]} == {issued}, "the calendar's ends are no error"


@pytest.mark.parametrize(
    ("params", "element"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"state": "lost"}, "state"),
        ({"issued_from": "2026-13-01"}, "issued_from"),
        ({"issued_from": "2026-02-02", "issued_to": "2026-02-01"}, "issued_to"),
        ({"q": "x" * 201}, "q"),
        ({"q": " ".join("abcdefghij")}, "q"),
        ({"created_by": 2**40}, "created_by"),
    ],
)
def test_bad_queries_are_refused_naming_the_parameter(
    node: RunningNode, params: dict[str, Any], element: str
) -> None:
    response = node.client.get("/admin/credentials", params=params, headers=node.auth())
    assert response.status_code == 422, response.text
    problems = response.json()["problems"]
    assert any(element in p["element"] for p in problems), problems


def test_the_list_needs_an_issuer_token(node: RunningNode) -> None:
    assert node.client.get("/admin/credentials").status_code == 401
    assert node.client.get("/admin/credentials.csv").status_code == 401


def test_vc_api_status_records_are_not_listed(node: RunningNode) -> None:
    issue_with_status(node)  # a status record of the VC API issuer, in the same table
    assert _list(node)["items"] == []


def test_csv_export_has_every_match_and_defuses_formulas(node: RunningNode) -> None:
    _store(
        node,
        [_claims(n, "Export", f"Person{n}") for n in range(3)]
        + [_claims(5, "=HYPERLINK(1)", "Export")],
    )
    response = node.client.get(
        "/admin/credentials.csv", params={"q": "export"}, headers=node.auth()
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 4
    assert {r["learner_name"] for r in rows} >= {"Export Person0", "'=HYPERLINK(1) Export"}
    assert all(r["state"] == "issued" and r["ects"] for r in rows)
    bad = node.client.get("/admin/credentials.csv", params={"limit": 0}, headers=node.auth())
    assert bad.status_code == 422


def test_upgrade_gives_earlier_records_their_search_words(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """0014 writes their words, 0021 their search_text (the walk's and GIN's)."""
    engine = make_engine(empty_database_url)
    try:
        command.upgrade(alembic_config(engine), "0013")
        record = sa.table(
            "credential_record",
            *(sa.column(c) for c in ("id", "state", "created_at")),
            sa.column("claims", sa.JSON),
        )
        now = datetime.now(UTC)
        with engine.begin() as connection:
            connection.execute(
                sa.insert(record),
                [
                    {
                        "id": "r-1",
                        "state": "issued",
                        "created_at": now,
                        "claims": _claims(1, "Old", "Record"),
                    },
                    {
                        "id": "r-2",
                        "state": "issued",
                        "created_at": now,
                        "claims": {"vcapi": {"credentialId": "x"}},
                    },
                ],
            )
        migrate(engine)
        with engine.connect() as connection:
            owners = dict(
                connection.execute(sa.text("SELECT id, owner FROM credential_record")).all()
            )
            terms = {
                t
                for (t,) in connection.execute(
                    sa.text("SELECT term FROM record_search_term WHERE record_id = 'r-1'")
                )
            }
            vcapi_terms = connection.execute(
                sa.text("SELECT count(*) FROM record_search_term WHERE record_id = 'r-2'")
            ).scalar()
            texts = dict(
                connection.execute(sa.text("SELECT id, search_text FROM credential_record")).all()
            )
        assert owners == {"r-1": "institution", "r-2": "vcapi"}
        assert {"old", "record", "r", "1"} <= terms
        assert vcapi_terms == 0
        assert texts == {"r-1": search_text("r-1", _claims(1, "Old", "Record")), "r-2": None}
        monkeypatch.setattr(registry, "COMMON", 1)  # the walk, then (PostgreSQL) GIN
        found = registry.Registry(session_factory(engine)).page(registry.RegistryQuery("rec ol"))
        assert [i.id for i in found.items] == ["r-1"]
    finally:
        engine.dispose()
