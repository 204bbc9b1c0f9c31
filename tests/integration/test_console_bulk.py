"""Bulk actions on the console's registry page over HTTP, on SQLite and PostgreSQL: a
registrar selects records and revokes, suspends, reinstates (one reason) or signs them; each
record's outcome is shown, one that cannot change does not stop the others; the status
history names the member; bad requests are 422 naming the field, other roles 403."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from node.credentials.examples import example_claims
from node.db.models import StaffRole
from tests.conftest import RunningNode, make_settings, start_node
from tests.integration.test_console import Staff, signed_in


def _issued(node: RunningNode, count: int) -> list[str]:
    response = node.client.post(
        "/admin/credentials/batch",
        json={"items": [{"claims": example_claims(60 + i)} for i in range(count)]},
        headers=node.auth(),
    )
    assert response.status_code == 200, response.text
    return [item["recordId"] for item in response.json()["items"]]


def _prepared(node: RunningNode, n: int) -> str:
    response = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(n), "issue": False},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _act(browser: Staff, records: list[str], action: str, reason: str = "") -> Any:
    page = browser.client.get("/console/registry?lang=en")
    assert page.status_code == 200, page.text
    return browser.client.post(
        "/console/registry/actions",
        data={"csrf": browser.csrf(page.text), "lang": "en", "record": records,
              "action": action, "reason": reason},
    )  # fmt: skip


def _state(node: RunningNode, record_id: str) -> str:
    found = node.client.get(f"/admin/credentials?q={record_id}", headers=node.auth()).json()
    return str(found["items"][0]["state"])


def test_a_registrar_acts_on_the_selected_records(node: RunningNode) -> None:
    registrar = signed_in(node, "reg", StaffRole.REGISTRAR)
    first, second = _issued(node, 2)
    waiting = _prepared(node, 70)
    page = registrar.client.get("/console/registry?lang=en")
    for record_id in (first, second, waiting):
        assert f'name="record" value="{record_id}"' in page.text
    done = _act(registrar, [first, second, waiting], "suspend", "exam under review")
    assert done.status_code == 200, done.text
    assert "Suspend: 2 records changed, 1 refused." in done.text
    assert f'data-record="{waiting}" data-ok="no"' in done.text
    assert "cannot suspend a credential that is prepared" in done.text
    assert {_state(node, first), _state(node, second)} == {"suspended"}
    record_page = registrar.client.get(f"/console/records/{first}?lang=en")
    assert "exam under review" in record_page.text and "Rita Registrar" in record_page.text
    assert "1 record changed" in _act(registrar, [first], "reinstate", "cleared").text
    assert _state(node, first) == "issued"
    signed = _act(registrar, [waiting, second], "sign")
    assert "Sign: 1 record changed, 1 refused." in signed.text, signed.text
    assert _state(node, waiting) == "issued" and _state(node, second) == "suspended"


def test_bad_bulk_requests_name_the_field_and_other_roles_are_refused(node: RunningNode) -> None:
    registrar = signed_in(node, "reg", StaffRole.REGISTRAR)
    (record_id,) = _issued(node, 1)
    no_reason = _act(registrar, [record_id], "revoke")
    assert no_reason.status_code == 422 and "reason: required" in no_reason.text
    nothing = _act(registrar, [], "revoke", "why")
    assert nothing.status_code == 422 and "record: select at least one record" in nothing.text
    odd = _act(registrar, [record_id], "delete", "why")
    assert odd.status_code == 422 and "action: one of revoke" in odd.text
    too_many = _act(registrar, [f"id-{i}" for i in range(201)], "revoke", "why")
    assert too_many.status_code == 422 and "at most 200" in too_many.text
    unknown = _act(registrar, ["00000000-0000-0000-0000-000000000000"], "revoke", "why")
    assert unknown.status_code == 200 and "no such credential" in unknown.text
    assert _state(node, record_id) == "issued"
    teacher = signed_in(node, "teach", StaffRole.TEACHER)
    assert 'name="record"' not in teacher.client.get("/console/registry?lang=en").text
    assert _act(teacher, [record_id], "revoke", "why").status_code == 403
    assert _state(node, record_id) == "issued"


def test_staff_sign_in_the_formats_the_node_is_set_to(tmp_path: Path, database_url: str) -> None:
    formats = ["ldp_vc+eddsa-rdfc-2022", "jwt_vc_json"]
    running = start_node(make_settings(tmp_path / "d", database_url, staff_sign_formats=formats))
    with running.client:
        registrar = signed_in(running, "reg", StaffRole.REGISTRAR)
        one, two = _prepared(running, 71), _prepared(running, 72)
        assert "Sign: 1 record changed" in _act(registrar, [one], "sign").text
        page = registrar.client.get(f"/console/records/{two}?lang=en")
        signed = registrar.client.post(
            f"/console/records/{two}/sign", data={"csrf": registrar.csrf(page.text)}
        )
        assert signed.status_code == 303, signed.text
        for record_id in (one, two):
            _record, copies = running.runtime.issuance().get(record_id)
            assert sorted(c.format for c in copies) == sorted(formats)
    running.runtime.close()
