"""The network's catalogue on anvil: A keeps B's published versions only after checking
each against the chain, syncs again with B's ETag, follows new versions and withdrawals,
keeps serving B's entries when B is offline, and refuses a copy changed in its database;
a member's list that lies is not believed. A's search finds B's entries, offline or not,
and leaves a changed copy out. B is served over real HTTP (`tests.peer`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from node.catalogue.samples import SAMPLES
from node.db.models import PeerCatalogue, PeerCatalogueVersion
from tests.conftest import RunningNode
from tests.integration.test_network_ledger import genesis_pair
from tests.peer import AppPeer, Peer


def _publish(node: RunningNode, content: dict[str, Any], entry_id: str | None = None) -> str:
    if entry_id is None:
        made = node.client.post("/admin/catalogue", json={"content": content}, headers=node.auth())
        assert made.status_code == 201, made.text
        entry_id = str(made.json()["id"])
    else:
        edited = node.client.put(
            f"/admin/catalogue/{entry_id}/draft", json={"content": content}, headers=node.auth()
        )
        assert edited.status_code == 200, edited.text
    published = node.client.post(f"/admin/catalogue/{entry_id}/publish", headers=node.auth())
    assert published.status_code == 200, published.text
    return entry_id


def _network(node: RunningNode) -> dict[str, dict[str, Any]]:
    """The other members' entries as ``node`` serves them, by URL."""
    items = node.client.get("/api/catalogue", params={"scope": "network"}).json()["items"]
    return {e["url"]: e for e in items if e["member"] is not None}


