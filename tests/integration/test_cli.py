"""The credreg command as a real process: init, token, CSV issuance and its idempotent re-run."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from node.db.models import CredentialRecord, SignedCopy
from tests.integration.test_issue_api import csv_bytes, sample_rows
from tests.unit.test_credentials_csv import xlsx

SAMPLE = Path(__file__).parents[1] / "unit" / "data" / "sample-platform-export.csv"


def credreg(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "node", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def cli_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        "CREDREG_DATA_DIR": str(tmp_path / "data"),
        "CREDREG_DATABASE_URL": database_url,
        "CREDREG_KEY_PASSPHRASE": "cli test passphrase",
        "COLUMNS": "120",
    }


def _counts(database_url: str) -> tuple[int, int]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        records = connection.scalar(select(func.count()).select_from(CredentialRecord))
        copies = connection.scalar(select(func.count()).select_from(SignedCopy))
    engine.dispose()
    return records or 0, copies or 0


def test_init_token_and_csv_issue_rerun(cli_env: dict[str, str], database_url: str) -> None:
    init = credreg(
        "init", "--name", "Hochschule Test", "--country", "AT",
        "--origin", "https://hs-test.example", env=cli_env,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    assert "did:web:hs-test.example" in init.stderr

    again = credreg(
        "init", "--name", "Other", "--country", "AT", "--origin", "https://x.example", env=cli_env
    )
    assert again.returncode == 1
    assert "already has an institution" in again.stderr

    token = credreg("token", "create", "--role", "issuer", env=cli_env)
    assert token.returncode == 0, token.stderr
    assert token.stdout.strip().startswith("crt_")

    first = credreg("issue", "--csv", str(SAMPLE), env=cli_env)
    # The sample has one bad row: exit code 2, the good rows issued, the bad one explained.
    assert first.returncode == 2, first.stderr
    assert "issued 3, skipped as already issued 0, rejected 1" in first.stderr
    assert "line " in first.stderr
    assert _counts(database_url) == (3, 3)

    rerun = credreg("issue", "--csv", str(SAMPLE), env=cli_env)
    assert "issued 0, skipped as already issued 3, rejected 1" in rerun.stderr
    assert _counts(database_url) == (3, 3)


def test_wrong_passphrase_is_a_clear_error(cli_env: dict[str, str]) -> None:
    init = credreg(
        "init", "--name", "U", "--country", "FI", "--origin", "https://u.example", env=cli_env
    )
    assert init.returncode == 0, init.stderr
    wrong = credreg(
        "issue", "--csv", str(SAMPLE), env={**cli_env, "CREDREG_KEY_PASSPHRASE": "nope"}
    )
    assert wrong.returncode == 1
    assert "passphrase" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_missing_csv_file_is_a_clear_error(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = credreg("issue", "--csv", str(tmp_path / "none.csv"), env=cli_env)
    assert result.returncode == 1
    assert "no such file" in result.stderr


def _big_csv(path: Path, copies: int) -> int:
    """The sample's rows repeated under fresh idempotency keys; returns the good-row count."""
    with SAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle, delimiter=";"))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        for n in range(copies):
            for i, row in enumerate(rows):
                writer.writerow([f"big-{n}-{i}", *row[1:]])
    return copies * 3  # the sample has three good rows and one bad one


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in cmdline:
                found.append(int(entry.name))
    return found


