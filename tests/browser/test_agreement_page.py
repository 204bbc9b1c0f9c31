"""An agreement's public page in headless Chromium (JavaScript off, a 390 px phone), in each
language, with axe: a version stored as agreed in the served node's database. This node is
the only member of its embedded chain, so the check made for the page finds the partner no
member and says "not valid" — and why, check by check."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser

from tests.browser.axe import check
from tests.browser.conftest import Node
from tests.unit.test_agreement_documents import document

TITLES = {"en": "Exchange", "de": "Austausch", "es": "Intercambio", "fi": "Vaihto"}


def _store(node: Node) -> str:
    """An agreed version of an agreement this node proposed (its URL's path)."""
    did = f"did:web:{node.url.removeprefix('http://').replace(':', '%3A')}"
    agreement = f"{node.url}/agreements/{uuid.uuid4()}"
    terms = document(
        id=f"{agreement}/versions/1",
        agreement=agreement,
        title=TITLES,
        parties=[{"id": did}, {"id": "did:web:uni-b.example"}],
        modules=[
            {
                "offeredBy": "did:web:uni-b.example",
                "entry": "https://uni-b.example/catalogue/e/versions/1",
                "digest": "0" * 64,
                "title": {"en": "Supply chain analytics", "de": "Lieferkettenanalyse"},
                "ects": 5,
            }
        ],
        programmes=[{"institution": did, "id": "BSC-CS", "title": {"en": "BSc CS"}}],
        gradeConversion={"method": "mapping", "mapping": {"A": "5", "B": "4"}},
        conditions={"passingGrade": True, "minEcts": 3, "maxAgeMonths": 60},
    )
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": "2026-12-01T10:00:00Z",
        "verificationMethod": f"{did}#ed25519-1",
        "proofPurpose": "assertionMethod",
        "proofValue": "z" + "1" * 80,
    }
    now = datetime.now(UTC).isoformat(sep=" ")
    path = node.server.env["CREDREG_DATA_DIR"] + "/node.db"
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO agreement_version (url, agreement_url, number, kind, role, partner_did,"
            " terms, proofs, state, digest, created_at, decided_at, delivery_attempts)"
            " VALUES (?, ?, 1, 'recognition', 'proposer', 'did:web:uni-b.example', ?, ?, 'agreed',"
            " ?, ?, ?, 0)",
            (
                terms["id"],
                agreement,
                json.dumps(terms),
                json.dumps([proof, proof]),
                "ab" * 32,
                now,
                now,
            ),
        )
    return str(terms["id"]).removeprefix(node.url)


@pytest.mark.parametrize("lang", ["en", "de", "es", "fi"])
def test_an_agreements_page_in_each_language(browser: Browser, node: Node, lang: str) -> None:
    path = _store(node)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", java_script_enabled=False
    )
    try:
        page = context.new_page()
        response = page.goto(f"{node.url}{path}?lang={lang}")
        assert response is not None and response.status == 200
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("h1").inner_text() == TITLES[lang]
        assert page.locator("#check").get_attribute("data-verdict") == "invalid"
        failed = page.locator('#checks li[data-ok="no"]').all_inner_texts()
        assert any("not a member of the network" in text for text in failed), failed
        assert page.locator("#anchor").get_attribute("data-state") == "none"
        assert page.locator("#terms table td").count() == 4  # the grade mapping
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        check(page)
    finally:
        context.close()
