"""The learner's recognition pages over HTTP (on anvil, both nodes over real HTTP): a
learner with an account at A (the home) sends B's credential as a file; it is recognised at
once and the decision — naming the learner by A's student number — is in their credentials
at A; a failing grade waits for a person, who decides; the learner appeals from the page.
Asking from the wallet shows the OpenID4VP request (the wallet's answer: tests/e2e). Another
learner sees none of it. Chromium and axe: tests/browser."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from tests.integration.test_catalogue_issuing import request_claims
from tests.integration.test_learners import PASSWORD, Browser, provision
from tests.integration.test_recognition import PROGRAMME, Network
from tests.integration.test_recognition import network as network  # the fixture


def _choice(page: str) -> str:
    found = re.search(r'<option value="([^"]+\|' + PROGRAMME + ')"', page)
    assert found, page
    return found.group(1).replace("&amp;", "&")


def test_a_learner_asks_for_recognition_and_appeals(network: Network) -> None:
    a = network.a
    provision(a, "maija@example.org", [], password=PASSWORD, learner_identifier="A-77")
    provision(a, "other@example.org", [], password=PASSWORD, learner_identifier="A-78")
    learner, other = Browser(a), Browser(a, "198.51.100.9")
    assert learner.sign_in("maija@example.org").status_code == 303
    assert other.sign_in("other@example.org").status_code == 303

    page = learner.client.get("/learner/recognition?lang=en")
    assert page.status_code == 200
    choice = _choice(page.text)
    assert 'id="no-cases"' in page.text

    issued = network.issue_at_b("A")
    network.b.anchor_all()
    token = issued["credentials"][0]["credential"]
    sent = learner.client.post(
        "/learner/recognition/files",
        data={"csrf": learner.csrf(page.text), "lang": "en", "choice": choice},
        files={"file": ("credential.jwt", token.encode(), "text/plain")},
    )
    assert sent.status_code == 303, sent.text
    case_path = sent.headers["location"].split("?")[0]
    shown = learner.client.get(case_path + "?lang=en").text
    # A file is no proof that the credential is theirs (a wallet presentation is): a person
    # looks before it is recognised.
    assert 'data-state="open"' in shown and 'data-condition="holder" data-ok="unknown"' in shown
    case_id = case_path.rsplit("/", 1)[1]
    decided = a.client.post(
        f"/admin/recognitions/{case_id}/decision",
        json={"recognise": True, "reason": "The learner showed their partner account."},
        headers=a.auth(),
    )
    assert decided.status_code == 200, decided.text
    shown = learner.client.get(case_path + "?lang=en").text
    assert 'data-state="decided"' in shown and 'id="decision"' in shown
    record_id = re.search(r'href="/learner/credentials/([0-9a-f-]{36})', shown)
    assert record_id
    mine = learner.client.get("/learner/credentials?lang=en").text
    assert f'data-record="{record_id.group(1)}"' in mine
    decision = a.client.get(f"/admin/credentials/{record_id.group(1)}", headers=a.auth()).json()
    subject = decision["credentials"][0]["credential"]["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == "A-77"  # the home's student number
    assert other.client.get(case_path).status_code == 404

    # Appealing a decision from the page; twice while open is refused.
    csrf = learner.csrf(shown)
    appealed = learner.client.post(
        case_path + "/appeal", data={"csrf": csrf, "lang": "en", "text": "More ECTS, please."}
    )
    assert appealed.status_code == 303
    shown = learner.client.get(case_path + "?lang=en").text
    assert 'data-outcome="open"' in shown and 'id="appeal-text"' not in shown
    state = a.client.get(f"/admin/recognitions/{case_id}", headers=a.auth()).json()
    assert state["appeal"]["text"] == "More ECTS, please."
    assert (
        other.client.post(
            case_path + "/appeal",
            data={
                "csrf": other.page_csrf("/learner/recognition?lang=en"),
                "lang": "en",
                "text": "x",
            },
        ).status_code
        == 404
    )

    # A file that is no credential: the page says why; a JSON object that is none: refused.
    bad = learner.client.post(
        "/learner/recognition/files",
        data={"csrf": csrf, "lang": "en", "choice": choice},
        files={"file": ("x.txt", b"hello", "text/plain")},
    )
    assert bad.status_code == 422 and 'id="notice"' in bad.text
    odd = learner.client.post(
        "/learner/recognition/files",
        data={"csrf": csrf, "lang": "en", "choice": choice},
        files={"file": ("x.json", json.dumps({"not": "a credential"}).encode(), "text/plain")},
    )
    assert odd.status_code == 303
    assert 'data-state="refused"' in learner.client.get(odd.headers["location"]).text

    # From the wallet: the request's QR code and link (answered by the npm wallet in e2e).
    asked = learner.client.post(
        "/learner/recognition/wallet", data={"csrf": csrf, "lang": "en", "choice": choice}
    )
    assert asked.status_code == 201
    assert 'id="wallet-link" href="openid4vp://' in asked.text or "openid4vp://" in asked.text
    assert "<svg" in asked.text
    cases = a.client.get("/admin/recognitions", params={"state": "awaiting"}, headers=a.auth())
    assert len(cases.json()["items"]) == 1

    # Without an agreement: as an elective, a person decides.
    other_credential = network.issue_at_b("B")["credentials"][0]["credential"]
    elective = learner.client.post(
        "/learner/recognition/files",
        data={"csrf": csrf, "lang": "en", "route": "elective", "programme": "BSC-CS"},
        files={"file": ("c.jwt", other_credential.encode(), "text/plain")},
    )
    assert elective.status_code == 303, elective.text
    shown = learner.client.get(elective.headers["location"]).text
    assert 'data-state="open"' in shown and 'data-condition="route"' in shown


def test_a_learning_agreement_accepted_by_all_three_covers_the_request(network: Network) -> None:
    a, b = network.a, network.b
    a_did, b_did = a.runtime.identity().did, b.runtime.identity().did
    provision(a, "lea@example.org", [], password=PASSWORD, learner_identifier="A-90")
    learner = Browser(a, "198.51.100.12")
    assert learner.sign_in("lea@example.org").status_code == 303
    names = request_claims()["learner"]
    digest = b.client.get(network.entry, params={"format": "json"}).json()["status"]["digest"]
    proposal = {
        "type": "LearningAgreement",
        "partner": b_did,
        "title": {"en": "Exchange semester at B"},
        "learner": {
            "givenName": names["givenName"],
            "familyName": names["familyName"],
            "identifier": "A-90",
            "identifierType": "student-number",
        },
        "programme": {"institution": a_did, "id": PROGRAMME, "title": {"en": "MSc Data Science"}},
        "modules": [{"offeredBy": b_did, "entry": network.entry, "digest": digest}],
        "mobility": {"start": "2025-01-01", "end": "2025-12-31"},
        "framework": network.agreement,
        "validFrom": "2025-01-01",
        "validUntil": "2027-12-31",
    }
    made = a.client.post("/admin/agreements", json=proposal, headers=a.auth(a.admin_token))
    assert made.status_code == 201, made.text
    url = made.json()["url"]
    assert made.json()["kind"] == "learning"
    schema = a.client.get("/schemas/learning-agreement/v1.json").json()
    assert schema["$id"].endswith("/learning-agreement/v1.json")

    # Not agreed by B yet, not accepted by the learner: cited, it holds nothing.
    issued = network.issue_at_b("A")
    b.anchor_all()
    token = issued["credentials"][0]["credential"]
    page = learner.client.get("/learner/recognition?lang=en").text
    assert f'data-learning="{url}" data-accepted="no"' in page
    assert "Not yet agreed by both institutions." in page
    body = {
        "agreement": network.agreement,
        "programme": PROGRAMME,
        "learningAgreement": url,
        "credentials": [network.issue_at_b("A")["credentials"][0]["credential"]],
    }
    b.anchor_all()
    early = a.client.post("/admin/recognitions", json=body, headers=a.auth()).json()
    cited = {c["name"]: c for c in early["conditions"]}["learningAgreement"]
    assert early["state"] == "open" and cited["detail"] == "not agreed by both institutions"

    accepted = b.client.post(
        "/admin/agreements/accept", json={"url": url}, headers=b.auth(b.admin_token)
    )
    assert accepted.status_code == 200 and accepted.json()["state"] == "agreed"
    # A learning agreement names its learner: never public.
    assert all(i["kind"] == "recognition" for i in a.client.get("/api/agreements").json()["items"])
    assert a.client.get(urlsplit(url).path).status_code == 404

    csrf = learner.csrf(page)
    done = learner.client.post(
        "/learner/recognition/learning/accept", data={"csrf": csrf, "lang": "en", "url": url}
    )
    assert done.status_code == 303
    page = learner.client.get("/learner/recognition?lang=en").text
    assert f'data-learning="{url}" data-accepted="yes"' in page
    assert f'<option value="{url}">' in page  # it can be cited now

    sent = learner.client.post(
        "/learner/recognition/files",
        data={
            "csrf": learner.csrf(page),
            "lang": "en",
            "choice": _choice(page),
            "learning_agreement": url,
        },
        files={"file": ("credential.jwt", token.encode(), "text/plain")},
    )
    assert sent.status_code == 303, sent.text
    case_id = sent.headers["location"].split("?")[0].rsplit("/", 1)[1]
    case = a.client.get(f"/admin/recognitions/{case_id}", headers=a.auth()).json()
    conditions = {c["name"]: c for c in case["conditions"]}
    assert conditions["learningAgreement"]["ok"] is True, conditions
    assert case["state"] == "open" and case["learningAgreement"] == url  # a file: a person

    # Cited by another learner's request: it names someone else.
    other = network.issue_at_b("A")
    b.anchor_all()
    body = {
        "agreement": network.agreement,
        "programme": PROGRAMME,
        "learningAgreement": url,
        "credentials": [other["credentials"][0]["credential"]],
    }
    claims_other = a.client.post("/admin/recognitions", json=body, headers=a.auth()).json()
    # the same person (the example learner) with a new credential: covered too
    assert {c["name"]: c for c in claims_other["conditions"]}["learningAgreement"]["ok"] is True
