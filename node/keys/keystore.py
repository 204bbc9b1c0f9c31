"""Key stores: where the institution's private keys live.

:class:`KeyStore` is the interface; :class:`FileKeyStore` keeps each key in its own file,
encrypted with AES-256-GCM under a key derived from the passphrase with scrypt (RFC 7914);
:class:`MemoryKeyStore` keeps them in the process only (tests, benchmarks).
A PKCS#11 store (HSM) implements the same interface.
"""

from __future__ import annotations

import base64
import enum
import json
import os
import re
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey


class KeyKind(enum.StrEnum):
    ED25519 = "Ed25519"  # Data Integrity (eddsa-*-2022)
    P256 = "P-256"  # JOSE (ES256)
    SECP256K1 = "secp256k1"  # the chain's anchoring account (Ethereum transactions)


SECRET_KIND = "AES-256"  # a symmetric key for data at rest (e.g. the mail outbox)


class KeyStoreError(Exception):
    """A key that is missing, already present or unreadable."""


class WrongPassphrase(KeyStoreError):
    """The passphrase does not decrypt the key store."""


class KeyStore(Protocol):
    def create(self, name: str, kind: KeyKind) -> PublicKey:
        """Generate and store a new key; refuse to overwrite an existing one."""

    def exists(self, name: str) -> bool: ...

    def public_key(self, name: str) -> PublicKey: ...

    def private_key(self, name: str) -> PrivateKey:
        """The private key, for in-process signing (an HSM store signs instead)."""

    def secret_key(self, name: str) -> bytes:
        """A 256-bit symmetric key for encrypting data at rest, created on first use (once,
        even when several processes ask at the same moment)."""


_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**15, 8, 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


def _derive(passphrase: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase)


def _raw_private(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class FileKeyStore:
    """One JSON file per key in ``directory`` (mode 0600), private part encrypted."""

    def __init__(self, directory: Path, passphrase: str) -> None:
        if not passphrase:
            raise KeyStoreError("the key store needs a non-empty passphrase")
        self._dir = directory
        self._passphrase = passphrase.encode("utf-8")
        self._cache: dict[str, PrivateKey] = {}
        self._secrets: dict[str, bytes] = {}

    def _path(self, name: str) -> Path:
        if not _NAME.match(name):
            raise KeyStoreError(f"invalid key name: {name!r}")
        return self._dir / f"{name}.key.json"

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def create(self, name: str, kind: KeyKind) -> PublicKey:
        path = self._path(name)
        if path.exists():
            raise KeyStoreError(f"key {name!r} already exists")
        key = generate_key(kind)
        self._write(name, kind.value, _raw_private(key), replace=True)
        self._cache[name] = key
        return key.public_key()

    def _write(self, name: str, kind: str, secret_bytes: bytes, *, replace: bool) -> bool:
        """Write a key file; with ``replace=False`` only if none exists (False: one did)."""
        path = self._path(name)
        salt, nonce = os.urandom(16), os.urandom(12)
        secret = _derive(self._passphrase, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
        document = {
            "version": 1,
            "kind": kind,
            "kdf": {"name": "scrypt", "n": _SCRYPT_N, "r": _SCRYPT_R, "p": _SCRYPT_P},
            "salt": _b64(salt),
            "nonce": _b64(nonce),
            # The key name is authenticated data: a file renamed to another key fails to open.
            "ciphertext": _b64(AESGCM(secret).encrypt(nonce, secret_bytes, name.encode())),
        }
        self._dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(document, handle)
                handle.flush()
                os.fsync(handle.fileno())
            if replace:
                os.replace(tmp, path)
                return True
            try:
                os.link(tmp, path)  # atomic, and fails if another process got there first
            except FileExistsError:
                return False
            return True
        finally:
            tmp.unlink(missing_ok=True)

    def _read(self, name: str) -> tuple[str, bytes]:
        """(kind, decrypted bytes) of a key file."""
        path = self._path(name)
        if not path.is_file():
            raise KeyStoreError(f"key {name!r} not found in {self._dir}")
        document = json.loads(path.read_text("utf-8"))
        kdf = document["kdf"]
        secret = _derive(self._passphrase, _unb64(document["salt"]), kdf["n"], kdf["r"], kdf["p"])
        try:
            plain = AESGCM(secret).decrypt(
                _unb64(document["nonce"]), _unb64(document["ciphertext"]), name.encode()
            )
        except InvalidTag:
            raise WrongPassphrase(f"the passphrase does not open key {name!r}") from None
        return str(document.get("kind", "")), plain

    def private_key(self, name: str) -> PrivateKey:
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        kind, der = self._read(name)
        if kind == SECRET_KIND:
            raise KeyStoreError(f"key {name!r} is a symmetric key")
        key = serialization.load_der_private_key(der, password=None)
        if not isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
            raise KeyStoreError(f"key {name!r} has an unsupported type")
        self._cache[name] = key
        return key

    def secret_key(self, name: str) -> bytes:
        cached = self._secrets.get(name)
        if cached is not None:
            return cached
        if not self.exists(name):
            self._write(name, SECRET_KIND, os.urandom(32), replace=False)
        kind, secret = self._read(name)  # the file that won, if two processes raced
        if kind != SECRET_KIND or len(secret) != 32:
            raise KeyStoreError(f"key {name!r} is not a 256-bit symmetric key")
        self._secrets[name] = secret
        return secret

    def public_key(self, name: str) -> PublicKey:
        return self.private_key(name).public_key()


def generate_key(kind: KeyKind) -> PrivateKey:
    if kind is KeyKind.ED25519:
        return ed25519.Ed25519PrivateKey.generate()
    if kind is KeyKind.P256:
        return ec.generate_private_key(ec.SECP256R1())
    return ec.generate_private_key(ec.SECP256K1())


class MemoryKeyStore:
    """Keys held in this process only, gone when it ends: for a node whose keys need no
    persistence (tests, benchmarks). Same behaviour as :class:`FileKeyStore` otherwise."""

    def __init__(self) -> None:
        self._keys: dict[str, PrivateKey] = {}
        self._secrets: dict[str, bytes] = {}

    @staticmethod
    def _check(name: str) -> None:
        if not _NAME.match(name):
            raise KeyStoreError(f"invalid key name: {name!r}")

    def exists(self, name: str) -> bool:
        self._check(name)
        return name in self._keys or name in self._secrets

    def create(self, name: str, kind: KeyKind) -> PublicKey:
        if self.exists(name):
            raise KeyStoreError(f"key {name!r} already exists")
        key = self._keys[name] = generate_key(kind)
        return key.public_key()

    def private_key(self, name: str) -> PrivateKey:
        self._check(name)
        if name in self._secrets:
            raise KeyStoreError(f"key {name!r} is a symmetric key")
        key = self._keys.get(name)
        if key is None:
            raise KeyStoreError(f"key {name!r} not found")
        return key

    def secret_key(self, name: str) -> bytes:
        self._check(name)
        if name in self._keys:
            raise KeyStoreError(f"key {name!r} is not a 256-bit symmetric key")
        return self._secrets.setdefault(name, os.urandom(32))

    def public_key(self, name: str) -> PublicKey:
        return self.private_key(name).public_key()
