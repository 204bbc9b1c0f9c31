"""The committed artifacts load, target cancun, and match a fresh compile of contracts/src."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from contracts import CONTRACT_NAMES, load_artifact

CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "contracts"


def _pinned_solc() -> str:
    manifest = json.loads((CONTRACTS_DIR / "package.json").read_text("utf-8"))
    version: str = manifest["dependencies"]["solc"]
    return version


def _ensure_solc() -> None:
    installed = CONTRACTS_DIR / "node_modules" / "solc" / "package.json"
    if installed.is_file() and json.loads(installed.read_text("utf-8"))["version"] == (
        _pinned_solc()
    ):
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to install the pinned solc for the artifact drift check")
    completed = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=CONTRACTS_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_artifacts_load_with_pinned_compiler_and_cancun() -> None:
    for name in CONTRACT_NAMES:
        artifact = load_artifact(name)
        assert artifact.name == name
        assert artifact.evm_version == "cancun"
        assert artifact.solc_version.startswith(f"{_pinned_solc()}+")
        assert artifact.bytecode.startswith("0x") and len(artifact.bytecode) > 2
        assert artifact.deployed_bytecode.startswith("0x")
        # EIP-170: deployable on any EVM chain.
        assert (len(artifact.deployed_bytecode) - 2) // 2 <= 24_576
        assert any(entry.get("name") == "RootAnchored" for entry in load_artifact(name).abi) is (
            name == "AnchorRegistry"
        )
    with pytest.raises(ValueError, match="unknown contract"):
        load_artifact("Nope")  # type: ignore[arg-type]


def test_committed_artifacts_match_a_fresh_compile() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed to compile the contracts")
    _ensure_solc()
    completed = subprocess.run(
        [node, "build.mjs", "--check"],
        cwd=CONTRACTS_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
