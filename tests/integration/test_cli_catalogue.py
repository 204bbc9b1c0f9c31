"""``credreg catalogue …`` as a process, on SQLite and PostgreSQL: create from a JSON file,
edit from standard input, publish, list, withdraw; refusals say why with exit code 2; an
import from CSV that names its bad rows and makes nothing twice when run again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from node.catalogue.elm import learning_opportunity
from node.catalogue.samples import SAMPLES
from tests.integration.test_cli import cli_env, credreg
from tests.unit.test_catalogue_csv import HEADER, ROW
from tests.unit.test_catalogue_elm_import import document

__all__ = ["cli_env"]


def test_catalogue_from_the_command_line(cli_env: dict[str, str], tmp_path: Path) -> None:
    early = credreg("catalogue", "list", env=cli_env)
    assert early.returncode == 2 and "credreg init" in early.stderr  # no institution yet
    init = credreg(
        "init", "--name", "Hochschule Test", "--country", "AT",
        "--origin", "https://hs-test.example", env=cli_env,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    content = tmp_path / "course.json"
    content.write_text(json.dumps({"content": SAMPLES[1]}), encoding="utf-8")
    made = credreg("catalogue", "create", str(content), env=cli_env)
    assert made.returncode == 0, made.stderr
    entry_id = made.stdout.strip()

    edited = dict(SAMPLES[1]) | {"keywords": ["Lieferkette"]}
    piped = subprocess.run(
        [sys.executable, "-m", "node", "catalogue", "edit", entry_id, "-"],
        input=json.dumps(edited),
        env={**os.environ, **cli_env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert [v["state"] for v in json.loads(piped.stdout)["versions"]] == ["draft"]

    published = credreg("catalogue", "publish", entry_id, env=cli_env)
    assert published.returncode == 0, published.stderr
    url, digest = published.stdout.split()
    assert url == f"https://hs-test.example/catalogue/{entry_id}/versions/1" and len(digest) == 64

    (listed,) = [
        json.loads(line) for line in credreg("catalogue", "list", env=cli_env).stdout.splitlines()
    ]
    assert listed["title"] == "Sustainable Supply Chains"
    assert listed["versions"] == [
        {"version": 1, "state": "published", "digest": digest, "anchor": "pending", "url": url}
    ]
    gone = credreg("catalogue", "withdraw", entry_id, "1", "--reason", "not offered", env=cli_env)
    assert gone.returncode == 0, gone.stderr
    assert credreg("catalogue", "list", env=cli_env).stdout == ""  # nothing on offer
    assert entry_id in credreg("catalogue", "list", "--all", env=cli_env).stdout

    content.write_text('{"title": {"en": "x"}}', encoding="utf-8")
    refused = credreg("catalogue", "create", str(content), env=cli_env)
    assert refused.returncode == 2 and "abstract: required" in refused.stderr
    again = credreg("catalogue", "publish", entry_id, env=cli_env)
    assert again.returncode == 2 and "no draft" in again.stderr


def test_import_from_csv_is_idempotent_and_names_bad_rows(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    init = credreg(
        "init", "--name", "Uni Import", "--country", "FI",
        "--origin", "https://import.example", env=cli_env,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    good = [ROW.replace("DS-101", f"DS-{n}") for n in range(1, 4)]
    bad = ROW.replace("DS-101", "DS-BAD").replace(";0688;", ";abc;")
    csv_file = tmp_path / "catalogue.csv"
    # Windows-1252, as Excel's plain "CSV" saves it: "DSGVO erklären" has an ä
    csv_file.write_bytes("\n".join([HEADER, good[0], bad, good[1]]).encode("cp1252"))

    first = credreg("catalogue", "import", str(csv_file), env=cli_env)
    assert first.returncode == 1, first.stderr  # a row was rejected
    outcomes = [json.loads(line) for line in first.stdout.splitlines()]
    assert [(o["line"], o["outcome"]) for o in outcomes] == [
        (2, "created"), (3, "rejected"), (4, "created"),
    ]  # fmt: skip
    assert outcomes[1]["problems"][0]["element"] == "fieldOfStudy"
    assert "created 2" in first.stderr and "rejected 1" in first.stderr

    # Again with one more row and --publish: the drafts are published, none made twice.
    csv_file.write_text("\n".join([HEADER, good[0], good[1], good[2]]), encoding="utf-8")
    second = credreg("catalogue", "import", str(csv_file), "--publish", env=cli_env)
    assert second.returncode == 0, second.stderr
    again = [json.loads(line) for line in second.stdout.splitlines()]
    assert [o["outcome"] for o in again] == ["published", "published", "published"]
    assert [o["entry"] for o in again[:2]] == [o["entry"] for o in (outcomes[0], outcomes[2])]
    third = credreg("catalogue", "import", str(csv_file), "--publish", env=cli_env)
    assert [json.loads(line)["outcome"] for line in third.stdout.splitlines()] == ["skipped"] * 3
    listed = credreg("catalogue", "list", env=cli_env).stdout.splitlines()
    assert len(listed) == 3

    unusable = tmp_path / "wrong.csv"
    unusable.write_text("kurs;titel@en\nX;Y\n", encoding="utf-8")
    refused = credreg("catalogue", "import", str(unusable), env=cli_env)
    assert refused.returncode == 2 and "key" in refused.stderr and "titel@en" in refused.stderr
    missing = credreg("catalogue", "import", str(tmp_path / "nope.csv"), env=cli_env)
    assert missing.returncode == 2 and "nope.csv" in missing.stderr


def test_import_from_a_members_elm(cli_env: dict[str, str], tmp_path: Path) -> None:
    """ELM JSON-LD as a node serves it on Accept: application/ld+json: imported by its id,
    published, skipped the second time."""
    init = credreg(
        "init", "--name", "Uni ELM", "--country", "ES",
        "--origin", "https://elm.example", env=cli_env,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    opportunities = [learning_opportunity(document(c, n)) for n, c in enumerate(SAMPLES)]
    elm_file = tmp_path / "opportunities.jsonld"
    elm_file.write_text(json.dumps({"@graph": opportunities}), encoding="utf-8")
    first = credreg("catalogue", "import", str(elm_file), "--publish", env=cli_env)
    assert first.returncode == 0, first.stderr
    outcomes = [json.loads(line) for line in first.stdout.splitlines()]
    assert [(o["key"], o["outcome"]) for o in outcomes] == [
        (o["id"], "published") for o in opportunities
    ]
    again = credreg("catalogue", "import", str(elm_file), env=cli_env)
    assert [json.loads(line)["outcome"] for line in again.stdout.splitlines()] == ["skipped"] * 4
    listed = [
        json.loads(line) for line in credreg("catalogue", "list", env=cli_env).stdout.splitlines()
    ]
    assert sorted(e["title"] for e in listed) == sorted(c["title"]["en"] for c in SAMPLES)
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json", encoding="utf-8")
    refused = credreg("catalogue", "import", str(broken), env=cli_env)
    assert refused.returncode == 2 and "is not JSON" in refused.stderr
