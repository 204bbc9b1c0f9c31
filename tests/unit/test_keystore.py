"""The encrypted file key store."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from node.keys import FileKeyStore, KeyKind, KeyStoreError, WrongPassphrase


def test_keys_round_trip_and_are_encrypted(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path, "secret passphrase")
    ed_public = store.create("institution-ed25519", KeyKind.ED25519)
    store.create("institution-p256", KeyKind.P256)

    reopened = FileKeyStore(tmp_path, "secret passphrase")
    ed = reopened.private_key("institution-ed25519")
    assert isinstance(ed, ed25519.Ed25519PrivateKey)
    assert ed.public_key() == ed_public
    assert isinstance(reopened.private_key("institution-p256"), ec.EllipticCurvePrivateKey)

    path = tmp_path / "institution-ed25519.key.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = ed.private_bytes_raw()
    assert raw.hex() not in path.read_text()
    assert json.loads(path.read_text())["kdf"]["name"] == "scrypt"


def test_wrong_passphrase_is_refused(tmp_path: Path) -> None:
    FileKeyStore(tmp_path, "right").create("k", KeyKind.ED25519)
    with pytest.raises(WrongPassphrase):
        FileKeyStore(tmp_path, "wrong").private_key("k")


def test_a_key_file_renamed_to_another_name_does_not_open(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path, "p")
    store.create("a", KeyKind.ED25519)
    (tmp_path / "a.key.json").rename(tmp_path / "b.key.json")
    with pytest.raises(WrongPassphrase):
        FileKeyStore(tmp_path, "p").private_key("b")


def test_no_overwrite_no_bad_names_no_empty_passphrase(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path, "p")
    store.create("a", KeyKind.ED25519)
    with pytest.raises(KeyStoreError):
        store.create("a", KeyKind.ED25519)
    with pytest.raises(KeyStoreError):
        store.create("../escape", KeyKind.ED25519)
    with pytest.raises(KeyStoreError):
        FileKeyStore(tmp_path, "")
    with pytest.raises(KeyStoreError):
        store.private_key("missing")


def test_secp256k1_anchoring_key(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path, "p")
    store.create("anchoring", KeyKind.SECP256K1)
    key = FileKeyStore(tmp_path, "p").private_key("anchoring")
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert isinstance(key.curve, ec.SECP256K1)
