"""SD-JWT (RFC 9901) and SD-JWT VC (``dc+sd-jwt``): issue, parse, verify, key binding.

Wire form (RFC 9901 §4): ``<issuer-signed JWT>~<disclosure>~…~<disclosure>~[<KB-JWT>]``.
A disclosure is ``base64url(JSON [salt, name, value])`` (an object property) or
``base64url(JSON [salt, value])`` (an array element); its digest is
``base64url(SHA-256(ASCII of the disclosure))`` and sits in the ``_sd`` array of the object
(or as ``{"...": digest}`` in the array) it belongs to. Only ``sha-256`` is supported.

Processing (§7.1): every disclosure must be referenced exactly once by a digest of the
signed payload (or of a disclosed value); a disclosure nobody references, two identical
disclosures, a digest used twice, a claim name that is ``_sd`` / ``...`` or already
present are all rejected. The processed claims are the payload with every disclosed value
put in place and ``_sd`` / ``_sd_alg`` removed; digests without a disclosure (withheld
claims, decoys) are dropped.

Key binding (§7.3): a KB-JWT (``typ`` ``kb+jwt``) signed by the key in ``cnf.jwk`` with
``iat``, ``aud``, ``nonce`` and ``sd_hash`` = base64url(SHA-256(the presentation up to and
including the ``~`` before the KB-JWT)).

Issuer keys are resolved like every JWS of the node (:func:`vc.jose.verify_jwt`: the
``kid`` is a DID URL whose controller must be ``iss``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vc import jose
from vc.did import resolve_did_jwk, resolve_did_key, verification_key_from_document
from vc.errors import KeyResolutionError, MalformedError
from vc.multikey import public_key_from_jwk, public_key_to_jwk
from vc.signer import KeyResolver, Signer

__all__ = [
    "KB_JWT_TYP",
    "KB_MAX_AGE_SECONDS",
    "LEEWAY_SECONDS",
    "LEGACY_SD_JWT_VC_TYP",
    "NEVER_DISCLOSABLE",
    "SD_ALG",
    "SD_JWT_VC_TYP",
    "Disclosure",
    "ParsedSdJwt",
    "SdJwtVerifyResult",
    "digest_of",
    "holder_jwk",
    "holder_key_problems",
    "issue",
    "key_binding_jwt",
    "new_disclosure",
    "parse",
    "parse_disclosure",
    "present",
    "split",
    "verify",
]

SD_JWT_VC_TYP = "dc+sd-jwt"
LEGACY_SD_JWT_VC_TYP = "vc+sd-jwt"  # SD-JWT VC drafts before 06; older wallets
KB_JWT_TYP = "kb+jwt"
SD_ALG = "sha-256"
KB_MAX_AGE_SECONDS = 300
LEEWAY_SECONDS = 60
_RESERVED_NAMES = ("_sd", "...")
# Claims an SD-JWT VC must never make selectively disclosable (SD-JWT VC §3.2.2).
NEVER_DISCLOSABLE = ("iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status")


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64u_decode(value: str) -> bytes:
    if not value or any(c not in _B64U_CHARS for c in value) or len(value) % 4 == 1:
        raise ValueError("not base64url without padding")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


_B64U_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def digest_of(text: str) -> str:
    """base64url(SHA-256(ASCII ``text``)): a disclosure's digest, or a KB-JWT's ``sd_hash``."""
    return _b64u(hashlib.sha256(text.encode("ascii")).digest())


@dataclass(frozen=True)
class Disclosure:
    encoded: str
    salt: str
    name: str | None  # None: an array element
    value: Any

    @property
    def digest(self) -> str:
        return digest_of(self.encoded)


def new_disclosure(name: str | None, value: Any, salt: str | None = None) -> Disclosure:
    """A disclosure with a fresh 128-bit salt (RFC 9901 §4.2.1)."""
    if name in _RESERVED_NAMES:
        raise ValueError(f"{name!r} cannot be a disclosed claim name")
    salt = salt or _b64u(secrets.token_bytes(16))
    content = [salt, value] if name is None else [salt, name, value]
    raw = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Disclosure(_b64u(raw), salt, name, value)


def parse_disclosure(encoded: str) -> Disclosure:
    """Decode one disclosure; raises :class:`MalformedError` for anything else."""
    try:
        content = json.loads(_b64u_decode(encoded))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedError(f"a disclosure is not base64url-encoded JSON: {exc}") from exc
    if not isinstance(content, list) or len(content) not in (2, 3):
        raise MalformedError("a disclosure is a JSON array of 2 or 3 elements")
    if not isinstance(content[0], str):
        raise MalformedError("a disclosure's salt must be a string")
    if len(content) == 2:
        return Disclosure(encoded, content[0], None, content[1])
    name = content[1]
    if not isinstance(name, str):
        raise MalformedError("a disclosure's claim name must be a string")
    if name in _RESERVED_NAMES:
        raise MalformedError(f"a disclosure cannot name the claim {name!r}")
    return Disclosure(encoded, content[0], name, content[2])


# ---- issuing ---------------------------------------------------------------------------------


def issue(
    claims: Mapping[str, Any],
    selective: Mapping[str, Any],
    signer: Signer,
    *,
    typ: str = SD_JWT_VC_TYP,
    decoys: int = 0,
) -> str:
    """An SD-JWT whose ``claims`` are always disclosed and whose top-level ``selective``
    claims each get a disclosure. ``decoys`` random digests hide how many claims there are.

    Returns ``<JWT>~<disclosure>~…~`` (no key binding: the holder adds it when presenting).
    """
    clash = set(claims) & set(selective)
    if clash:
        raise ValueError(f"claims both always and selectively disclosed: {sorted(clash)}")
    forbidden = set(selective) & {*NEVER_DISCLOSABLE, "_sd", "_sd_alg"}
    if forbidden:
        raise ValueError(f"claims that must never be selectively disclosable: {sorted(forbidden)}")
    disclosures = [new_disclosure(name, value) for name, value in selective.items()]
    digests = [d.digest for d in disclosures]
    digests += [digest_of(_b64u(secrets.token_bytes(32))) for _ in range(decoys)]
    payload = dict(claims)
    if digests:
        payload["_sd"] = sorted(digests)  # sorted: the order tells nothing (§4.2.4.1)
        payload["_sd_alg"] = SD_ALG
    jwt = jose.sign_jws({"typ": typ}, payload, signer)
    return jwt + "~" + "".join(d.encoded + "~" for d in disclosures)


def present(sd_jwt: str, keep: Sequence[str]) -> str:
    """The holder's side (tests, tools): the SD-JWT with only the disclosures of the
    top-level claims named in ``keep`` (no key binding)."""
    jwt, disclosures, _kb = split(sd_jwt)
    kept = [d for d in disclosures if parse_disclosure(d).name in keep]
    return jwt + "~" + "".join(d + "~" for d in kept)


def key_binding_jwt(
    presentation: str,
    holder: Signer,
    *,
    nonce: str,
    aud: str,
    iat: int | None = None,
) -> str:
    """A KB-JWT for ``presentation`` (an SD-JWT ending in ``~``), signed by the holder."""
    if not presentation.endswith("~"):
        raise ValueError("a presentation to bind ends with '~'")
    payload = {
        "iat": int(time.time()) if iat is None else iat,
        "aud": aud,
        "nonce": nonce,
        "sd_hash": digest_of(presentation),
    }
    header = {"typ": KB_JWT_TYP, "alg": jose.jose_algorithm(holder.algorithm)}
    return jose.sign_compact(header, payload, holder)  # no kid: the key is cnf.jwk


# ---- parsing ---------------------------------------------------------------------------------


def split(sd_jwt: str) -> tuple[str, list[str], str | None]:
    """``(issuer-signed JWT, disclosures, KB-JWT or None)`` of the compact form (§4)."""
    if not isinstance(sd_jwt, str):
        raise MalformedError("an SD-JWT is a string")
    parts = sd_jwt.strip().split("~")
    if len(parts) < 2:
        raise MalformedError("an SD-JWT has '~' after the issuer-signed JWT")
    jwt, *disclosures, last = parts
    if jwt.count(".") != 2:
        raise MalformedError("an SD-JWT starts with a compact JWS")
    if any(not d for d in disclosures):
        raise MalformedError("an SD-JWT has no empty disclosure ('~~')")
    return jwt, disclosures, (last or None)


@dataclass
class ParsedSdJwt:
    """An SD-JWT taken apart, its disclosures matched; nothing about keys checked yet."""

    jwt: str
    header: dict[str, Any]
    payload: dict[str, Any]  # as signed (with _sd digests)
    claims: dict[str, Any]  # processed: disclosed values in place, _sd / _sd_alg removed
    disclosures: list[Disclosure]
    kb_jwt: str | None
    presentation: str  # what sd_hash covers: everything up to the KB-JWT
    problems: list[str] = field(default_factory=list)  # disclosures not covered by signature

    @property
    def disclosed(self) -> list[str]:
        """Names of the object claims disclosed (array elements are not named)."""
        return [d.name for d in self.disclosures if d.name is not None]


def parse(sd_jwt: str) -> ParsedSdJwt:
    """Split, decode and process (§7.1 steps 3–5). Raises :class:`MalformedError` for what
    is no SD-JWT; disclosures that do not match the signed digests are reported in
    ``problems`` (a tampered credential is a failed check, not malformed input)."""
    jwt, encoded, kb_jwt = split(sd_jwt)
    header, payload, _input, _signature = jose.decode_jws(jwt)
    problems: list[str] = []
    sd_alg = payload.get("_sd_alg", SD_ALG)
    if sd_alg != SD_ALG:
        problems.append(f"unsupported _sd_alg {sd_alg!r}; only {SD_ALG} is supported")
    disclosures = [parse_disclosure(d) for d in encoded]
    by_digest: dict[str, Disclosure] = {}
    for disclosure in disclosures:
        if disclosure.digest in by_digest:
            problems.append("the same disclosure is given twice")
        by_digest[disclosure.digest] = disclosure
    used: set[str] = set()
    seen: set[str] = set()
    claims = _process(payload, by_digest, used, seen, problems)
    assert isinstance(claims, dict)
    claims.pop("_sd_alg", None)
    unreferenced = [d for d in by_digest.values() if d.digest not in used]
    for disclosure in unreferenced:
        what = f"claim {disclosure.name!r}" if disclosure.name else "an array element"
        problems.append(f"the disclosure of {what} is not covered by the issuer's signature")
    presentation = sd_jwt.strip()
    if kb_jwt is not None:
        presentation = presentation[: -len(kb_jwt)]
    return ParsedSdJwt(jwt, header, payload, claims, disclosures, kb_jwt, presentation, problems)


def _claim_digest(digest: Any, seen: set[str], problems: list[str]) -> bool:
    if not isinstance(digest, str):
        problems.append("a digest in the payload is not a string")
        return False
    if digest in seen:
        problems.append("a digest appears more than once in the payload")
        return False
    seen.add(digest)
    return True


def _process(
    value: Any,
    by_digest: Mapping[str, Disclosure],
    used: set[str],
    seen: set[str],
    problems: list[str],
) -> Any:
    if isinstance(value, list):
        out_list: list[Any] = []
        for item in value:
            if isinstance(item, dict) and set(item) == {"..."}:
                digest = item["..."]
                if not _claim_digest(digest, seen, problems):
                    continue
                disclosure = by_digest.get(digest)
                if disclosure is None:
                    continue  # withheld element or decoy
                used.add(digest)
                if disclosure.name is not None:
                    problems.append("an array element's digest points to a claim disclosure")
                    continue
                out_list.append(_process(disclosure.value, by_digest, used, seen, problems))
            else:
                out_list.append(_process(item, by_digest, used, seen, problems))
        return out_list
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {
        k: _process(v, by_digest, used, seen, problems) for k, v in value.items() if k != "_sd"
    }
    digests = value.get("_sd", [])
    if not isinstance(digests, list):
        problems.append("_sd must be an array of digests")
        return out
    for digest in digests:
        if not _claim_digest(digest, seen, problems):
            continue
        disclosure = by_digest.get(digest)
        if disclosure is None:
            continue
        used.add(digest)
        if disclosure.name is None:
            problems.append("an _sd digest points to an array element disclosure")
            continue
        if disclosure.name in out:
            problems.append(f"the disclosed claim {disclosure.name!r} is already present")
            continue
        out[disclosure.name] = _process(disclosure.value, by_digest, used, seen, problems)
    return out


# ---- key binding and verification ------------------------------------------------------------


def holder_key_problems(
    parsed: ParsedSdJwt,
    *,
    expected_nonce: str | None,
    expected_aud: str | None,
    now: int | None = None,
    max_age_seconds: int = KB_MAX_AGE_SECONDS,
) -> list[str]:
    """What is wrong with the KB-JWT (§7.3); ``expected_*`` None: that claim is not compared."""
    if parsed.kb_jwt is None:
        return ["no key binding JWT"]
    cnf = parsed.claims.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, Mapping) else None
    if not isinstance(jwk, dict):
        return ["the credential has no cnf.jwk holder key"]
    try:
        key = public_key_from_jwk(jwk)
    except MalformedError as exc:
        return [f"cnf.jwk is unusable: {exc}"]
    header, payload, signing_input, signature = jose.decode_jws(parsed.kb_jwt)
    problems: list[str] = []
    if header.get("typ") != KB_JWT_TYP:
        problems.append(f"the KB-JWT's typ must be {KB_JWT_TYP!r}")
    alg = header.get("alg")
    if alg not in ("ES256", "EdDSA") or not jose.signature_ok(
        key, str(alg), signature, signing_input
    ):
        problems.append("the KB-JWT is not signed by the holder key (cnf.jwk)")
    if payload.get("sd_hash") != digest_of(parsed.presentation):
        problems.append("the KB-JWT's sd_hash does not match the presentation")
    if expected_nonce is not None and payload.get("nonce") != expected_nonce:
        problems.append("the KB-JWT's nonce is not the expected one")
    if expected_aud is not None and payload.get("aud") != expected_aud:
        problems.append("the KB-JWT's aud is not this verifier")
    iat = payload.get("iat")
    moment = int(time.time()) if now is None else now
    if not isinstance(iat, int) or isinstance(iat, bool):
        problems.append("the KB-JWT has no numeric iat")
    elif iat > moment + LEEWAY_SECONDS or iat < moment - max_age_seconds:
        problems.append("the KB-JWT's iat is not recent")
    return problems


@dataclass
class SdJwtVerifyResult:
    ok: bool
    claims: dict[str, Any]  # processed (only what was disclosed)
    problems: list[str]
    key_id: str | None
    holder_bound: bool  # a KB-JWT was checked and passed


def verify(
    sd_jwt: str,
    resolve: KeyResolver,
    *,
    expected_nonce: str | None = None,
    expected_aud: str | None = None,
    require_key_binding: bool = False,
    now: int | None = None,
) -> SdJwtVerifyResult:
    """Verify an SD-JWT VC: ``typ``, the issuer's ES256/EdDSA signature (``kid`` resolved by
    ``resolve``, its controller ``iss``), ``exp``/``nbf``, every disclosure against the
    signed digests, and the KB-JWT — required when ``require_key_binding`` or when a nonce
    or audience is expected (a presentation verifier passes both).

    For OpenID4VP: ``verify(vp_token, resolve, expected_nonce=…, expected_aud=client_id)``.
    Raises :class:`MalformedError` only for input that is no SD-JWT.
    """
    parsed = parse(sd_jwt)
    problems = list(parsed.problems)
    typ = parsed.header.get("typ")
    if typ not in (SD_JWT_VC_TYP, LEGACY_SD_JWT_VC_TYP):
        problems.append(f"typ must be {SD_JWT_VC_TYP!r}, not {typ!r}")
    if not isinstance(parsed.claims.get("vct"), str):
        problems.append("vct is missing")
    signed = jose.verify_jwt(parsed.jwt, resolve, now=now)
    problems += signed.problems
    holder_bound = False
    wants_binding = require_key_binding or expected_nonce is not None or expected_aud is not None
    if parsed.kb_jwt is not None or wants_binding:
        kb_problems = holder_key_problems(
            parsed, expected_nonce=expected_nonce, expected_aud=expected_aud, now=now
        )
        problems += kb_problems
        holder_bound = not kb_problems
    return SdJwtVerifyResult(not problems, parsed.claims, problems, signed.key_id, holder_bound)


# ---- holder keys -----------------------------------------------------------------------------


def holder_jwk(did: str) -> dict[str, str]:
    """The public JWK of a did:jwk or did:key holder (its ``cnf.jwk``)."""
    if did.startswith("did:jwk:"):
        document, vm = resolve_did_jwk(did), f"{did}#0"
    elif did.startswith("did:key:"):
        document, vm = resolve_did_key(did), f"{did}#{did.removeprefix('did:key:')}"
    else:
        raise KeyResolutionError(f"a holder key is a did:jwk or did:key, not {did}")
    return public_key_to_jwk(verification_key_from_document(document, vm).public_key)
