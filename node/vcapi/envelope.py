"""Enveloped verifiable credentials (VCDM 2.0 §4.13.1, VC-JOSE-COSE §3.1.1 / §6.1).

An enveloped credential is ``{"@context": v2, "id": "data:<media type>,<jws>", "type":
"EnvelopedVerifiableCredential"}``: the ``id`` is an RFC 2397 data: URL holding the secured
credential (here a compact JWS, the only enveloping proof the node speaks).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from node.errors import Problem
from node.vcapi.structure import CREDENTIALS_V2, as_list

ENVELOPED_TYPE = "EnvelopedVerifiableCredential"
VC_JWT_MEDIA_TYPE = "application/vc+jwt"
# VC-JOSE-COSE 1.0 registers application/vc+jwt; earlier drafts said vc-ld+jwt, and the
# W3C suite's own fixtures use application/jwt.
_JWT_MEDIA_TYPES = frozenset({VC_JWT_MEDIA_TYPE, "application/vc-ld+jwt", "application/jwt"})


def envelope(jws: str) -> dict[str, Any]:
    return {
        "@context": CREDENTIALS_V2,
        "id": f"data:{VC_JWT_MEDIA_TYPE},{jws}",
        "type": ENVELOPED_TYPE,
    }


def is_enveloped(credential: Any) -> bool:
    """True when the object claims to be an enveloped credential (its type says so)."""
    return isinstance(credential, Mapping) and ENVELOPED_TYPE in as_list(credential.get("type"))


def unwrap(credential: Mapping[str, Any]) -> tuple[str | None, list[Problem]]:
    """The compact JWS inside an enveloped credential, or the reasons there is none."""
    problems = []
    contexts = as_list(credential.get("@context"))
    if CREDENTIALS_V2 not in contexts:
        problems.append(Problem("@context", f"an enveloped credential must use {CREDENTIALS_V2}"))
    if credential.get("type") != ENVELOPED_TYPE and as_list(credential.get("type")) != [
        ENVELOPED_TYPE
    ]:
        problems.append(Problem("type", f"type must be {ENVELOPED_TYPE}"))
    data_url = credential.get("id")
    if not isinstance(data_url, str) or not data_url.startswith("data:") or "," not in data_url:
        problems.append(Problem("id", "id must be a data: URL holding the secured credential"))
        return None, problems
    header, _, payload = data_url.removeprefix("data:").partition(",")
    media_type, *parameters = header.split(";")
    if media_type not in _JWT_MEDIA_TYPES:
        problems.append(Problem("id", f"unsupported enveloped media type {media_type!r}"))
    if "base64" in parameters:
        problems.append(Problem("id", "a JWS is not base64-encoded in a data: URL"))
    if payload.count(".") != 2:
        problems.append(Problem("id", "the data: URL does not hold a compact JWS"))
    return (payload if not problems else None), problems
