"""DID methods the node resolves offline: ``did:key``, ``did:jwk`` and static documents.

- did:key (W3C CCG did:key v0.9): the method-specific id is a Multikey
  ``publicKeyMultibase``; the single verification method is ``did:key:<mb>#<mb>`` and is
  listed under every verification relationship (§3.1.2 "Document Creation Algorithm").
- did:jwk (did:jwk spec §2.3): the method-specific id is base64url(JSON JWK); the single
  verification method is ``#0``; a JWK with ``"use": "enc"`` is for key agreement only.
- Other DIDs (the node's own did:web, partner documents from the chain registry) come from
  a caller-supplied map of DID documents (:class:`StaticDidResolver`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

from vc.errors import KeyResolutionError, MalformedError
from vc.multikey import (
    public_key_from_jwk,
    public_key_from_multibase,
    public_key_to_multibase,
)
from vc.signer import PublicKey, VerificationKey

__all__ = [
    "DID_V1",
    "JWS_2020_V1",
    "MULTIKEY_V1",
    "RELATIONSHIPS",
    "StaticDidResolver",
    "did_jwk_for",
    "did_key_for",
    "resolve_did_jwk",
    "resolve_did_jwk_vm",
    "resolve_did_key",
    "resolve_did_key_vm",
    "verification_key_from_document",
]

DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
JWS_2020_V1 = "https://w3id.org/security/suites/jws-2020/v1"

# DID Core §5.3 verification relationships.
RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "capabilityInvocation",
    "capabilityDelegation",
    "keyAgreement",
)
_SIGNING_RELATIONSHIPS = RELATIONSHIPS[:4]


def did_key_for(public_key: PublicKey) -> tuple[str, str]:
    """``(did, verification_method_id)`` of the did:key for an Ed25519 or P-256 key."""
    multibase = public_key_to_multibase(public_key)
    did = f"did:key:{multibase}"
    return did, f"{did}#{multibase}"


def resolve_did_key(did: str) -> dict[str, Any]:
    """The DID document of a did:key, with one Multikey verification method."""
    if not did.startswith("did:key:") or "#" in did:
        raise KeyResolutionError(f"not a did:key DID: {did}")
    multibase = did.removeprefix("did:key:")
    try:
        public_key_from_multibase(multibase)
    except MalformedError as exc:
        raise KeyResolutionError(f"invalid did:key {did}: {exc}") from exc
    vm_id = f"{did}#{multibase}"
    return _one_key_document(
        did,
        MULTIKEY_V1,
        vm_id,
        "Multikey",
        {"publicKeyMultibase": multibase},
        _SIGNING_RELATIONSHIPS,
    )


def resolve_did_jwk(did: str) -> dict[str, Any]:
    """The DID document of a did:jwk (did:jwk spec §2.3.1 "Read")."""
    if not did.startswith("did:jwk:") or "#" in did:
        raise KeyResolutionError(f"not a did:jwk DID: {did}")
    encoded = did.removeprefix("did:jwk:")
    try:
        jwk = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        public_key_from_jwk(jwk)
    except (ValueError, MalformedError, RecursionError) as exc:
        raise KeyResolutionError(f"invalid did:jwk {did}: {exc}") from exc
    use = jwk.get("use")
    relationships = [
        r for r in RELATIONSHIPS if use is None or (use == "enc") == (r == "keyAgreement")
    ]
    return _one_key_document(
        did, JWS_2020_V1, f"{did}#0", "JsonWebKey2020", {"publicKeyJwk": jwk}, relationships
    )


def _one_key_document(
    did: str,
    context: str,
    vm_id: str,
    method_type: str,
    key: Mapping[str, Any],
    relationships: Sequence[str],
) -> dict[str, Any]:
    """A DID document with one verification method, listed under each relationship."""
    document: dict[str, Any] = {
        "@context": [DID_V1, context],
        "id": did,
        "verificationMethod": [{"id": vm_id, "type": method_type, "controller": did, **key}],
    }
    for relationship in relationships:
        document[relationship] = [vm_id]
    return document


def did_jwk_for(jwk: Mapping[str, str]) -> str:
    """The did:jwk for a public JWK (members serialized without whitespace)."""
    raw = json.dumps(dict(jwk), separators=(",", ":")).encode("utf-8")
    return "did:jwk:" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _absolute(did: str, ref: str) -> str:
    return did + ref if ref.startswith("#") else ref


def verification_key_from_document(document: Mapping[str, Any], vm_id: str) -> VerificationKey:
    """Find ``vm_id`` in a DID document and return its key and relationships (CID 1.0 §3.3)."""
    did = document.get("id")
    if not isinstance(did, str):
        raise KeyResolutionError("DID document has no string 'id'")
    found: Mapping[str, Any] | None = None
    purposes: set[str] = set()
    for method in _as_list(document.get("verificationMethod")):
        if isinstance(method, Mapping) and _absolute(did, str(method.get("id"))) == vm_id:
            found = method
    for relationship in RELATIONSHIPS:
        for entry in _as_list(document.get(relationship)):
            if isinstance(entry, str) and _absolute(did, entry) == vm_id:
                purposes.add(relationship)
            elif isinstance(entry, Mapping) and _absolute(did, str(entry.get("id"))) == vm_id:
                purposes.add(relationship)
                found = found or entry
    if found is None:
        raise KeyResolutionError(f"verification method not found in {did}: {vm_id}")
    controller = found.get("controller", did)
    if not isinstance(controller, str):
        raise KeyResolutionError(f"verification method {vm_id} has no string controller")
    try:
        if "publicKeyMultibase" in found:
            key = public_key_from_multibase(found["publicKeyMultibase"])
        elif "publicKeyJwk" in found:
            key = public_key_from_jwk(found["publicKeyJwk"])
        else:
            raise KeyResolutionError(f"verification method {vm_id} has no supported key")
    except MalformedError as exc:
        raise KeyResolutionError(f"verification method {vm_id}: {exc}") from exc
    return VerificationKey(vm_id, controller, key, frozenset(purposes))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _split(vm_id: str) -> str:
    if not isinstance(vm_id, str) or "#" not in vm_id:
        raise KeyResolutionError(f"verification method id is not a DID URL with fragment: {vm_id}")
    return vm_id.split("#", 1)[0]


def resolve_did_key_vm(vm_id: str) -> VerificationKey:
    """Resolve ``did:key:<mb>#<mb>``; the fragment must repeat the key (did:key §3.1.2)."""
    did = _split(vm_id)
    if not did.startswith("did:key:"):
        raise KeyResolutionError(f"not a did:key verification method: {vm_id}")
    return verification_key_from_document(resolve_did_key(did), vm_id)


