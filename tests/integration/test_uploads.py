"""The console's CSV uploads as a service, on SQLite and PostgreSQL: the preview reads every
row and writes no record; the run prepares the valid rows once, by their uploader, skips
repeats and rejects bad rows with the element; a run killed between two chunks resumes at the
first row not done, without a record lost or stored twice. The pages: test_console_uploads.py."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from node.credentials.csv_import import CsvFormatError
from node.credentials.profile import requirement_profile
from node.db.models import CredentialRecord, RecordState, StaffRole
from node.faults import FAULT_EXIT_CODE
from node.issuance.uploads import Resumer, Uploads, UploadState
from tests.conftest import RunningNode
from tests.integration.test_console import make_staff
from tests.integration.test_issue_api import csv_bytes, sample_rows


def platform_export(copies: int, prefix: str = "up") -> tuple[bytes, int]:
    """The sample export's rows repeated under fresh keys (three good rows, one bad, each
    time); the file and its number of good rows."""
    header, *rows = sample_rows()
    body = [[f"{prefix}-{n}-{i}", *row[1:]] for n in range(copies) for i, row in enumerate(rows)]
    return csv_bytes([header, *body]), copies * 3


def _records(node: RunningNode) -> list[CredentialRecord]:
    with node.runtime.sessions() as session:
        return list(session.scalars(select(CredentialRecord)))


@pytest.fixture
def member(node: RunningNode) -> int:
    return make_staff(node, "teach.one", StaffRole.TEACHER).id


def test_the_preview_reads_every_row_and_stores_no_record(node: RunningNode, member: int) -> None:
    data, good = platform_export(3)
    uploads = node.runtime.uploads()
    upload = uploads.upload(member, "export.csv", data)
    assert (upload.rows, upload.to_prepare, upload.to_skip, upload.to_reject) == (12, good, 0, 3)
    assert upload.state is UploadState.PREVIEWED and upload.phase == "preview"
    assert _records(node) == []
    rows = uploads.preview(upload.id, limit=4)
    assert [r.outcome for r in rows] == ["prepare", "prepare", "prepare", "reject"]
    assert rows[0].learner and rows[0].title and rows[0].ects
    assert rows[3].problems, rows[3]
    errors = list(csv.reader(io.StringIO("".join(uploads.problems_csv(upload.id)))))
    assert errors[0] == ["line", "idempotency_key", "outcome", "element", "reason"]
    lines = sorted({int(e[0]) for e in errors[1:]})  # a line per problem: several per row
    assert lines == [rows[3].line, rows[3].line + 5, rows[3].line + 10]  # the bad row, each copy
    assert len(errors) - 1 == 3 * len(rows[3].problems)
    assert all(e[2] == "reject" and e[3] and e[4] for e in errors[1:])


def test_a_file_that_is_no_export_is_refused_whole(node: RunningNode, member: int) -> None:
    with pytest.raises(CsvFormatError, match="unknown columns"):
        node.runtime.uploads().upload(member, "x.csv", b"Name;Kurs\nTamm;Data\n")


def test_the_run_prepares_each_good_row_once_by_its_uploader(
    node: RunningNode, member: int
) -> None:
    data, good = platform_export(2)
    header, *rows = list(csv.reader(io.StringIO(data.decode()), delimiter=";"))
    repeated = csv_bytes([header, *rows, rows[0], [rows[1][0], *rows[2][1:]]])
    uploads = node.runtime.uploads()
    upload = uploads.upload(member, "export.csv", repeated)
    # the repeat of row 1 is skipped; row 2's key with row 3's claims is rejected
    assert (upload.to_prepare, upload.to_skip, upload.to_reject) == (good, 1, 3)
    assert uploads.run(upload.id) is None  # not confirmed yet: nothing runs
    uploads.confirm(upload.id, member)
    done = uploads.run(upload.id)
    assert done is not None and done.state is UploadState.DONE and done.percent == 100
    assert (done.done, done.prepared, done.skipped, done.rejected) == (10, good, 1, 3)
    records = _records(node)
    assert len(records) == good
    assert {r.state for r in records} == {RecordState.PREPARED.value}
    assert {r.prepared_by for r in records} == {member}
    errors = list(csv.reader(io.StringIO("".join(uploads.problems_csv(upload.id)))))
    outcomes = {(int(e[0]), e[2]) for e in errors[1:]}
    assert [o for _, o in sorted(outcomes)][-2:] == ["skip", "reject"], outcomes  # the two last
    # a second upload of the same file prepares nothing again
    again = uploads.upload(member, "export.csv", repeated)
    assert (again.to_prepare, again.to_skip) == (0, good + 1)


def test_only_its_uploader_confirms_or_discards_a_preview(node: RunningNode, member: int) -> None:
    from node.errors import Conflict, NotFound

    other = make_staff(node, "teach.two", StaffRole.TEACHER).id
    uploads = node.runtime.uploads()
    upload = uploads.upload(member, "export.csv", platform_export(1)[0])
    with pytest.raises(NotFound):
        uploads.confirm(upload.id, other)
    with pytest.raises(NotFound):
        uploads.discard(upload.id, other)
    uploads.discard(upload.id, member)
    assert uploads.get(upload.id).state is UploadState.DISCARDED
    with pytest.raises(Conflict, match="discarded"):
        uploads.confirm(upload.id, member)
    assert list(uploads.problems_csv(upload.id))[1:] == []


_RUN = """
import sys
from node.runtime import build_runtime
from node.settings import Settings
runtime = build_runtime(Settings())
try:
    runtime.uploads().run(sys.argv[1])
finally:
    runtime.close()
"""


def test_a_run_killed_between_chunks_resumes_without_loss_or_repeat(node: RunningNode) -> None:
    member = make_staff(node, "teach.one", StaffRole.TEACHER).id
    data, good = platform_export(60)  # 240 rows: three chunks of 100
    uploads = node.runtime.uploads()
    upload = uploads.upload(member, "export.csv", data)
    uploads.confirm(upload.id, member)
    env = {
        **os.environ,
        "CREDREG_DATA_DIR": str(node.settings.data_dir),
        "CREDREG_DATABASE_URL": node.settings.database_url,
        "CREDREG_FAULT": "upload_after_chunk",
    }
    killed = subprocess.run(
        [sys.executable, "-c", _RUN, upload.id], env=env, capture_output=True, text=True
    )
    assert killed.returncode == FAULT_EXIT_CODE, killed.stderr
    half = uploads.get(upload.id)
    assert half.state is UploadState.RUNNING and half.done == 100, half
    assert len(_records(node)) == half.prepared == 75
    # The dead runner's lease holds the upload until it runs out; then the resumer takes it.
    assert Resumer(uploads).round() == 0
    late = Uploads(
        node.runtime.sessions,
        node.runtime.records(),
        requirement_profile(node.settings.profile),
        clock=lambda: half.created_at.replace(year=half.created_at.year + 1),
    )
    finished = late.run(upload.id)
    assert finished is not None and finished.state is UploadState.DONE
    assert (finished.done, finished.prepared, finished.rejected) == (240, good, 60)
    with node.runtime.sessions() as session:
        keys = session.scalar(select(func.count(func.distinct(CredentialRecord.idempotency_key))))
    assert len(_records(node)) == keys == good
