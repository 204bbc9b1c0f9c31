"""The catalogue on one node, on SQLite and PostgreSQL: entries created, edited, published
(immutable, digest = SHA-256 of the JCS document), withdrawn; the public list; each version
as HTML, ELM 3 JSON-LD (valid against the Commission's LOQ shapes) and JSON."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785

from node.catalogue import entries
from node.catalogue.entries import digest_of
from node.catalogue.samples import SAMPLES
from node.db.models import utcnow
from node.errors import Conflict
from node.ledger.single_root import single_root
from tests.conftest import RunningNode
from tests.unit.test_catalogue_elm import validate_loq

MINIMAL: dict[str, Any] = SAMPLES[2]  # Finnish and English, with dates


def post(node: RunningNode, path: str, body: dict[str, Any] | None = None) -> Any:
    return node.client.post(path, json=body or {}, headers=node.auth())


def published_entry(node: RunningNode, content: dict[str, Any] = MINIMAL) -> dict[str, Any]:
    created = post(node, "/admin/catalogue", {"content": content})
    assert created.status_code == 201, created.text
    entry = created.json()
    published = post(node, f"/admin/catalogue/{entry['id']}/publish")
    assert published.status_code == 200, published.text
    return {"entry": entry, "version": published.json()}


def test_an_entry_is_drafted_published_frozen_and_versioned(node: RunningNode) -> None:
    created = post(node, "/admin/catalogue", {"content": MINIMAL})
    assert created.status_code == 201, created.text
    entry = created.json()
    assert [(v["version"], v["state"], v["digest"]) for v in entry["versions"]] == [
        (1, "draft", None)
    ]
    draft_url = entry["versions"][0]["url"]
    path = draft_url.removeprefix(node.settings.origin)
    assert node.client.get(path).status_code == 404  # a draft is not public
    assert node.client.get("/api/catalogue").json() == {"items": []}

    edited = copy.deepcopy(MINIMAL) | {"keywords": ["recycling"]}
    put = node.client.put(
        f"/admin/catalogue/{entry['id']}/draft", json={"content": edited}, headers=node.auth()
    )
    assert put.status_code == 200 and len(put.json()["versions"]) == 1  # the same draft

    v1 = post(node, f"/admin/catalogue/{entry['id']}/publish").json()
    assert v1["state"] == "published" and v1["content"]["keywords"] == ["recycling"]
    again = post(node, f"/admin/catalogue/{entry['id']}/publish")
    assert again.status_code == 409  # nothing left to publish

    served = node.client.get(path, headers={"accept": "application/json"}).json()
    document = {k: v for k, v in served.items() if k != "status"}
    digest = hashlib.sha256(rfc8785.dumps(document)).hexdigest()
    assert digest == v1["digest"] == served["status"]["digest"]
    assert document["id"] == draft_url and document["institution"]["id"].startswith("did:web:")

    # Editing after publication starts version 2; version 1 stays as it was.
    second = copy.deepcopy(MINIMAL) | {"cycle": "2027 autumn", "startDate": "2027-09-01"}
    second.pop("endDate")
    put = node.client.put(
        f"/admin/catalogue/{entry['id']}/draft", json={"content": second}, headers=node.auth()
    )
    assert [v["state"] for v in put.json()["versions"]] == ["published", "draft"]
    v2 = post(node, f"/admin/catalogue/{entry['id']}/publish").json()
    assert v2["version"] == 2 and v2["digest"] != v1["digest"]
    assert node.client.get(path, headers={"accept": "application/json"}).json() == served

    listed = node.client.get("/api/catalogue").json()["items"]
    assert [[v["version"] for v in e["versions"]] for e in listed] == [[1, 2]]
    entry_page = node.client.get(f"/catalogue/{entry['id']}", follow_redirects=False)
    assert entry_page.status_code == 303
    assert entry_page.headers["location"] == f"/catalogue/{entry['id']}/versions/2"

    # Withdrawn: still served, marked so; no longer on offer once no version is.
    for number in (1, 2):
        gone = post(
            node,
            f"/admin/catalogue/{entry['id']}/versions/{number}/withdraw",
            {"reason": "replaced by the 2028 course"},
        )
        assert gone.status_code == 200 and gone.json()["state"] == "withdrawn"
    assert node.client.get("/api/catalogue").json() == {"items": []}
    page = node.client.get(path + "?lang=en")
    assert page.status_code == 200 and 'id="withdrawn"' in page.text
    assert "replaced by the 2028 course" in page.text
    refused = post(node, f"/admin/catalogue/{entry['id']}/versions/1/withdraw", {"reason": "again"})
    assert refused.status_code == 409


def test_every_version_url_serves_html_elm_and_json(node: RunningNode) -> None:
    made = published_entry(node)
    path = made["version"]["url"].removeprefix(node.settings.origin)
    elm = node.client.get(path, headers={"accept": "application/ld+json"})
    assert elm.status_code == 200 and elm.headers["content-type"] == "application/ld+json"
    conforms, report = validate_loq(elm.json())
    assert conforms, report
    assert node.client.get(path + "?format=jsonld").json() == elm.json()

    page = node.client.get(path, headers={"accept-language": "fi"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Kiertotalouden perusteet" in page.text
    embedded = re.search(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S)
    assert embedded, page.text
    course = json.loads(embedded.group(1))
    assert course["@type"] == "Course" and course["name"] == "Kiertotalouden perusteet"
    assert made["version"]["digest"] in page.text


def test_bad_entries_are_refused_naming_the_element(node: RunningNode) -> None:
    cases = [
        ({k: v for k, v in MINIMAL.items() if k != "title"}, "title"),
        (MINIMAL | {"eqfLevel": 9}, "eqfLevel"),
        (MINIMAL | {"fieldOfStudy": "x1"}, "fieldOfStudy"),
        (MINIMAL | {"languages": ["xx"]}, "languages[0]"),
        ({k: v for k, v in MINIMAL.items() if k not in ("startDate", "endDate")}, "startDate"),
        (MINIMAL | {"endDate": "2027-01-01"}, "endDate"),
        (MINIMAL | {"surprise": 1}, "surprise"),
    ]
    for content, element in cases:
        refused = post(node, "/admin/catalogue", {"content": content})
        assert refused.status_code == 422, (element, refused.text)
        assert element in [p["element"] for p in refused.json()["problems"]], refused.text
    assert node.client.post("/admin/catalogue", json={"content": MINIMAL}).status_code == 401
    missing = "00000000-0000-4000-8000-000000000000"
    assert post(node, f"/admin/catalogue/{missing}/publish").status_code == 404
    assert node.client.get(f"/catalogue/{missing}/versions/1").status_code == 404
    assert node.client.get("/catalogue/not-an-id/versions/1").status_code == 422
    made = published_entry(node)
    empty = post(
        node, f"/admin/catalogue/{made['entry']['id']}/versions/1/withdraw", {"reason": " "}
    )
    assert empty.status_code == 422 and "reason" in empty.text


def test_each_published_version_is_anchored_with_the_rounds(node: RunningNode) -> None:
    made = published_entry(node)
    path = made["version"]["url"].removeprefix(node.settings.origin)
    before = node.client.get(path, headers={"accept": "application/json"}).json()
    assert (
        before["status"]["anchor"]["state"] == "pending"
        and before["status"]["anchor"]["blockNumber"] is None
    )
    page = node.client.get(path + "?lang=en").text
    assert 'data-state="pending"' in page and "Not anchored yet" in page

    node.anchor_all()
    after = node.client.get(path, headers={"accept": "application/json"}).json()
    anchor = after["status"]["anchor"]
    assert anchor["state"] == "confirmed" and anchor["blockNumber"] > 0
    assert anchor["root"] == single_root(made["version"]["digest"])
    info = node.runtime.ledger().anchors.root_info(bytes.fromhex(anchor["root"]))
    assert info is not None and info.block_number == anchor["blockNumber"]
    assert f"Anchored in block {anchor['blockNumber']}" in node.client.get(path).text
    node.anchor_all()  # nothing is sent twice
    assert node.client.get(path, headers={"accept": "application/json"}).json() == after


def test_the_public_list_has_an_etag_and_changes_since(node: RunningNode) -> None:
    first = published_entry(node)
    listed = node.client.get("/api/catalogue")
    etag = listed.headers["etag"]
    unchanged = node.client.get("/api/catalogue", headers={"if-none-match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    mark = datetime.now(UTC)
    second = published_entry(node, SAMPLES[0])
    changed = node.client.get("/api/catalogue", headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    since = node.client.get("/api/catalogue", params={"changedSince": mark.isoformat()})
    assert [e["id"] for e in since.json()["items"]] == [second["entry"]["id"]]
    withdrawn = post(
        node,
        f"/admin/catalogue/{first['entry']['id']}/versions/1/withdraw",
        {"reason": "cancelled"},
    )
    assert withdrawn.status_code == 200
    since = node.client.get("/api/catalogue", params={"changedSince": mark.isoformat()})
    ids = {e["id"]: e for e in since.json()["items"]}
    assert set(ids) == {first["entry"]["id"], second["entry"]["id"]}  # the withdrawal too
    assert ids[first["entry"]["id"]]["versions"][0]["state"] == "withdrawn"
    # asOf: the next changedSince, a minute early (a change may come twice, never be missed)
    as_of = datetime.fromisoformat(since.json()["asOf"])
    assert timedelta(seconds=55) < datetime.now(UTC) - as_of < timedelta(seconds=120)
    again = node.client.get("/api/catalogue", params={"changedSince": as_of.isoformat()})
    assert {e["id"] for e in again.json()["items"]} == set(ids)  # the last minute's again
    assert "asOf" not in node.client.get("/api/catalogue").json()  # only with changedSince
    naive = node.client.get("/api/catalogue", params={"changedSince": "2026-01-01T00:00:00"})
    assert naive.status_code == 422 and "changedSince" in naive.text
    bad = node.client.get("/api/catalogue", params={"changedSince": "yesterday"})
    assert bad.status_code == 422


def test_the_index_view_and_the_network_scope(node: RunningNode) -> None:
    published_entry(node)
    (item,) = node.client.get("/api/catalogue", params={"view": "index"}).json()["items"]
    assert item["versions"][0]["content"] is None and item["versions"][0]["digest"]
    network = node.client.get("/api/catalogue", params={"scope": "network"}).json()["items"]
    assert [e["member"] for e in network] == [None]  # no other member's entry kept yet
    both = {"scope": "network", "changedSince": "2026-01-01T00:00:00+00:00"}
    refused = node.client.get("/api/catalogue", params=both)
    assert refused.status_code == 422 and "changedSince" in refused.text
    assert node.client.get("/api/catalogue", params={"view": "all"}).status_code == 422


def test_an_edit_racing_a_publication_is_a_conflict_not_an_overwrite(
    node: RunningNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = post(node, "/admin/catalogue", {"content": MINIMAL}).json()
    catalogue = node.runtime.catalogue()
    calls: list[int] = []

    def publish_in_between() -> datetime:
        """The edit's clock, read after it read the draft: another request publishes."""
        if not calls:
            calls.append(1)
            node.runtime.catalogue().publish(made["id"])  # its own session
        return utcnow()

    monkeypatch.setattr(entries, "utcnow", publish_in_between)
    with pytest.raises(Conflict):
        catalogue.edit(made["id"], MINIMAL | {"keywords": ["late"]})
    (version,) = catalogue.entry(made["id"]).versions
    assert version.state == "published" and version.content.get("keywords") == []
    assert digest_of(version.document or {}) == version.digest


