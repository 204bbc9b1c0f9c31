"""The encrypted file key store."""

from __future__ import annotations

import json
import stat
from concurrent.futures import ThreadPoolExecutor
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


def test_secret_key_created_once_encrypted_and_shared_by_racing_stores(tmp_path: Path) -> None:
    """Several processes asking for the outbox key at once all get the one that was stored."""
    stores = [FileKeyStore(tmp_path, "p") for _ in range(6)]
    with ThreadPoolExecutor(len(stores)) as pool:
        keys = list(pool.map(lambda store: store.secret_key("mail-outbox"), stores))
    assert len(set(keys)) == 1 and len(keys[0]) == 32
    assert FileKeyStore(tmp_path, "p").secret_key("mail-outbox") == keys[0]
    path = tmp_path / "mail-outbox.key.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys[0].hex() not in path.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mail-outbox.key.json"]  # no leftovers
    with pytest.raises(WrongPassphrase):
        FileKeyStore(tmp_path, "wrong").secret_key("mail-outbox")
    with pytest.raises(KeyStoreError, match="symmetric"):
        FileKeyStore(tmp_path, "p").private_key("mail-outbox")
    FileKeyStore(tmp_path, "p").create("signing", KeyKind.ED25519)
    with pytest.raises(KeyStoreError, match="not a 256-bit symmetric key"):
        FileKeyStore(tmp_path, "p").secret_key("signing")
