"""One view over the credential shapes the node accepts: Data Integrity JSON-LD, the
OpenID4VCI ``jwt_vc_json`` JWT (VCDM 1.1 in a ``vc`` claim), VC-JOSE ``vc+jwt`` and the
SD-JWT VC (``dc+sd-jwt``: its disclosed claims seen in the subject shape of the others, its
``status`` references as the W3C entries they view, node.status.token_status)."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from node.credentials.render import sd_jwt_vc_as_vcdm
from node.status.token_status import w3c_entries
from vc import sdjwt
from vc.errors import MalformedError

CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"


@dataclass
class CredentialView:
    kind: str
    credential: dict[str, Any]  # the VC body (for jwt_vc_json: the `vc` claim)
    jsonld: dict[str, Any] | None = None  # set for Data Integrity credentials
    jws: str | None = None  # set for JWT credentials
    issuer: str | None = None
    key_id: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    proofs: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # SD-JWT VC: disclosures not covered by the issuer's signature (a failed signature check)
    signature_problems: list[str] = field(default_factory=list)
    # SD-JWT VC: mandatory elements the holder withheld (bound to the holder key instead)
    withheld_elements: tuple[str, ...] = ()
    # SD-JWT VC with a KB-JWT: (ok, detail) of its holder binding (no nonce/aud expected here)
    holder_binding: tuple[bool, str] | None = None


def _b64url_json(segment: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedError("a JWT segment is not base64url-encoded JSON") from exc


def _alg_problem(alg: Any) -> str:
    return "alg is missing (must be ES256)" if alg is None else f"alg must be ES256, not {alg!r}"


def _parse_date(value: Any, name: str, problems: list[str]) -> datetime | None:
    if value is None:
        return None
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, UTC)
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        problems.append(f"{name} is not a date: {value!r}")
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _issuer_id(credential: Mapping[str, Any], problems: list[str]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    if not isinstance(issuer, str) or not issuer:
        problems.append("issuer is missing or has no id")
        return None
    return issuer


def _common(credential: Mapping[str, Any], contexts: tuple[str, ...], problems: list[str]) -> None:
    context = credential.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    if first not in contexts:
        problems.append(f"@context must start with {' or '.join(contexts)}")
    types = credential.get("type")
    types = types if isinstance(types, list) else [types]
    if "VerifiableCredential" not in types:
        problems.append("type must include VerifiableCredential")
    if not credential.get("credentialSubject"):
        problems.append("credentialSubject is missing")


def view_of(credential: Mapping[str, Any] | str) -> CredentialView:
    if isinstance(credential, str):
        if "~" in credential:
            return _sd_jwt_view(credential.strip())
        return _jwt_view(credential.strip())
    if not isinstance(credential, Mapping):
        raise MalformedError("a credential is a JSON object or a compact JWT string")
    document = dict(credential)
    problems: list[str] = []
    _common(document, (CREDENTIALS_V2,), problems)
    raw_proofs = document.get("proof")
    proofs = raw_proofs if isinstance(raw_proofs, list) else [raw_proofs] if raw_proofs else []
    if not proofs:
        problems.append("proof is missing")
    if any(not isinstance(p, Mapping) for p in proofs):
        raise MalformedError("every proof must be a JSON object")
    return CredentialView(
        kind="Data Integrity",
        credential=document,
        jsonld=document,
        issuer=_issuer_id(document, problems),
        key_id=proofs[0].get("verificationMethod") if proofs else None,
        valid_from=_parse_date(document.get("validFrom"), "validFrom", problems),
        valid_until=_parse_date(document.get("validUntil"), "validUntil", problems),
        proofs=[dict(p) for p in proofs],
        problems=problems,
    )


def _jwt_view(token: str) -> CredentialView:
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedError("a JWT credential has three dot-separated parts")
    header, payload = _b64url_json(parts[0]), _b64url_json(parts[1])
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise MalformedError("JWT header and payload must be JSON objects")
    problems: list[str] = []
    if header.get("alg") != "ES256":
        problems.append(_alg_problem(header.get("alg")))
    if isinstance(payload.get("vc"), Mapping):
        credential = dict(payload["vc"])
        _common(credential, (CREDENTIALS_V1,), problems)
        issuer = payload.get("iss")
        if not isinstance(issuer, str):
            problems.append("iss is missing")
            issuer = None
        vc_issuer = _issuer_id(credential, problems)
        if vc_issuer and issuer and vc_issuer != issuer:
            problems.append("vc.issuer differs from iss")
        return CredentialView(
            kind="jwt_vc_json",
            credential=credential,
            jws=token,
            issuer=issuer,
            key_id=header.get("kid"),
            valid_from=_parse_date(payload.get("nbf"), "nbf", problems),
            valid_until=_parse_date(payload.get("exp"), "exp", problems),
            problems=problems,
        )
    credential = dict(payload)
    _common(credential, (CREDENTIALS_V2,), problems)
    return CredentialView(
        kind="vc+jwt",
        credential=credential,
        jws=token,
        issuer=_issuer_id(credential, problems),
        key_id=header.get("kid"),
        valid_from=_parse_date(credential.get("validFrom"), "validFrom", problems),
        valid_until=_parse_date(credential.get("validUntil"), "validUntil", problems),
        problems=problems,
    )


def _sd_jwt_view(token: str) -> CredentialView:
    parsed = sdjwt.parse(token)  # MalformedError for what is no SD-JWT
    header, claims = parsed.header, parsed.claims
    if header.get("typ") not in (sdjwt.SD_JWT_VC_TYP, sdjwt.LEGACY_SD_JWT_VC_TYP):
        # Another SD-JWT (an ID token, …) is no credential at all: 422, not a report.
        raise MalformedError(f"an SD-JWT VC has typ {sdjwt.SD_JWT_VC_TYP!r}")
    problems: list[str] = []
    if header.get("alg") != "ES256":
        problems.append(_alg_problem(header.get("alg")))
    if not isinstance(claims.get("vct"), str):
        problems.append("vct is missing")
    issuer = claims.get("iss")
    if not isinstance(issuer, str):
        problems.append("iss is missing")
        issuer = None
    credential = sd_jwt_vc_as_vcdm(claims)
    entries = w3c_entries(claims.get("status"))
    if entries:
        credential["credentialStatus"] = entries
    withheld = () if {"given_name", "family_name"} <= set(claims) else ("learner",)
    binding = None
    if parsed.kb_jwt is not None:
        kb_problems = sdjwt.holder_key_problems(parsed, expected_nonce=None, expected_aud=None)
        binding = (
            (False, "; ".join(kb_problems))
            if kb_problems
            else (
                True,
                "key binding JWT signed by the holder key (cnf.jwk); nonce and "
                "audience are checked by the presentation's verifier",
            )
        )
    return CredentialView(
        kind="dc+sd-jwt",
        credential=credential,
        jws=parsed.jwt,
        issuer=issuer,
        key_id=header.get("kid"),
        valid_from=_parse_date(claims.get("nbf", claims.get("iat")), "nbf", problems),
        valid_until=_parse_date(claims.get("exp"), "exp", problems),
        problems=problems,
        signature_problems=parsed.problems,
        withheld_elements=withheld,
        holder_binding=binding,
    )