def test_odd_inputs_are_refused_or_harmless(node: RunningNode) -> None:
    infinite = MINIMAL | {"costs": {"amount": float("inf"), "currency": "EUR"}}
    refused = node.client.post(
        "/admin/catalogue",
        content=json.dumps({"content": infinite}),  # "Infinity": Python's JSON writes it
        headers=node.auth() | {"content-type": "application/json"},
    )
    assert refused.status_code == 422 and "costs.amount" in refused.text
    sneaky = MINIMAL | {"title": {"en": "Intro <!--<script> </script> & more"}}
    made = published_entry(node, sneaky)
    path = made["version"]["url"].removeprefix(node.settings.origin)
    page = node.client.get(path + "?lang=en")
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S)
    assert block and not re.search("[<>&]", block.group(1))
    assert json.loads(block.group(1))["name"] == sneaky["title"]["en"]
    assert '<h1 id="entry-title">Intro &lt;!--&lt;script&gt;' in page.text
    for accept in ("text/html", "application/json", "application/ld+json"):
        answer = node.client.get(path, headers={"accept": accept})
        assert answer.headers["vary"] == "Accept", accept
    # A moment with another offset than UTC means the same moment (SQLite too).
    earlier = datetime.now(UTC).astimezone(timezone(timedelta(hours=2))) - timedelta(hours=1)
    since = node.client.get("/api/catalogue", params={"changedSince": earlier.isoformat()})
    assert made["entry"]["id"] in [e["id"] for e in since.json()["items"]]


