"""Compiled contract artifacts (ABI and bytecode), committed so running a node needs no compiler.

``contracts/build.mjs`` writes ``artifacts/<Name>.json`` from ``src/*.sol``; CI runs it with
``--check`` so the committed artifacts never drift from the sources. Nothing is read at import
time.

    from contracts import load_artifact
    registry = load_artifact("NetworkRegistry")
    w3.eth.contract(abi=registry.abi, bytecode=registry.bytecode)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final, Literal

__all__ = ["CONTRACT_NAMES", "Artifact", "ContractName", "load_artifact"]

ContractName = Literal["NetworkRegistry", "AnchorRegistry", "StatusRegistry"]
CONTRACT_NAMES: Final[tuple[ContractName, ...]] = (
    "NetworkRegistry",
    "AnchorRegistry",
    "StatusRegistry",
)


@dataclass(frozen=True, slots=True)
class Artifact:
    """One compiled contract. ``bytecode`` / ``deployed_bytecode`` are 0x-prefixed hex."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str
    solc_version: str
    evm_version: str


def load_artifact(name: ContractName) -> Artifact:
    """Read ``artifacts/<name>.json`` from this package (cached after the first call)."""
    return _load(name)


@cache
def _load(name: str) -> Artifact:
    if name not in CONTRACT_NAMES:
        raise ValueError(f"unknown contract {name!r}; expected one of {CONTRACT_NAMES}")
    path = resources.files(__name__).joinpath("artifacts", f"{name}.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    return Artifact(
        name=name,
        abi=data["abi"],
        bytecode=data["bytecode"],
        deployed_bytecode=data["deployedBytecode"],
        solc_version=data["solcVersion"],
        evm_version=data["evmVersion"],
    )