def resolve_did_jwk_vm(vm_id: str) -> VerificationKey:
    """Resolve ``did:jwk:<b64url>#0``."""
    did = _split(vm_id)
    if not did.startswith("did:jwk:"):
        raise KeyResolutionError(f"not a did:jwk verification method: {vm_id}")
    return verification_key_from_document(resolve_did_jwk(did), vm_id)


class StaticDidResolver:
    """A :data:`~vc.signer.KeyResolver` over known DID documents plus did:key/did:jwk.

    ``documents`` maps a DID to its document (e.g. the node's own did:web document, or
    partner documents built from the chain registry). did:key and did:jwk are resolved
    from the identifier itself unless ``allow_did_key``/``allow_did_jwk`` turn them off.
    """

    def __init__(
        self,
        documents: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        allow_did_key: bool = True,
        allow_did_jwk: bool = True,
    ) -> None:
        self._documents = dict(documents or {})
        self._allow_did_key = allow_did_key
        self._allow_did_jwk = allow_did_jwk

    def resolve_document(self, did: str) -> Mapping[str, Any]:
        document = self._documents.get(did)
        if document is not None:
            return document
        if self._allow_did_key and did.startswith("did:key:"):
            return resolve_did_key(did)
        if self._allow_did_jwk and did.startswith("did:jwk:"):
            return resolve_did_jwk(did)
        raise KeyResolutionError(f"cannot resolve DID: {did}")

    def __call__(self, vm_id: str) -> VerificationKey:
        return verification_key_from_document(self.resolve_document(_split(vm_id)), vm_id)
