"""Verify a verifiable presentation: the holder's proof, then each credential in it.

Shapes: ``ldp_vp`` (a VCDM 2.0 ``VerifiablePresentation`` with a Data Integrity proof,
purpose ``authentication``, ``challenge`` = nonce, ``domain`` = audience), ``jwt_vp`` (a JWT
with a ``vp`` claim signed by the holder, claims ``nonce`` and ``aud``) and ``dc+sd-jwt``
(an SD-JWT VC with a KB-JWT signed by the ``cnf`` key, claims ``nonce`` and ``aud``). The
holder signs with a did:key or did:jwk key (an SD-JWT: with its ``cnf.jwk``).

The presentation checks, in order: ``structure``, ``holder_proof`` (the holder's signature
over the presentation), ``nonce`` and ``audience`` (``ok: None`` when nothing was expected:
POST /api/verify has no nonce, so freshness is not checked there). Each credential then goes
through the full pipeline (:class:`~node.verification.pipeline.Verifier`); its
``holder_binding`` check says whether the presentation's signer is the credential's subject
(an SD-JWT: whether the KB-JWT verifies with its ``cnf`` key).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from node.verification.limits import Deadline
from node.verification.pipeline import Check, Report, Verifier
from node.verification.shapes import CREDENTIALS_V2, view_of
from vc import data_integrity, jose, sdjwt
from vc.did import StaticDidResolver, did_jwk_for
from vc.errors import KeyResolutionError, MalformedError, VCError

NO_NONCE = (
    "not checked: no nonce was expected (POST /api/verify): the holder's proof is checked, "
    "its freshness is not"
)
NO_AUDIENCE = "not checked: no audience was expected"
_FORMAT_OF_KIND = {"Data Integrity": "ldp_vc", "jwt_vc_json": "jwt_vc_json", "vc+jwt": "vc+jwt"}


@dataclass
class PresentedCredential:
    """One credential of a presentation and its pipeline report."""

    format: str  # ldp_vc | jwt_vc_json | vc+jwt | dc+sd-jwt
    kind: str  # the pipeline's view: Data Integrity | jwt_vc_json | vc+jwt | …
    credential: Mapping[str, Any] | str  # as verified
    body: dict[str, Any]  # the credential's claims (jwt_vc_json: the vc claim; SD-JWT: disclosed)
    report: Report
    types: tuple[str, ...] = ()
    vct: str | None = None
    disclosed: dict[str, Any] | None = None  # SD-JWT: the disclosed claims (DCQL paths)

    @property
    def claims(self) -> dict[str, Any]:
        """What DCQL claim paths select from: the disclosed claims of an SD-JWT VC, the
        credential (the ``vc`` claim of a jwt_vc_json) otherwise."""
        return self.disclosed if self.disclosed is not None else self.body


@dataclass
class PresentationReport:
    kind: str  # ldp_vp | jwt_vp | dc+sd-jwt
    holder: str | None
    checks: list[Check] = field(default_factory=list)
    credentials: list[PresentedCredential] = field(default_factory=list)

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    @property
    def verified(self) -> bool:
        """No presentation check failed and every credential verified."""
        return all(c.ok is not False for c in self.checks) and all(
            c.report.verified for c in self.credentials
        )

    @property
    def bound(self) -> bool:
        """Every presentation check passed positively (a nonce and audience were expected
        and met, the holder's proof verified) and every credential verified."""
        return all(c.ok is True for c in self.checks) and all(
            c.report.verified for c in self.credentials
        )


def holder_resolver() -> StaticDidResolver:
    """Holders are did:key / did:jwk; nothing is fetched."""
    return StaticDidResolver({}, allow_did_key=True, allow_did_jwk=True)


def _types(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [t for t in items if isinstance(t, str)]


def _jwt_payload(token: str) -> dict[str, Any] | None:
    try:
        return jose.decode_jws(token)[1]
    except MalformedError:
        return None


def is_presentation(item: Mapping[str, Any] | str) -> bool:
    """A JSON-LD VerifiablePresentation, a JWT with a ``vp`` claim, or an SD-JWT with a
    KB-JWT (an SD-JWT ending in ``~`` is a credential, not a presentation)."""
    if isinstance(item, Mapping):
        return "VerifiablePresentation" in _types(item.get("type"))
    text = item.strip()
    if "~" in text:
        return not text.endswith("~")
    payload = _jwt_payload(text)
    return payload is not None and isinstance(payload.get("vp"), Mapping)


def _unwrap(entry: Any) -> Mapping[str, Any] | str:
    """A VP's credential entry: a JSON-LD credential, a compact JWT, or an
    EnvelopedVerifiableCredential (VCDM 2.0 §4.13.1) carrying one in a data: URL."""
    if isinstance(entry, Mapping) and entry.get("type") == "EnvelopedVerifiableCredential":
        data = entry.get("id")
        if isinstance(data, str) and data.startswith("data:") and "," in data:
            return data.split(",", 1)[1]
        raise MalformedError("an EnvelopedVerifiableCredential has no data: URL id")
    if isinstance(entry, Mapping | str):
        return entry
    raise MalformedError("a presented credential is neither JSON nor a JWT")


def _credentials(container: Mapping[str, Any]) -> list[Mapping[str, Any] | str]:
    raw = container.get("verifiableCredential")
    entries = raw if isinstance(raw, list) else [raw] if raw else []
    if not entries:
        raise MalformedError("the presentation carries no credential")
    return [_unwrap(e) for e in entries]


def _subject_ids(body: Mapping[str, Any], jwt_sub: Any = None) -> list[str]:
    subjects = body.get("credentialSubject")
    items = subjects if isinstance(subjects, list) else [subjects]
    ids = [s["id"] for s in items if isinstance(s, Mapping) and isinstance(s.get("id"), str)]
    if isinstance(jwt_sub, str):
        ids.append(jwt_sub)
    return sorted(set(ids))


def _binding(holder: str | None, proof: Check, subjects: list[str]) -> Check:
    if proof.ok is None:
        return Check("holder_binding", None, f"not checked: {proof.detail}")
    if proof.ok is False or holder is None:
        return Check("holder_binding", False, "the presentation's holder proof does not verify")
    if not subjects:
        return Check("holder_binding", False, "the credential names no subject: not holder-bound")
    if subjects != [holder]:
        return Check(
            "holder_binding",
            False,
            f"the presentation is signed by {holder}, the credential's subject is "
            + ", ".join(subjects),
        )
    return Check("holder_binding", True, f"presented by its subject {holder}")


def _with_binding(report: Report, binding: Check) -> Report:
    report.checks = [binding if c.name == "holder_binding" else c for c in report.checks]
    return report


def _expected(name: str, expected: str | None, actual: Any, what: str) -> Check:
    if expected is None:
        return Check(name, None, NO_NONCE if name == "nonce" else NO_AUDIENCE)
    values = actual if isinstance(actual, list) else [actual]
    if expected in values:
        return Check(name, True, f"{what} is the expected one")
    return Check(name, False, f"{what} is not the expected one")


def _verify_each(
    verifier: Verifier,
    credentials: list[Mapping[str, Any] | str],
    holder: str | None,
    proof: Check,
    when: datetime | None,
    deadline: Deadline,
) -> list[PresentedCredential]:
    out = []
    for credential in credentials:
        view = view_of(credential)  # MalformedError for what is no credential at all
        report = verifier.verify(credential, when, deadline, checked=True)
        payload = _jwt_payload(credential) if isinstance(credential, str) else None
        jwt_sub = payload.get("sub") if payload is not None else None
        binding = _binding(holder, proof, _subject_ids(view.credential, jwt_sub))
        out.append(
            PresentedCredential(
                format=_FORMAT_OF_KIND.get(view.kind, view.kind),
                kind=view.kind,
                credential=credential,
                body=view.credential,
                report=_with_binding(report, binding),
                types=tuple(_types(view.credential.get("type"))),
            )
        )
    return out


def _ldp_vp(
    verifier: Verifier,
    vp: Mapping[str, Any],
    nonce: str | None,
    audience: str | None,
    when: datetime | None,
    deadline: Deadline,
) -> PresentationReport:
    context = vp.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    report = PresentationReport("ldp_vp", None)
    credentials = _credentials(vp)
    if first != CREDENTIALS_V2:
        report.checks.append(
            Check("structure", False, f"@context must start with {CREDENTIALS_V2}")
        )
    else:
        report.checks.append(Check("structure", True, "well-formed verifiable presentation"))
    raw_proofs = vp.get("proof")
    proofs = raw_proofs if isinstance(raw_proofs, list) else [raw_proofs] if raw_proofs else []
    if not proofs:
        proof = Check("holder_proof", None, "the presentation has no holder proof")
    else:
        try:
            result = data_integrity.verify(
                vp,
                holder_resolver(),
                expected_purpose="authentication",
                before_each_proof=deadline.check,
            )
        except VCError as exc:
            result = data_integrity.VerifyResult(ok=False, problems=[str(exc)])
        holder_value = vp.get("holder")
        holder_id = holder_value.get("id") if isinstance(holder_value, Mapping) else holder_value
        if not result.ok:
            proof = Check("holder_proof", False, "; ".join(result.problems))
        elif len(set(result.controllers)) != 1:
            proof = Check("holder_proof", False, "the proofs are by more than one holder")
        elif holder_id is not None and holder_id != result.controllers[0]:
            proof = Check("holder_proof", False, f"the proof is not by the holder {holder_id}")
        else:
            report.holder = result.controllers[0]
            proof = Check("holder_proof", True, "authentication proof by " + result.key_ids[0])
    report.checks.append(proof)
    first_proof = proofs[0] if proofs and isinstance(proofs[0], Mapping) else {}
    report.checks.append(_expected("nonce", nonce, first_proof.get("challenge"), "challenge"))
    report.checks.append(_expected("audience", audience, first_proof.get("domain"), "domain"))
    report.credentials = _verify_each(verifier, credentials, report.holder, proof, when, deadline)
    return report


def _jwt_vp(
    verifier: Verifier,
    token: str,
    nonce: str | None,
    audience: str | None,
    when: datetime | None,
    deadline: Deadline,
) -> PresentationReport:
    header, payload, _input, _signature = jose.decode_jws(token)
    vp = payload.get("vp")
    if not isinstance(vp, Mapping):
        raise MalformedError("a JWT presentation carries a 'vp' claim")
    report = PresentationReport("jwt_vp", None)
    credentials = _credentials(vp)
    problems = []
    if "VerifiablePresentation" not in _types(vp.get("type")):
        problems.append("vp.type must include VerifiablePresentation")
    report.checks.append(
        Check("structure", False, "; ".join(problems))
        if problems
        else Check("structure", True, "well-formed JWT presentation")
    )
    kid = header.get("kid")
    if isinstance(kid, str) and kid.startswith("#") and isinstance(payload.get("iss"), str):
        kid = payload["iss"] + kid
    if not isinstance(kid, str) or not kid.startswith(("did:key:", "did:jwk:")):
        proof = Check("holder_proof", False, "the presentation's kid is no did:key / did:jwk key")
    else:
        try:
            result = jose.verify_jwt(token, holder_resolver())
        except (KeyResolutionError, MalformedError) as exc:
            result = jose.JwtVerifyResult(ok=False, problems=[str(exc)])
        if result.ok and result.controller is not None:
            report.holder = result.controller
            proof = Check("holder_proof", True, f"signed by the holder key {result.key_id}")
        else:
            proof = Check("holder_proof", False, "; ".join(result.problems) or "not verified")
    report.checks.append(proof)
    report.checks.append(_expected("nonce", nonce, payload.get("nonce"), "nonce"))
    report.checks.append(_expected("audience", audience, payload.get("aud"), "aud"))
    report.credentials = _verify_each(verifier, credentials, report.holder, proof, when, deadline)
    return report


def _sd_jwt(
    verifier: Verifier,
    token: str,
    nonce: str | None,
    audience: str | None,
    when: datetime | None,
    deadline: Deadline,
) -> PresentationReport:
    parsed = sdjwt.parse(token)
    report = PresentationReport("dc+sd-jwt", None)
    report.checks.append(Check("structure", True, "an SD-JWT with a key binding JWT"))
    problems = sdjwt.holder_key_problems(parsed, expected_nonce=None, expected_aud=None)
    cnf = parsed.claims.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, Mapping) else None
    if problems or not isinstance(jwk, Mapping):
        proof = Check("holder_proof", False, "; ".join(problems) or "no cnf.jwk")
    else:
        proof = Check("holder_proof", True, "key binding JWT signed by the cnf key")
        report.holder = did_jwk_for({k: jwk[k] for k in ("kty", "crv", "x", "y") if k in jwk})
    report.checks.append(proof)
    kb_payload = _jwt_payload(parsed.kb_jwt) if parsed.kb_jwt else None
    kb = kb_payload or {}
    report.checks.append(_expected("nonce", nonce, kb.get("nonce"), "the KB-JWT's nonce"))
    report.checks.append(_expected("audience", audience, kb.get("aud"), "the KB-JWT's aud"))
    credential = parsed.presentation  # the SD-JWT without its KB-JWT: what the issuer signed
    view = view_of(credential)
    credential_report = verifier.verify(credential, when, deadline, checked=True)
    if proof.ok is True:
        binding = Check("holder_binding", True, "the KB-JWT is signed by the credential's cnf key")
    else:
        binding = Check("holder_binding", False, "the key binding JWT does not verify")
    vct = parsed.claims.get("vct")
    report.credentials = [
        PresentedCredential(
            format="dc+sd-jwt",
            kind=view.kind,
            credential=credential,
            body=view.credential,
            report=_with_binding(credential_report, binding),
            vct=vct if isinstance(vct, str) else None,
            disclosed=parsed.claims,
        )
    ]
    return report


def verify_presentation(
    verifier: Verifier,
    item: Mapping[str, Any] | str,
    *,
    nonce: str | None = None,
    audience: str | None = None,
    when: datetime | None = None,
    deadline: Deadline | None = None,
    checked: bool = False,
) -> PresentationReport:
    """Verify a presentation. ``nonce`` / ``audience``: what this verifier expects (None:
    not checked, reported as such). Raises :class:`MalformedError` for input that is not a
    presentation or holds something that is no credential at all, LimitExceeded (one) for
    a presentation over the verifier's limits — before any proof is checked (``checked``:
    the caller did that; its credentials are then not checked again either)."""
    if not checked:
        verifier.limits.check(item)
    deadline = deadline or verifier.limits.deadline()
    if isinstance(item, Mapping):
        if not is_presentation(item):
            raise MalformedError("not a VerifiablePresentation")
        return _ldp_vp(verifier, item, nonce, audience, when, deadline)
    text = "".join(item.split())
    if "~" in text:
        return _sd_jwt(verifier, text, nonce, audience, when, deadline)
    return _jwt_vp(verifier, text, nonce, audience, when, deadline)