def _search(node: RunningNode, **params: Any) -> dict[str, Any]:
    """A search over the network (unless ``scope`` says otherwise)."""
    answer = node.client.get("/api/catalogue", params={"scope": "network", "limit": 50} | params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _kept_urls(node: RunningNode) -> list[str]:
    with node.runtime.sessions() as session:
        return list(session.scalars(sa.select(PeerCatalogueVersion.url)))


def _error(node: RunningNode) -> str:
    with node.runtime.sessions() as session:
        return next(iter(session.scalars(sa.select(PeerCatalogue.last_error))), None) or ""


def test_a_members_catalogue_is_checked_kept_and_served(tmp_path: Path, anvil_url: str) -> None:
    peer = AppPeer()
    a, b = genesis_pair(tmp_path, anvil_url, origin_b=peer.url)
    with a.client, b.client:
        peer.serve(b.client)
        try:
            first = _publish(b, SAMPLES[1])
            _publish(b, SAMPLES[3])
            b.anchor_all()
            _publish(a, SAMPLES[0])
            sync = a.runtime.catalogue_sync()
            assert sync is not None
            assert sync.run_once() == 2
            seen = _network(a)
            assert len(seen) == 2
            entry = seen[f"{peer.url}/catalogue/{first}"]
            assert entry["member"]["did"] == b.runtime.identity().did
            assert entry["member"]["status"] == "active"
            (version,) = entry["versions"]
            assert version["anchor"]["state"] == "confirmed" and version["content"]["title"]
            own = a.client.get("/api/catalogue").json()["items"]
            assert len(own) == 1 and own[0]["member"] is None  # the default: A's own

            # A's search covers B's entries (scope=network), marked as B's, with A's own.
            found = _search(a, q="lieferkette")
            assert [e["url"] for e in found["items"]] == [f"{peer.url}/catalogue/{first}"]
            assert found["items"][0]["member"]["status"] == "active"
            assert _search(a, q="lieferkette", scope="institution")["items"] == []
            assert _search(a)["total"] == 3
            b_did = b.runtime.identity().did
            assert _search(a, institution=b_did, mode="onsite")["total"] == 1  # SAMPLES[3]

            # Nothing changed: B's list answers 304 and nothing else is read.
            before = len(peer.requests)
            assert sync.run_once() == 0
            assert peer.requests[before:] == ["/api/catalogue?view=index"]

            # A new version is kept once anchored; a withdrawal is followed.
            _publish(b, SAMPLES[1] | {"cycle": "2028"}, first)
            assert sync.run_once() == 0 and "not anchored on chain yet" in _error(a)
            b.anchor_all()
            assert sync.run_once() == 1 and _error(a) == ""
            withdrawn = b.client.post(
                f"/admin/catalogue/{first}/versions/1/withdraw",
                json={"reason": "replaced"},
                headers=b.auth(),
            )
            assert withdrawn.status_code == 200
            assert sync.run_once() == 1
            states = [v["state"] for v in _network(a)[f"{peer.url}/catalogue/{first}"]["versions"]]
            assert states == ["withdrawn", "published"]
            (hit,) = _search(a, q="lieferkette")["items"]
            assert hit["versions"][0]["version"] == 2  # the version on offer now

            # B goes offline: A keeps serving what it checked, and says why it did not sync.
            peer.stop()
            assert sync.run_once() == 0 and "cannot be reached" in _error(a)
            assert len(_network(a)) == 2
            elm = a.client.get("/api/catalogue", params={"scope": "network"}).json()
            assert elm["items"]
            assert _search(a)["total"] == 3  # B's entries are still found, from A's copies
            # ...and each is served by A as its kept copy, with where it came from
            version_url = f"{peer.url}/catalogue/{first}/versions/2"
            page = a.client.get("/catalogue/network/version", params={"url": version_url})
            assert page.status_code == 200 and 'id="kept"' in page.text, page.text
            assert b.runtime.identity().did in page.text and "Lieferketten" in page.text
            as_json = a.client.get(
                "/catalogue/network/version", params={"url": version_url, "format": "json"}
            ).json()
            assert as_json["id"] == version_url and as_json["status"]["state"] == "published"
            elm = a.client.get(
                "/catalogue/network/version", params={"url": version_url, "format": "jsonld"}
            ).json()
            assert elm["id"] == version_url

            # A copy changed in A's database is not served.
            with a.runtime.sessions() as session, session.begin():
                row = session.scalars(
                    sa.select(PeerCatalogueVersion).where(
                        PeerCatalogueVersion.entry_url != f"{peer.url}/catalogue/{first}"
                    )
                ).one()
                row.document = row.document | {"content": row.document["content"] | {"eqfLevel": 8}}
            assert list(_network(a)) == [f"{peer.url}/catalogue/{first}"]
            changed = _search(a, institution=b_did)
            assert changed["total"] == 2 and changed["refused"] == 1
            changed_url = next(u for u in _kept_urls(a) if f"/{first}/" not in u)
            gone = a.client.get("/catalogue/network/version", params={"url": changed_url})
            assert gone.status_code == 404  # a changed copy is not served
            unknown = a.client.get(
                "/catalogue/network/version",
                params={"url": "https://x.example/catalogue/y/versions/1"},
            )
            assert unknown.status_code == 404
            assert [e["url"] for e in changed["items"]] == [f"{peer.url}/catalogue/{first}"]
        finally:
            peer.stop()


def test_a_members_list_that_lies_is_not_believed(tmp_path: Path, anvil_url: str) -> None:
    with Peer() as lying:
        listing = {
            "items": [
                {
                    "versions": [
                        {"url": f"{lying.url}/catalogue/x/versions/1", "digest": "ab" * 32,
                         "state": "published"},
                        {"url": "http://127.0.0.1:9/catalogue/y/versions/1", "digest": "cd" * 32,
                         "state": "published"},
                    ]
                }
            ]
        }  # fmt: skip
        lying.body = json.dumps(listing).encode()
        a, b = genesis_pair(tmp_path, anvil_url, origin_b=lying.url)
        with a.client, b.client:
            sync = a.runtime.catalogue_sync()
            assert sync is not None
            assert sync.run_once() == 0
            assert _network(a) == {}
            error = _error(a)
            assert "does not hash to the digest listed" in error  # the "document" was the list
            assert "is not on the issuer's registered endpoint" in error
            assert lying.requests == [
                "/api/catalogue?view=index",
                "/catalogue/x/versions/1?format=json",
            ]
