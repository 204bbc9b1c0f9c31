"""Which Ed25519 key the institution signs with, and which earlier ones it had.

Key ``ed25519-1`` is the key store's ``institution-ed25519`` (created by ``credreg init``);
a rotation adds ``institution-ed25519-2``, ``-3``, …  (key ids ``ed25519-2``, …). The key in
use is named in ``<data_dir>/signing-key`` (absent: ``ed25519-1``), written only once the
chain lists the new key, so a node never signs with a key verifiers cannot resolve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from node.identity import ED25519_KEY_NAME
from node.keys.keystore import KeyStore, PublicKey

FIRST_KEY_ID = "ed25519-1"
_KEY_ID = re.compile(r"^ed25519-([1-9][0-9]{0,3})$")
ACTIVE_FILE = "signing-key"


def key_name(key_id: str) -> str:
    """The key store name of Ed25519 key ``key_id`` (``ed25519-N``)."""
    match = _KEY_ID.match(key_id)
    if match is None:
        raise ValueError(f"not an institution Ed25519 key id: {key_id!r}")
    number = int(match.group(1))
    return ED25519_KEY_NAME if number == 1 else f"{ED25519_KEY_NAME}-{number}"


def key_ids(keystore: KeyStore) -> list[str]:
    """Every Ed25519 key id the key store holds, oldest first (ed25519-1, -2, …)."""
    found = []
    number = 1
    while keystore.exists(key_name(f"ed25519-{number}")):
        found.append(f"ed25519-{number}")
        number += 1
    return found


def next_key_id(keystore: KeyStore) -> str:
    return f"ed25519-{len(key_ids(keystore)) + 1}"


def active_key_id(data_dir: Path) -> str:
    path = data_dir / ACTIVE_FILE
    if not path.is_file():
        return FIRST_KEY_ID
    text = path.read_text("utf-8").strip()
    key_name(text)  # validates
    return text


def set_active_key_id(data_dir: Path, key_id: str) -> None:
    key_name(key_id)
    data_dir.mkdir(parents=True, exist_ok=True)
    temporary = data_dir / f"{ACTIVE_FILE}.tmp"
    temporary.write_text(key_id + "\n", "utf-8")
    temporary.replace(data_dir / ACTIVE_FILE)


@dataclass(frozen=True)
class SigningKeys:
    current_id: str
    current: PublicKey
    previous: tuple[tuple[str, PublicKey], ...]


def signing_keys(data_dir: Path, keystore: KeyStore) -> SigningKeys:
    """The key in use and every other Ed25519 key of the institution (for the DID document)."""
    current = active_key_id(data_dir)
    others = tuple(
        (kid, keystore.public_key(key_name(kid))) for kid in key_ids(keystore) if kid != current
    )
    return SigningKeys(current, keystore.public_key(key_name(current)), others)