def test_killed_mid_batch_leaves_whole_records_and_rerun_completes(
    cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    assert (
        credreg(
            "init", "--name", "U", "--country", "FI", "--origin", "https://u.example", env=cli_env
        ).returncode
        == 0
    )
    csv_file = tmp_path / "big.csv"
    good = _big_csv(csv_file, 400)
    process = subprocess.Popen(
        [sys.executable, "-m", "node", "issue", "--csv", str(csv_file)],
        env={**os.environ, **cli_env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while _counts(database_url)[0] == 0:
            assert time.monotonic() < deadline, "no record was written in time"
            assert process.poll() is None, "the batch finished before it could be killed"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    # The signing workers of the killed process exit too instead of lingering as orphans.
    deadline = time.monotonic() + 15
    while _processes_mentioning(str(csv_file)):
        assert time.monotonic() < deadline, "signing workers outlived their killed parent"
        time.sleep(0.2)
    records, copies = _counts(database_url)
    assert 0 < records < good, "the kill must land mid-batch"
    assert copies == records, "every stored record has its signed copy, none half-written"

    rerun = credreg("issue", "--csv", str(csv_file), env=cli_env)
    assert f"issued {good - records}, skipped as already issued {records}" in rerun.stderr
    assert _counts(database_url) == (good, good)


def test_revoke_from_the_command_line(cli_env: dict[str, str], database_url: str) -> None:
    assert (
        credreg(
            "init", "--name", "U", "--country", "FI", "--origin", "https://u.example", env=cli_env
        ).returncode
        == 0
    )
    credreg("issue", "--csv", str(SAMPLE), env=cli_env)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        ids = list(connection.scalars(select(CredentialRecord.id)))
    engine.dispose()
    no_reason = credreg("revoke", ids[0], env=cli_env)
    assert no_reason.returncode == 1 and "reason" in no_reason.stderr
    done = credreg("revoke", ids[0], "nope", "--reason", "withdrawn", env=cli_env)
    assert done.returncode == 2, done.stderr
    assert "revoke: 1 changed, 1 refused" in done.stderr
    again = credreg("reinstate", ids[0], "--reason", "x", env=cli_env)
    assert "cannot reinstate a credential that is revoked" in again.stderr


def test_csv_files_that_are_no_export_are_one_line(cli_env: dict[str, str], tmp_path: Path) -> None:
    init = credreg(
        "init", "--name", "U", "--country", "FI", "--origin", "https://u.example", env=cli_env
    )
    assert init.returncode == 0, init.stderr
    bad = {
        "empty.csv": b"",
        "header.csv": b"Name;Vorname;Kurs\nTamm;Anna;Data\n",
        "renamed.csv": xlsx(),  # an Excel workbook renamed to .csv
        "binary.csv": b"idempotency_key\n\x00\x01\xff\n",
    }
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
        result = credreg("issue", "--csv", str(tmp_path / name), env=cli_env)
        assert result.returncode == 2, (name, result.stderr)
        assert "Traceback" not in result.stderr, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    # A Windows-1252, tab-delimited export is read; a key repeated in it is refused.
    header, *rows = sample_rows()
    rows[1][0] = rows[0][0]
    (tmp_path / "excel.csv").write_bytes(csv_bytes([header, *rows], "\t", "cp1252"))
    result = credreg("issue", "--csv", str(tmp_path / "excel.csv"), env=cli_env)
    assert result.returncode == 2, result.stderr
    assert "issued 2, skipped as already issued 0, rejected 2" in result.stderr
    assert "line 3: idempotencyKey: the same key as line 2 of this batch" in result.stderr


def test_init_validates_and_institution_update_corrects(cli_env: dict[str, str]) -> None:
    spain = credreg(
        "init", "--name", "U", "--country", "Spain", "--origin", "https://u.example", env=cli_env
    )
    assert spain.returncode == 2, spain.stderr
    assert "Traceback" not in spain.stderr
    assert len(spain.stderr.strip().splitlines()) == 1
    assert "country: not an ISO 3166-1 alpha-2 country code" in spain.stderr
    init = credreg(
        "init", "--name", "U", "--country", "es", "--origin", "https://u.example", env=cli_env
    )
    assert init.returncode == 0, init.stderr

    wrong = credreg("institution", "update", "--country", "Spain", env=cli_env)
    assert wrong.returncode == 2 and "country" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    done = credreg(
        "institution", "update", "--name", "Universidad U", "--legal-status", "other", env=cli_env
    )
    assert done.returncode == 0, done.stderr
    shown = credreg("institution", "show", env=cli_env)
    assert shown.returncode == 0, shown.stderr
    assert "Universidad U" in shown.stdout and "ES" in shown.stdout
    assert "other" in shown.stdout and "did:web:u.example" in shown.stdout
