"""The institution's details: validated like a credential's (EU vocabularies), correctable
through the admin API, never its origin or DID (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.credentials.examples import example_claims
from node.errors import InvalidInput
from node.runtime import build_runtime
from node.settings import Settings
from node.setup import create_institution
from tests.conftest import PASSPHRASE, RunningNode


@pytest.mark.parametrize(
    ("details", "element"),
    [
        ({"country": "Spain"}, "country"),
        ({"country": "XX"}, "country"),
        ({"legal_status": "university"}, "legalStatus"),
        ({"name": "  "}, "name"),
        ({"origin": "ftp://uni.example"}, "origin"),
        ({"origin": "https://uni.example/?x=1"}, "origin"),
        ({"deqar_id": "123"}, "deqarId"),
    ],
)
def test_invalid_details_create_nothing(
    tmp_path: Path, database_url: str, details: dict[str, str], element: str
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url, key_passphrase=PASSPHRASE
    )
    runtime = build_runtime(settings)
    given = {
        "name": "Universidad Ejemplo",
        "country": "ES",
        "legal_status": "public-institution",
        "origin": "https://uni.example",
        **details,
    }
    try:
        with pytest.raises(InvalidInput) as caught:
            create_institution(runtime.sessions, runtime.keystore, **given)
        assert [p.element for p in caught.value.problems] == [element]
        assert not (tmp_path / "data" / "keys").exists(), "no key made for a refused institution"
        # Lower-case codes and the EU alias are normalised, as in credentials.
        row = create_institution(
            runtime.sessions,
            runtime.keystore,
            name="Universidad Ejemplo",
            country="el",
            legal_status="public-institution",
            origin="https://uni.example",
        )
        assert row.country == "GR"
    finally:
        runtime.close()


def _credential(node: RunningNode, n: int) -> dict[str, object]:
    response = node.client.post(
        "/admin/credentials", json={"claims": example_claims(n)}, headers=node.auth()
    )
    assert response.status_code == 201, response.text
    credential: dict[str, object] = response.json()["credentials"][0]["credential"]
    return credential


def test_correcting_the_institution(node: RunningNode) -> None:
    admin = node.auth(node.admin_token)
    before = node.client.get("/admin/institution", headers=admin).json()
    assert before["country"] == "ES" and before["did"] == "did:web:uni-a.example"
    assert _credential(node, 1)["issuer"]["name"] == "Universidad Ejemplo"  # type: ignore[index]

    for body, element in (
        ({"country": "Spain"}, "country"),
        ({"legalStatus": "university"}, "legalStatus"),
        ({"origin": "https://other.example"}, "body"),
        ({"did": "did:web:other.example"}, "body"),
    ):
        refused = node.client.patch("/admin/institution", json=body, headers=admin)
        assert refused.status_code == 422, refused.text
        assert refused.json()["problems"][0]["element"] == element
    assert "cannot be changed" in refused.json()["problems"][0]["reason"]
    assert node.client.patch("/admin/institution", json={}, headers=node.auth()).status_code == 403

    changed = node.client.patch(
        "/admin/institution",
        json={"name": "Universidad de Ejemplo", "country": "pt", "legalStatus": "other"},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        **before,
        "name": "Universidad de Ejemplo",
        "country": "PT",
        "legalStatus": "other",
    }
    # The next credential carries the corrected details; the DID did not move.
    issuer = _credential(node, 2)["issuer"]
    assert issuer["name"] == "Universidad de Ejemplo"  # type: ignore[index]
    assert issuer["address"]["addressCountryCode"] == "PT"  # type: ignore[index]
    assert issuer["id"] == before["did"]  # type: ignore[index]
    did_document = node.client.get("/.well-known/did.json").json()
    assert did_document["id"] == before["did"]
