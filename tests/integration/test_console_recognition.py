"""The console's recognition pages over HTTP (on anvil, both nodes over real HTTP): B's
management accepts A's proposal from the console (a teacher may not); at A, a programme
committee member decides an open case with a reason, settles the learner's appeal and
decides anew, and the decision credential is linked. Chromium and axe: tests/browser."""

from __future__ import annotations

from node.db.models import StaffRole
from tests.integration.test_agreements import terms
from tests.integration.test_console import Staff, signed_in
from tests.integration.test_recognition import PROGRAMME, Network
from tests.integration.test_recognition import network as network  # the fixture


def _post(member: Staff, page: str, path: str, **fields: str) -> tuple[int, str]:
    shown = member.client.get(page)
    assert shown.status_code == 200, shown.text
    answer = member.client.post(path, data={"csrf": member.csrf(shown.text), "lang": "en"} | fields)
    return answer.status_code, answer.text


def test_agreements_and_cases_from_the_console(network: Network) -> None:
    a, b = network.a, network.b
    a_did, b_did = a.runtime.identity().did, b.runtime.identity().did
    proposed = a.client.post(
        "/admin/agreements",
        json=terms(b_did, b_did, a_did, pathway="rigid"),
        headers=a.auth(a.admin_token),
    ).json()

    teacher = signed_in(b, "teach", StaffRole.TEACHER)
    listed = teacher.client.get("/console/recognition?lang=en").text
    assert f'data-agreement="{proposed["url"]}" data-state="received"' in listed
    assert "Accept and sign" not in listed  # not theirs to decide
    code, _ = _post(
        teacher,
        "/console/recognition?lang=en",
        "/console/recognition/agreements/accept",
        url=proposed["url"],
    )
    assert code == 403
    dean = signed_in(b, "deanx", StaffRole.MANAGEMENT)
    code, _ = _post(
        dean,
        "/console/recognition?lang=en",
        "/console/recognition/agreements/accept",
        url=proposed["url"],
    )
    assert code == 303
    assert (
        f'data-agreement="{proposed["url"]}" data-state="agreed"'
        in dean.client.get("/console/recognition?lang=en").text
    )
    code, text = _post(
        dean,
        "/console/recognition?lang=en",
        "/console/recognition/agreements/accept",
        url=proposed["url"],
    )
    assert code == 303  # accepting again changes nothing

    # At A: a failing grade waits for a person.
    issued = network.issue_at_b("FX")
    b.anchor_all()
    case = network.recognise(issued["credentials"][0]["credential"])
    page = f"/console/recognition/{case['id']}?lang=en"
    committee = signed_in(a, "commi", StaffRole.COMMITTEE)
    assert (
        f'data-case="{case["id"]}" data-state="open"'
        in committee.client.get("/console/recognition?lang=en").text
    )
    shown = committee.client.get(page).text
    assert 'data-condition="passingGrade" data-ok="no"' in shown and 'id="recognise-yes"' in shown
    path = f"/console/recognition/{case['id']}/decision"
    code, text = _post(committee, page, path, recognise="no", reason="")
    assert code == 422 and "reason" in text
    code, _ = _post(committee, page, path, recognise="no", reason="FX is a fail.")
    assert code == 303
    assert 'id="outcome">not recognised' in committee.client.get(page).text

    appealed = a.client.post(
        f"/admin/recognitions/{case['id']}/appeal",
        json={"text": "I passed the resit."},
        headers=a.auth(),
    )
    assert appealed.status_code == 200
    code, _ = _post(
        committee,
        page,
        f"/console/recognition/{case['id']}/appeal",
        upheld="yes",
        reason="The resit counts.",
    )
    assert code == 303
    code, _ = _post(
        committee,
        page,
        path,
        recognise="yes",
        reason="Resit passed.",
        converted_grade="3",
        ects="5",
    )
    assert code == 303
    final = committee.client.get(page).text
    assert 'data-outcome="upheld"' in final and 'id="decision-record"' in final
    assert "grade 3" in final
    assert PROGRAMME in final
