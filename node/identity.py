"""The institution's identity: its did:web DID, verification methods and DID document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from node.keys.keystore import PublicKey
from vc.multikey import public_key_to_multibase

ED25519_KEY_NAME = "institution-ed25519"
P256_KEY_NAME = "institution-p256"
VCAPI_ED25519_KEY_NAME = "vcapi-ed25519"
VCAPI_P256_KEY_NAME = "vcapi-p256"
ANCHORING_KEY_NAME = "anchoring-secp256k1"

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def did_web_for_origin(origin: str) -> str:
    """did:web method §3.2: host (port percent-encoded) plus path segments joined by ':'."""
    parts = urlsplit(origin)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"origin must be an http(s) URL with a host: {origin!r}")
    host = parts.hostname + (quote(f":{parts.port}") if parts.port else "")
    path = [quote(p) for p in parts.path.strip("/").split("/") if p]
    return ":".join(["did:web", host, *path])


@dataclass(frozen=True)
class InstitutionIdentity:
    did: str
    name: str
    country: str
    legal_status: str
    origin: str
    ed25519: PublicKey
    p256: PublicKey
    # Key rotation: the current Ed25519 key's fragment, and earlier keys (fragment, key) that
    # stay in the DID document so that credentials they signed still resolve (the chain's
    # NetworkRegistry says when each was valid).
    ed25519_key_id: str = "ed25519-1"
    previous_ed25519: tuple[tuple[str, PublicKey], ...] = ()

    @property
    def ed25519_vm(self) -> str:
        return f"{self.did}#{self.ed25519_key_id}"

    @property
    def p256_vm(self) -> str:
        return f"{self.did}#p256-1"

    def did_document(self) -> dict[str, Any]:
        methods = [
            {
                "id": vm,
                "type": "Multikey",
                "controller": self.did,
                "publicKeyMultibase": public_key_to_multibase(key),
            }
            for vm, key in (
                (self.ed25519_vm, self.ed25519),
                *((f"{self.did}#{kid}", key) for kid, key in self.previous_ed25519),
                (self.p256_vm, self.p256),
            )
        ]
        vm_ids = [m["id"] for m in methods]
        return {
            "@context": DID_CONTEXTS,
            "id": self.did,
            "verificationMethod": methods,
            "authentication": vm_ids,
            "assertionMethod": vm_ids,
            # A full IRI as type: "LinkedDomains" would need a context we do not bundle.
            "service": [
                {
                    "id": f"{self.did}#node",
                    "type": "https://w3id.org/credreg/vocab#RegistryNode",
                    "serviceEndpoint": self.origin,
                }
            ],
        }
