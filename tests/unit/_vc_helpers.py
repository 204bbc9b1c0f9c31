"""Shared fixtures data for the tests/unit/test_vc_* modules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vc.did import did_key_for
from vc.multikey import private_key_from_multibase
from vc.signer import Ed25519Signer

VECTORS = Path(__file__).parent / "vectors" / "vc-di-eddsa"


def load(name: str) -> Any:
    path = VECTORS / name
    if path.suffix == ".json":
        return json.loads(path.read_text("utf-8"))
    return path.read_text("utf-8")


def signer_from_secret(secret_multibase: str) -> Ed25519Signer:
    key = private_key_from_multibase(secret_multibase)
    assert isinstance(key, Ed25519PrivateKey)
    _, vm_id = did_key_for(key.public_key())
    return Ed25519Signer(vm_id, key)


def spec_signer() -> Ed25519Signer:
    return signer_from_secret(load("keyPair.json")["privateKeyMultibase"])
