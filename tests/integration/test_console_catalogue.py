"""The console's catalogue page over HTTP, on SQLite and PostgreSQL: every entry with its
versions; a programme committee member imports a file (CSV or ELM), publishes a draft and
withdraws a version with its reason; a teacher sees the list and may change nothing; a file
that cannot be used is a 422 that says why. Chromium and axe: tests/browser."""

from __future__ import annotations

import json
import re

from node.catalogue.elm import learning_opportunity
from node.catalogue.samples import SAMPLES
from node.db.models import StaffRole
from tests.conftest import RunningNode
from tests.integration.test_console import Staff, signed_in
from tests.unit.test_catalogue_csv import HEADER, ROW
from tests.unit.test_catalogue_elm_import import document


def _import(member: Staff, data: bytes, *, publish: bool, name: str = "entries.csv") -> str:
    page = member.client.get("/console/catalogue?lang=en")
    assert page.status_code == 200, page.text
    form = {"csrf": member.csrf(page.text), "lang": "en"} | ({"publish": "yes"} if publish else {})
    answer = member.client.post(
        "/console/catalogue/import", data=form, files={"file": (name, data, "text/csv")}
    )
    assert answer.status_code in (200, 422), answer.text
    text: str = answer.text
    return text


def _post(member: Staff, path: str, **fields: str) -> int:
    page = member.client.get("/console/catalogue?lang=en")
    answer = member.client.post(path, data={"csrf": member.csrf(page.text), "lang": "en"} | fields)
    status: int = answer.status_code
    return status


def test_a_committee_member_imports_publishes_and_withdraws(node: RunningNode) -> None:
    committee = signed_in(node, "commi", StaffRole.COMMITTEE)
    csv_file = "\n".join([HEADER, ROW, ROW.replace("DS-101", "DS-102").replace(";0688;", ";x;")])
    shown = _import(committee, csv_file.encode(), publish=False)
    assert (
        shown.count('data-outcome="created"') == 1 and shown.count('data-outcome="rejected"') == 1
    )
    assert "fieldOfStudy" in shown
    (entry_id,) = re.findall(r'<tr data-entry="([0-9a-f-]{36})"', shown)
    assert 'data-version="1" data-state="draft"' in shown
    assert _post(committee, f"/console/catalogue/{entry_id}/publish") == 303
    page = committee.client.get("/console/catalogue?lang=en").text
    assert 'data-version="1" data-state="published"' in page
    assert f'href="/catalogue/{entry_id}/versions/1?lang=en"' in page
    assert node.client.get("/api/catalogue", params={"q": "ethics"}).json()["total"] == 1
    assert _post(committee, f"/console/catalogue/{entry_id}/publish") == 409  # nothing to publish
    path = f"/console/catalogue/{entry_id}/versions/1/withdraw"
    assert _post(committee, path, reason="") == 422  # the reason is required
    assert _post(committee, path, reason="no longer offered") == 303
    assert 'data-state="withdrawn"' in committee.client.get("/console/catalogue?lang=en").text

    # ELM from a member's node, published at once; imported again: skipped.
    elm = json.dumps([learning_opportunity(document(SAMPLES[3], 9))]).encode()
    first = _import(committee, elm, publish=True, name="entries.jsonld")
    assert first.count('data-outcome="published"') == 1
    again = _import(committee, elm, publish=True, name="entries.jsonld")
    assert again.count('data-outcome="skipped"') == 1


def test_a_teacher_sees_the_catalogue_and_changes_nothing(node: RunningNode) -> None:
    made = node.client.post(
        "/admin/catalogue", json={"content": SAMPLES[0]}, headers=node.auth()
    ).json()
    teacher = signed_in(node, "teach", StaffRole.TEACHER)
    page = teacher.client.get("/console/catalogue?lang=de")
    assert page.status_code == 200 and made["id"] in page.text
    assert 'action="/console/catalogue/import"' not in page.text
    assert _post(teacher, f"/console/catalogue/{made['id']}/publish") == 403
    assert (
        node.client.get(f"/admin/catalogue/{made['id']}", headers=node.auth()).json()["versions"][
            0
        ]["state"]
        == "draft"
    )


def test_a_file_that_cannot_be_used_says_why(node: RunningNode) -> None:
    registrar = signed_in(node, "regis", StaffRole.REGISTRAR)
    shown = _import(registrar, b"kurs;titel@en\nX;Y\n", publish=True)
    assert 'id="notice"' in shown and "titel@en" in shown
    assert "unknown column" in shown or "cannot be used" in shown
    empty = _import(registrar, b"", publish=False)
    assert "empty" in empty


def test_an_entry_written_and_edited_in_the_console(node: RunningNode) -> None:
    """The form: a new draft, a refusal naming the element, an edit that keeps what the
    form does not show (a faculty), then publication."""
    registrar = signed_in(node, "regis", StaffRole.REGISTRAR)
    form = registrar.client.get("/console/catalogue/new?lang=en")
    assert form.status_code == 200
    fields = {
        "csrf": registrar.csrf(form.text),
        "lang": "en",
        "title@en": "Open Science",
        "abstract@en": "Sharing data, code and papers.",
        "outcome@en": "Publish a dataset with a licence\r\nReview a data management plan",
        "field_of_study": "0588",
        "eqf_level": "7",
        "ects": "2",
        "participation_form": "online",
        "languages": ["en", "fi"],
        "assessment_types": ["portfolio", "oral"],
        "free_start": "yes",
        "keywords": "open|science",
    }
    refused = registrar.client.post("/console/catalogue/new", data=fields | {"ects": "two"})
    assert refused.status_code == 422 and "ects" in refused.text
    assert 'value="Open Science"' in refused.text  # kept to correct
    saved = registrar.client.post("/console/catalogue/new", data=fields)
    assert saved.status_code == 303, saved.text
    (entry,) = node.client.get("/admin/catalogue", headers=node.auth()).json()["items"]
    content = entry["versions"][0]["content"]
    assert [o["text"]["en"] for o in content["learningOutcomes"]] == [
        "Publish a dataset with a licence",
        "Review a data management plan",
    ]
    assert content["languages"] == ["en", "fi"] and content["assessmentTypes"] == [
        "portfolio",
        "oral",
    ]
    # A faculty set through the API is not on the form: an edit keeps it.
    with_faculty = content | {"faculty": {"en": "Faculty of Science"}}
    node.client.put(
        f"/admin/catalogue/{entry['id']}/draft", json={"content": with_faculty}, headers=node.auth()
    )
    edit = registrar.client.get(f"/console/catalogue/{entry['id']}/edit?lang=en")
    assert edit.status_code == 200 and 'value="Faculty of Science"' in edit.text
    changed = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', edit.text))
    posted = registrar.client.post(
        f"/console/catalogue/{entry['id']}/edit",
        data=fields
        | {"title@en": "Open Science in Practice", "csrf": registrar.csrf(edit.text)}
        | {k: v for k, v in changed.items() if k not in ("csrf", "lang")},
    )
    assert posted.status_code == 303, posted.text
    draft = node.client.get(f"/admin/catalogue/{entry['id']}", headers=node.auth()).json()
    content = draft["versions"][0]["content"]
    assert content["title"] == {"en": "Open Science in Practice"}
    assert content["faculty"] == {"en": "Faculty of Science"}
    teacher = signed_in(node, "teach", StaffRole.TEACHER)
    assert teacher.client.get("/console/catalogue/new?lang=en").status_code == 403
