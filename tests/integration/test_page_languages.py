"""Issue 12, item 5: a page names vocabulary values in its own language — countries and
languages (CLDR), EQF levels, assessment types, forms of participation, quality assurance,
and grading standards (the catalogues) — while the API keeps the codes."""

from __future__ import annotations

import json
import re

from node.credentials.examples import example_claims
from tests.conftest import RunningNode
from tests.integration.test_learners import Browser, provision, record


def _fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<dd data-field="(\w+)">(.*?)</dd>', html))


def test_a_german_page_names_countries_and_vocabulary_in_german(node: RunningNode) -> None:
    created = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(31), "formats": ["ldp_vc+eddsa-rdfc-2022"]},
        headers=node.auth(),
    )
    assert created.status_code == 201, created.text
    credential = created.json()["credentials"][0]["credential"]
    text = json.dumps(credential)

    page = node.client.post("/verify", data={"credential": text, "lang": "de"})
    assert page.status_code == 200
    fields = _fields(page.text)
    assert fields["country"] == "Finnland"  # issuerCountries: FI
    assert fields["eqf"] == "EQR-Niveau 6"
    assert fields["assessment"] == "Anwendung von Fähigkeiten, online"
    assert fields["participation"] == "kombiniert (online und vor Ort)"
    assert (
        fields["qualityAssurance"]
        == "interne Qualitätssicherung, extern, auf Ebene der Einrichtung"
    )
    assert fields["language"] == "Englisch, Finnisch"
    assert fields["grade"] == "pass (bestanden/nicht bestanden)"  # the grade as issued
    assert "<dt>Unterrichtssprache</dt>" in page.text

    finnish = _fields(node.client.post("/verify", data={"credential": text, "lang": "fi"}).text)
    assert finnish["country"] == "Suomi" and finnish["language"] == "englanti, suomi"

    summary = node.client.post("/api/verify", json={"credential": credential}).json()["credential"]
    assert summary["country"] == "FI" and summary["participation"] == "blended"  # codes


def test_a_sign_in_link_asked_for_on_a_german_page_is_mailed_in_german(
    node: RunningNode,
) -> None:
    provision(node, "lernende@example.org", [record(node)])
    browser = Browser(node)
    token = browser.page_csrf("/learner/sign-in?lang=de")
    sent = browser.client.post(
        "/learner/sign-in/link",
        data={"email": "lernende@example.org", "csrf": token, "lang": "de"},
    )
    assert sent.status_code == 200 and "ist ein Anmeldelink unterwegs" in sent.text
    (mail,) = node.runtime.outbox().pending()
    assert mail.subject == "Ihr Anmeldelink"
    assert mail.body.startswith("Hallo Mikko Tamm,") and "15 Minuten lang" in " ".join(
        mail.body.split()
    )
