"""A learner's transcript of records, on anvil with two nodes (the network of
tests/integration/test_recognition.py): A lists the credentials the learner holds from it —
its own course and a recognition decision of B's credential, with the part it recognises —
in one credential that verifies like any other; a revoked one is left out; the same day
gives the same transcript; an account without credentials has none."""

from __future__ import annotations

from node.catalogue.samples import SAMPLES
from tests.integration.test_recognition import PROGRAMME, Network
from tests.integration.test_recognition import network as network  # the fixture
from tests.integration.test_stacks import issue_from, post_to, published


def _learner(network: Network, email: str, records: list[str]) -> str:
    body = {"email": email, "name": "Tara Transcript", "record_ids": records}
    made = post_to(network.a, "/admin/learners", body)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_a_transcript_lists_every_credential_held_here(network: Network) -> None:
    a, b = network.a, network.b
    course = published(a, SAMPLES[0])
    own = issue_from(a, course, "B")
    revoked = issue_from(a, course, "C")
    at_b = issue_from(b, network.entry, "A")
    b.anchor_all()
    assert post_to(a, f"/admin/credentials/{revoked['id']}/revoke", {"reason": "t"}).is_success
    account = _learner(network, "tara@example.org", [own["id"], revoked["id"]])
    # The learner asks from their account (a file: a person decides); the decision names
    # them as this institution knows them, and lands in their account.
    asked = a.runtime.recognitions().request(
        {
            "agreement": network.agreement,
            "programme": PROGRAMME,
            "credentials": [at_b["credentials"][0]["credential"]],
        },
        "learner",
        learner=account,
    )
    decided = post_to(
        a, f"/admin/recognitions/{asked['id']}/decision", {"recognise": True, "reason": "ok"}
    )
    assert decided.status_code == 200, decided.text
    case = decided.json()

    made = post_to(a, f"/admin/learners/{account}/transcript")
    assert made.status_code == 200 and made.json()["state"] == "issued", made.text
    again = post_to(a, f"/admin/learners/{account}/transcript")
    assert again.json()["record_id"] == made.json()["record_id"]  # the same day: the same one
    record = a.client.get(f"/admin/credentials/{made.json()['record_id']}", headers=a.auth())
    transcript = record.json()["credentials"][0]["credential"]
    subject = transcript["credentialSubject"]
    assert subject["achievement"]["achievementType"] == "ext:TranscriptOfRecords"
    entries = subject["transcript"]["transcriptEntry"]
    assert [e["credentialId"] for e in entries] == [
        f"urn:uuid:{own['id']}",
        f"urn:uuid:{case['decisionRecord']}",
    ]
    assert entries[0]["achievementUrl"] == course and entries[0]["grade"] == "B"
    (recognised,) = entries[1]["recognised"]
    assert recognised["issuerId"] == b.runtime.identity().did
    assert subject["creditsEarned"] == 8  # 3 + 5
    a.anchor_all()
    for node in (a, b):
        report = node.client.post("/api/verify", json={"credential": transcript}).json()
        assert report["verdict"] == "valid", report
    listed = report["credential"]["transcript"]  # what the verification page shows
    assert len(listed) == 2 and listed[0].startswith("Data Ethics in Practice · 3 ECTS · B")
    # Each entry's digest finds its credential in the public lookup.
    found = a.client.get(f"/api/lookup/{entries[0]['credentialDigest']}")
    assert found.status_code == 200 and found.json()["status"]["revoked"] is False, found.text

    # The learner lists it too: in the account, and on the portal's credentials page.
    held = a.client.get(f"/admin/learners/{account}", headers=a.auth()).json()
    assert made.json()["record_id"] in held["record_ids"]

    empty = _learner(network, "nobody@example.org", [])
    refused = post_to(a, f"/admin/learners/{empty}/transcript")
    assert refused.status_code == 409
    unknown = post_to(a, "/admin/learners/00000000-0000-0000-0000-000000000000/transcript")
    assert unknown.status_code == 404
