"""The console's CSV upload pages over HTTP, on SQLite and PostgreSQL: upload → preview
(counts, the first rows with their errors, nothing stored) → confirm → the rows prepared
(in the approval chain's queue under a chain) → the summary and the rows not prepared as CSV;
roles, other members' uploads, a file that is no export. Chromium and axe: tests/browser."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from node.db.models import StaffRole
from tests.conftest import RunningNode
from tests.integration.test_console import Staff, chain_node, signed_in  # noqa: F401 - a fixture
from tests.integration.test_uploads import platform_export

_UPLOAD = re.compile(r"/console/uploads/([0-9a-f-]{36})\?")


def _upload(browser: Staff, data: bytes, name: str = "export.csv") -> Any:
    page = browser.client.get("/console/uploads?lang=en")
    assert page.status_code == 200, page.text
    return browser.client.post(
        "/console/uploads",
        data={"csrf": browser.csrf(page.text), "lang": "en"},
        files={"file": (name, data, "text/csv")},
    )


def test_upload_preview_confirm_and_summary(node: RunningNode) -> None:
    teacher = signed_in(node, "teach", StaffRole.TEACHER)
    data, good = platform_export(2)
    sent = _upload(teacher, data)
    assert sent.status_code == 303, sent.text
    found = _UPLOAD.search(sent.headers["location"])
    assert found
    upload_id = found.group(1)
    preview = teacher.client.get(f"/console/uploads/{upload_id}?lang=en")
    assert preview.status_code == 200
    assert 'id="count-prepare">6<' in preview.text and 'id="count-reject">2<' in preview.text
    assert preview.text.count('data-outcome="reject"') == 2
    assert "http-equiv" not in preview.text  # only a running upload reloads itself
    assert node.client.get("/admin/credentials", headers=node.auth()).json()["items"] == []
    confirm = re.search(r'action="(/console/uploads/[^"]+/confirm)"', preview.text)
    assert confirm, preview.text
    done = teacher.client.post(
        confirm.group(1), data={"csrf": teacher.csrf(preview.text), "lang": "en"}
    )
    assert done.status_code == 303
    summary = teacher.client.get(f"/console/uploads/{upload_id}?lang=en")
    assert 'data-state="done"' in summary.text, summary.text
    assert 'id="count-prepared">6<' in summary.text and 'id="count-rejected">2<' in summary.text
    items = node.client.get("/admin/credentials?state=prepared", headers=node.auth()).json()
    assert len(items["items"]) == good
    errors = teacher.client.get(f"/console/uploads/{upload_id}/problems.csv")
    assert errors.status_code == 200 and errors.headers["content-type"].startswith("text/csv")
    assert "export-not-prepared.csv" in errors.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(errors.text)))
    assert rows[0][:3] == ["line", "idempotency_key", "outcome"] and len(rows) > 2
    # Confirming again (a double click) prepares nothing twice.
    again = teacher.client.post(
        confirm.group(1), data={"csrf": teacher.csrf(preview.text), "lang": "en"}
    )
    assert again.status_code == 303
    items = node.client.get("/admin/credentials?state=prepared", headers=node.auth()).json()
    assert len(items["items"]) == good
    listed = teacher.client.get("/console/uploads?lang=en")
    assert f'data-upload="{upload_id}" data-state="done"' in listed.text


def test_a_file_that_is_no_export_is_a_422_with_the_reason(node: RunningNode) -> None:
    teacher = signed_in(node, "teach", StaffRole.TEACHER)
    refused = _upload(teacher, b"Name;Kurs\nTamm;Data\n")
    assert refused.status_code == 422
    assert "unknown columns: Name, Kurs" in refused.text
    empty = _upload(teacher, b"")
    assert empty.status_code == 422 and "empty" in empty.text


def test_uploads_need_a_preparer_and_are_their_uploaders(node: RunningNode) -> None:
    teacher = signed_in(node, "teach", StaffRole.TEACHER)
    committee = signed_in(node, "commi", StaffRole.COMMITTEE)
    other = signed_in(node, "teach2", StaffRole.TEACHER)
    assert committee.client.get("/console/uploads?lang=en").status_code == 403
    sent = _upload(teacher, platform_export(1)[0])
    path = sent.headers["location"].split("?")[0]
    assert other.client.get(path).status_code == 404
    assert other.client.get(f"{path}/problems.csv").status_code == 404
    page = other.client.get("/console/uploads?lang=en")
    discard = other.client.post(f"{path}/discard", data={"csrf": other.csrf(page.text)})
    assert discard.status_code == 404
    assert teacher.client.get(path).status_code == 200
    assert teacher.client.get("/console/uploads/not-an-id").status_code == 422
    # discarded by its uploader: gone from the preview, nothing to confirm
    page = teacher.client.get(path)
    gone = teacher.client.post(f"{path}/discard", data={"csrf": teacher.csrf(page.text)})
    assert gone.status_code == 303
    assert 'data-state="discarded"' in teacher.client.get(path).text


def test_under_a_chain_uploaded_rows_wait_for_its_first_stage(chain_node: RunningNode) -> None:  # noqa: F811
    node = chain_node
    teacher = signed_in(node, "teach", StaffRole.TEACHER)
    committee = signed_in(node, "commi", StaffRole.COMMITTEE)
    sent = _upload(teacher, platform_export(1)[0])
    path = sent.headers["location"].split("?")[0]
    preview = teacher.client.get(path)
    confirm = teacher.client.post(f"{path}/confirm", data={"csrf": teacher.csrf(preview.text)})
    assert confirm.status_code == 303
    queue = committee.client.get("/console/approvals?lang=en")
    assert queue.text.count("data-record=") == 3, queue.text


def test_a_running_upload_shows_its_progress_and_reloads(node: RunningNode) -> None:
    teacher = signed_in(node, "teach", StaffRole.TEACHER)
    sent = _upload(teacher, platform_export(1)[0])
    path = sent.headers["location"].split("?")[0]
    upload_id = path.rsplit("/", 1)[1]
    member = node.runtime.uploads().get(upload_id).staff_account_id
    node.runtime.uploads().confirm(upload_id, member)  # confirmed; no runner has taken it yet
    page = teacher.client.get(path)
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert '<progress id="upload-progress" max="4" value="0">' in page.text
    assert 'data-state="queued"' in page.text