def test_the_list_is_built_again_exactly_when_it_changes(node: RunningNode) -> None:
    """Members' syncs ask for the list with its ETag every round: it is built once per
    change (node/catalogue/listing.py) — what it shows changes the ETag, a draft does not."""

    def etag(**params: str) -> str:
        answer = node.client.get("/api/catalogue", params={"view": "index"} | params)
        assert answer.status_code == 200
        return answer.headers["etag"]

    made = published_entry(node)
    entry_id = made["entry"]["id"]
    first = etag()
    assert etag() == first
    assert (
        node.client.get(
            "/api/catalogue", params={"view": "index"}, headers={"If-None-Match": first}
        ).status_code
        == 304
    )
    edited = node.client.put(
        f"/admin/catalogue/{entry_id}/draft", json={"content": MINIMAL}, headers=node.auth()
    )
    assert edited.status_code == 200 and etag() == first  # a draft is not public
    node.anchor_all()
    anchored = etag()
    assert anchored != first  # pending → confirmed is shown
    post(node, f"/admin/catalogue/{entry_id}/publish")
    second = etag()
    assert second != anchored
    post(node, f"/admin/catalogue/{entry_id}/versions/1/withdraw", {"reason": "old"})
    assert etag() not in (first, anchored, second)
    full = node.client.get("/api/catalogue").json()  # the full view: its own list
    assert [v["state"] for v in full["items"][0]["versions"]] == ["withdrawn", "published"]
