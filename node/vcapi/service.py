"""The generic W3C VC API issuer and verifier (W3C CCG VC API; docs/credential-model.md).

It is separate from the micro-credential API: its own ``did:key`` issuers (Ed25519 for the
Data Integrity suites, P-256 for ``vc+jwt``), no EU elements required, and verification of
any ``did:key`` / ``did:jwk`` issuer. Refusals raise
:class:`~node.vcapi.errors.VcApiInvalidInput`; verification failures are reported in an
:class:`Outcome`, never raised.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from sqlalchemy.orm import Session, sessionmaker

from node.errors import Problem
from node.vcapi import envelope
from node.vcapi.errors import VcApiInvalidInput, VcApiNotSupported
from node.vcapi.status import ENTRY_TYPE, VcApiStatus, entry_problem, requested_purposes
from node.vcapi.structure import (
    as_list,
    credential_problems,
    is_vcdm11,
    issuer_id,
    parse_timestamp,
    presentation_problems,
)
from node.verification.pipeline import Check, Verifier
from vc import data_integrity, jose
from vc.did import StaticDidResolver, did_key_for
from vc.errors import MalformedError, VCError
from vc.signer import Ed25519Signer, P256Signer

V2 = "https://www.w3.org/ns/credentials/v2"
Format = Literal["eddsa-rdfc-2022", "eddsa-jcs-2022", "vc+jwt"]
FORMATS: tuple[Format, ...] = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "vc+jwt")
CLOCK_SKEW = timedelta(seconds=60)
# VC-JOSE-COSE §3.1.1 `typ`; vc-ld+jwt is the name earlier drafts used.
_VC_JWT_TYPES = (None, "vc+jwt", "vc-ld+jwt")


@dataclass
class Outcome:
    """A verification result: named checks plus the problems that made it fail."""

    checks: list[Check] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return not self.problems and all(c.ok is not False for c in self.checks)

    def passed(self) -> list[str]:
        return [c.name for c in self.checks if c.ok is True]


def _prefixed(problems: list[Problem], prefix: str) -> list[Problem]:
    return [Problem(f"{prefix}.{p.element}", p.reason) for p in problems]


def _structure_failure(problems: list[Problem]) -> Outcome:
    detail = "; ".join(f"{p.element}: {p.reason}" for p in problems)
    return Outcome([Check("structure", False, detail)], problems)


class VcApiService:
    """Issues with the VC API keys; verifies with did:key / did:jwk resolution.

    With ``sessions`` and ``origin`` it has status lists (:mod:`node.vcapi.status`):
    ``options.credentialStatus`` is honoured and verification checks the status bits.
    """

    def __init__(
        self,
        ed25519_private_key: ed25519.Ed25519PrivateKey,
        p256_private_key: ec.EllipticCurvePrivateKey,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sessions: sessionmaker[Session] | None = None,
        origin: str | None = None,
    ) -> None:
        self.did, ed_vm = did_key_for(ed25519_private_key.public_key())
        self.jwt_did, p256_vm = did_key_for(p256_private_key.public_key())
        self._ed_signer = Ed25519Signer(ed_vm, ed25519_private_key)
        self._p256_signer = P256Signer(p256_vm, p256_private_key)
        self._resolver = StaticDidResolver()
        # No elements check: generic credentials carry no EU elements (docs/credential-model.md).
        self._verifier = Verifier(self._resolver, clock=clock)
        self._clock = clock
        self.status: VcApiStatus | None = None
        if sessions is not None and origin is not None:
            self.status = VcApiStatus(sessions, self._ed_signer, self.did, origin, self._resolver)

    def issuer_for(self, fmt: Format) -> str:
        """The DID a credential must name as its issuer on the endpoint for ``fmt``."""
        return self.jwt_did if fmt == "vc+jwt" else self.did

    # -- issuing ---------------------------------------------------------------------------

    def issue(
        self,
        credential: Any,
        options: Mapping[str, Any],
        fmt: Format,
        *,
        token_id: int | None = None,
    ) -> dict[str, Any]:
        """Sign ``credential`` (VC API §3.3.1); for ``vc+jwt`` return it enveloped.

        ``options.credentialStatus`` (type BitstringStatusListEntry) adds status entries
        for its ``statusPurpose`` (both revocation and suspension when it names none).
        """
        purposes = self._status_purposes(options.get("credentialStatus"), fmt, credential)
        problems = credential_problems(credential)
        expected = self.issuer_for(fmt)
        issuer = issuer_id(credential) if isinstance(credential, Mapping) else None
        if issuer is not None and issuer != expected:
            problems.append(Problem("issuer", f"this endpoint issues as {expected}, not {issuer}"))
        if isinstance(credential, Mapping):
            for entry in as_list(credential.get("credentialStatus")):
                if isinstance(entry, Mapping) and entry.get("type") == ENTRY_TYPE:
                    problem = entry_problem(entry)
                    if problem:  # Bitstring Status List §3.1 MALFORMED_VALUE_ERROR
                        problems.append(Problem("credentialStatus", problem))
        if problems:
            raise VcApiInvalidInput("the credential is not a valid VCDM 2.0 credential", problems)
        if not purposes:
            return self._sign(credential, options, fmt)
        assert self.status is not None
        credential = dict(credential)
        created = self.status.attach(credential, purposes, token_id)
        try:
            return self._sign(credential, options, fmt)
        except BaseException:
            if created is not None:
                self.status.discard(created)
            raise

    def _status_purposes(self, option: Any, fmt: Format, credential: Any) -> tuple[str, ...]:
        if option is None:
            return ()
        purposes = requested_purposes(option)
        if self.status is None:
            raise VcApiNotSupported(
                "options.credentialStatus is not supported: this issuer has no status list",
                [Problem("options.credentialStatus", "status lists are not available")],
            )
        if fmt == "vc+jwt":
            raise VcApiNotSupported(
                "status entries are offered on the Data Integrity endpoints only: the lists "
                "are signed by the Ed25519 did:key, and a list's issuer must be the "
                "credential's",
                [Problem("options.credentialStatus", "not on the vc+jwt endpoint")],
            )
        if isinstance(credential, Mapping) and is_vcdm11(credential):
            raise VcApiNotSupported(
                "status entries are added to VCDM 2.0 credentials only",
                [Problem("options.credentialStatus", "the credential is VCDM 1.1")],
            )
        return purposes

    def _sign(self, credential: Any, options: Mapping[str, Any], fmt: Format) -> dict[str, Any]:
        if fmt == "vc+jwt":
            if is_vcdm11(credential):
                raise VcApiInvalidInput(
                    "vc+jwt secures VCDM 2.0 credentials only (VC-JOSE-COSE §3.1.1)",
                    [Problem("@context", f"the first context must be {V2}")],
                )
            if "proof" in credential:
                raise VcApiInvalidInput(
                    "a vc+jwt credential is secured by its envelope, not by an embedded proof",
                    [Problem("proof", "remove the embedded proof")],
                )
            return envelope.envelope(jose.sign_vc_jwt(credential, self._p256_signer))
        created, challenge, domain = (options.get(k) for k in ("created", "challenge", "domain"))
        for name, value in (("created", created), ("challenge", challenge), ("domain", domain)):
            if value is not None and not isinstance(value, str):
                raise VcApiInvalidInput(
                    f"options.{name} must be a string", [Problem(f"options.{name}", "not a string")]
                )
        try:
            return data_integrity.sign(
                credential,
                self._ed_signer,
                cryptosuite=fmt,
                created=created,
                challenge=challenge,
                domain=domain,
            )
        except VCError as exc:
            raise VcApiInvalidInput(str(exc), [Problem("credential", str(exc))]) from exc

    # -- verifying -------------------------------------------------------------------------

    def verify_credential(self, credential: Any) -> Outcome:
        """VC API §3.3.2: a Data Integrity credential or an enveloped ``vc+jwt``."""
        subject: Mapping[str, Any] | str
        if envelope.is_enveloped(credential):
            assert isinstance(credential, Mapping)
            jws, problems = envelope.unwrap(credential)
            if jws is None:
                return _structure_failure(problems)
            try:
                header, payload, _, _ = jose.decode_jws(jws)
            except MalformedError as exc:
                return _structure_failure([Problem("id", str(exc))])
            problems = _prefixed(credential_problems(payload), "id")
            if header.get("typ") not in _VC_JWT_TYPES:
                problems.append(Problem("id", f"JWS typ {header.get('typ')!r} is not vc+jwt"))
            subject, document = jws, payload
        else:
            problems = credential_problems(credential)
            if not problems and not as_list(credential.get("proof")):
                problems.append(Problem("proof", "the credential is not secured (no proof)"))
            subject = document = credential
        if problems:
            return _structure_failure(problems)
        if is_vcdm11(document):
            return self._verify_vcdm11(document)
        try:
            report = self._verifier.verify(subject)
        except VCError as exc:
            return _structure_failure([Problem("credential", str(exc))])
        pipeline_status = next(
            (c for c in report.checks if c.name == "status"), Check("status", None, "not checked")
        )
        checks = [
            self._validity(document) if check.name == "validity" else check
            for check in report.checks
            if check.name != "status"
        ]
        checks.append(self._status_check(document, pipeline_status))
        failed = [Problem(c.name, c.detail) for c in checks if c.ok is False]
        return Outcome(checks, failed)

    def _verify_vcdm11(self, credential: Mapping[str, Any]) -> Outcome:
        """A VCDM 1.1 Data Integrity credential (the pipeline reads VCDM 2.0 only)."""
        checks = [Check("structure", True, "well-formed VCDM 1.1 credential")]
        result = data_integrity.verify(credential, self._resolver)
        issuer = issuer_id(credential)
        if not result.ok:
            checks.append(Check("signature", False, "; ".join(result.problems)))
        elif issuer not in result.controllers:
            checks.append(Check("issuer_key", False, f"no proof is by the issuer {issuer}"))
        else:
            checks.append(Check("issuer_key", True, f"{result.key_ids[0]} belongs to {issuer}"))
            checks.append(Check("signature", True, "Data Integrity proof(s) verified"))
        until = parse_timestamp(credential.get("expirationDate"), require_timezone=False)
        if until is not None and until + CLOCK_SKEW < self._clock():
            checks.append(Check("validity", False, f"expired at {until.isoformat()}"))
        else:
            checks.append(Check("validity", True, "not expired"))
        checks.append(self._status_check(credential, Check("status", None, "not checked")))
        return Outcome(checks, [Problem(c.name, c.detail) for c in checks if c.ok is False])

    def _status_check(self, credential: Mapping[str, Any], fallback: Check) -> Check:
        """Bitstring Status List entries of this issuer's lists (read from the database)."""
        if self.status is None:
            return fallback
        return self.status.check(credential)

    def _validity(self, credential: Mapping[str, Any]) -> Check:
        """VCDM 2.0 §4.9: both dates are optional for a generic credential."""
        now = self._clock()
        valid_from = parse_timestamp(credential.get("validFrom"))
        valid_until = parse_timestamp(credential.get("validUntil"))
        if valid_from is not None and valid_from - CLOCK_SKEW > now:
            return Check("validity", False, f"not valid before {valid_from.isoformat()}")
        if valid_until is not None and valid_until + CLOCK_SKEW < now:
            return Check("validity", False, f"expired at {valid_until.isoformat()}")
        if valid_from is None and valid_until is None:
            return Check("validity", True, "no validity period stated")
        return Check("validity", True, "within its validity period")

    def verify_presentation(
        self, presentation: Any, *, challenge: str | None, domain: str | None
    ) -> Outcome:
        """VC API §3.4.2: the presentation's proof (``authentication``), then each credential."""
        problems = presentation_problems(presentation)
        if problems:
            return _structure_failure(problems)
        assert isinstance(presentation, Mapping)
        outcome = Outcome([Check("structure", True, "well-formed verifiable presentation")])
        outcome.checks.append(self._presentation_proof(presentation, challenge, domain))
        credentials = as_list(presentation.get("verifiableCredential"))
        for index, credential in enumerate(credentials):
            result = self.verify_credential(credential)
            outcome.problems += _prefixed(result.problems, f"verifiableCredential[{index}]")
        outcome.checks.append(
            Check(
                "credentials",
                not outcome.problems,
                f"{len(credentials)} credential(s) checked"
                + ("" if not outcome.problems else f", {len(outcome.problems)} problem(s)"),
            )
        )
        outcome.problems += [Problem(c.name, c.detail) for c in outcome.checks if c.ok is False]
        return outcome

    def _presentation_proof(
        self, presentation: Mapping[str, Any], challenge: str | None, domain: str | None
    ) -> Check:
        if not as_list(presentation.get("proof")):
            return Check("holder_binding", False, "the presentation has no proof")
        try:
            result = data_integrity.verify(
                presentation,
                self._resolver,
                expected_purpose="authentication",
                challenge=challenge,
                domain=domain,
            )
        except VCError as exc:
            return Check("holder_binding", False, str(exc))
        if not result.ok:
            return Check("holder_binding", False, "; ".join(result.problems))
        holder = presentation.get("holder")
        holder_id = holder.get("id") if isinstance(holder, Mapping) else holder
        if holder_id is not None and holder_id not in result.controllers:
            return Check("holder_binding", False, f"the proof is not by the holder {holder_id}")
        return Check("holder_binding", True, "authentication proof by " + ", ".join(result.key_ids))
