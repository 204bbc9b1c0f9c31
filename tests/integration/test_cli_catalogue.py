"""``credreg catalogue …`` as a process, on SQLite and PostgreSQL: create from a JSON file,
edit from standard input, publish, list, withdraw; refusals say why with exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from node.catalogue.samples import SAMPLES
from tests.integration.test_cli import cli_env, credreg

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
