"""Verify a credential and report every check by name.

The check names are a public interface, fixed from the first version (docs/architecture.md,
"Verifying a credential"):
``structure``, ``elements``, ``issuer_key``, ``signature``, ``validity``, ``membership``,
``status``, ``anchor``, ``holder_binding``. A check whose capability is not there yet reports
``ok: None`` ("not checked"), never a silent pass. Only input that is not a credential at all
raises (:class:`~vc.errors.MalformedError`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from node.trust import AnchorFactsLike, NetworkFacts, Trust, TrustUnavailable
from node.verification.limits import Deadline, VerifyLimits
from node.verification.shapes import CredentialView, view_of
from vc import data_integrity, jose
from vc.digest import data_integrity_digest, jwt_digest
from vc.errors import KeyResolutionError, UndefinedTermError, UnknownContextError
from vc.signer import KeyResolver
from vc.terms import expand_strict_memoised

CHECK_NAMES = (
    "structure",
    "elements",
    "issuer_key",
    "signature",
    "validity",
    "membership",
    "status",
    "anchor",
    "holder_binding",
)
_NOT_YET = {
    "membership": "not checked: the network registry is not connected yet",
    "status": "not checked: status lists are not available yet",
    "anchor": "not checked: anchoring is not available yet",
    "holder_binding": "not checked: only presentations bind a holder",
}
CORE_CHECKS = ("structure", "issuer_key", "signature", "validity")
CLOCK_SKEW = timedelta(seconds=60)


# Check.state: why a check says what it says, for the verdict and the page (not in the
# JSON report, whose shape is fixed): the ledger record is not confirmed yet (an anchor
# batch or a status list version waits to be anchored), the chain or a peer cannot answer
# now, no record matches this exact credential.
PENDING, UNAVAILABLE, UNKNOWN = "pending", "unavailable", "unknown"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None
    detail: str
    state: str | None = None


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    summary: dict[str, Any] | None = None
    network: NetworkFacts | None = None  # None: no chain, or it could not be read

    @property
    def verified(self) -> bool:
        """True when no check failed and the core checks positively passed.

        A core check that could not run (``ok: None``, e.g. the chain was unreachable when
        the issuer's key had to be looked up) never counts as a pass.
        """
        return all(c.ok is not False for c in self.checks) and all(
            any(c.name == name and c.ok is True for c in self.checks) for name in CORE_CHECKS
        )

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }


ElementsCheck = Callable[[Mapping[str, Any]], list[str]]


_ANCHOR_OK = {
    "confirmed": True,
    "pending": None,
    "unknown": None,
    "unavailable": None,
    "mismatch": False,
}


@dataclass(frozen=True)
class _Unavailable:
    detail: str
    state: str = "unavailable"
    timestamp: int | None = None


class Verifier:
    """Runs the pipeline. ``resolve`` finds issuer keys; ``missing_elements`` (when given)
    lists the EU mandatory elements a credential lacks — the generic VC API passes none.
    ``limits`` bound the work one verification may cost (node.verification.limits)."""

    def __init__(
        self,
        resolve: KeyResolver,
        *,
        missing_elements: ElementsCheck | None = None,
        trust: Trust | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        limits: VerifyLimits | None = None,
    ) -> None:
        self._static_resolve = resolve
        self._missing_elements = missing_elements
        self._trust = trust
        self._clock = clock
        self.limits = limits or VerifyLimits()

    @property
    def trust(self) -> Trust | None:
        """What the chain says, as this verifier asks it (None: no chain)."""
        return self._trust

    def verify(
        self,
        credential: Mapping[str, Any] | str,
        when: datetime | None = None,
        deadline: Deadline | None = None,
        *,
        checked: bool = False,
    ) -> Report:
        """Verify now, or — given ``when`` — answer "was it valid on that date?" (validity
        window and status as of then). Refuses input over a limit (LimitExceeded) before
        anything costly (``checked``: the caller did that, e.g. for the presentation that
        carries it); ``deadline`` (default: the limits' own) is checked between steps."""
        if not checked:
            self.limits.check(credential)
        return self.verify_view(view_of(credential), when, deadline)  # MalformedError

    def verify_view(
        self, view: CredentialView, when: datetime | None = None, deadline: Deadline | None = None
    ) -> Report:
        """:meth:`verify` for a credential already parsed by :func:`view_of` (and checked
        against the limits)."""
        deadline = deadline or self.limits.deadline()
        report = Report()
        deadline.check()
        structure = self._structure(view)
        deadline.check()
        anchor = self._anchor_facts(view)
        # Which key was valid "at issuance" is judged at the anchor's block time: the
        # credential's own dates can be backdated (docs/architecture.md, "Verifying a credential").
        at = anchor.timestamp if anchor is not None and anchor.state == "confirmed" else None
        resolve = self._resolver(at)
        report.checks.append(structure)
        report.checks.append(self._elements(view))
        key_check = self._issuer_key(view, resolve)
        report.checks.append(key_check)
        report.checks.append(self._signature(view, key_check, structure, resolve, deadline))
        deadline.check()
        report.checks.append(self._validity(view, when))
        report.checks.append(self._membership(view, at))
        report.checks.append(self._status(view, when))
        report.checks.append(self._anchor(anchor))
        report.checks.append(self._holder_binding(view))
        report.network = self._network()
        return report

    def _network(self) -> NetworkFacts | None:
        if self._trust is None:
            return None
        try:
            return self._trust.network()
        except TrustUnavailable:
            return None

    def _resolver(self, at: int | None) -> KeyResolver:
        trust = self._trust
        if trust is None:
            return self._static_resolve
        return lambda vm_id: trust.key(vm_id, at)

    def _anchor_facts(self, view: CredentialView) -> AnchorFactsLike | None:
        if self._trust is None:
            return None
        digest = jwt_digest(view.jws) if view.jws is not None else None
        if digest is None and view.jsonld is not None:
            digest = data_integrity_digest(view.jsonld)
        if digest is None:
            return None
        try:
            return self._trust.anchor(digest, view.issuer)
        except TrustUnavailable as exc:
            return _Unavailable(f"cannot be checked now: {exc}")

    # -- checks, in pipeline order --------------------------------------------------------

    def _structure(self, view: CredentialView) -> Check:
        if view.problems:
            return Check("structure", False, "; ".join(view.problems))
        if view.jsonld is not None:
            try:
                # expand_strict, memoised per skeleton (node.issuance.signing)
                expand_strict_memoised(view.jsonld)
            except (UndefinedTermError, UnknownContextError) as exc:
                return Check("structure", False, str(exc))
        return Check("structure", True, f"well-formed {view.kind} credential")

    def _elements(self, view: CredentialView) -> Check:
        if self._missing_elements is None:
            return Check("elements", None, "not checked: generic credential")
        missing = self._missing_elements(view.credential)
        withheld = [name for name in missing if name in view.withheld_elements]
        missing = [name for name in missing if name not in view.withheld_elements]
        if missing:
            return Check("elements", False, "missing EU elements: " + ", ".join(missing))
        if withheld:  # SD-JWT VC: the holder withheld them; the credential is bound to its key
            return Check(
                "elements",
                True,
                "all EU Council mandatory elements present or bound to the holder key "
                f"(not disclosed: {', '.join(withheld)})",
            )
        return Check("elements", True, "all EU Council mandatory elements present")

    def _issuer_key(self, view: CredentialView, resolve: KeyResolver) -> Check:
        if not view.key_id:
            return Check("issuer_key", False, "no verification method / kid names the key")
        try:
            key = resolve(view.key_id)
        except KeyResolutionError as exc:
            return Check("issuer_key", False, str(exc))
        except TrustUnavailable as exc:
            return Check("issuer_key", None, f"cannot be checked now: {exc}", UNAVAILABLE)
        if key.controller != view.issuer:
            return Check(
                "issuer_key",
                False,
                f"key {view.key_id} is controlled by {key.controller}, not the issuer "
                f"{view.issuer or '(none named)'}",
            )
        if key.purposes is not None and "assertionMethod" not in key.purposes:
            return Check("issuer_key", False, f"key {view.key_id} is not an assertion method")
        return Check("issuer_key", True, f"{view.key_id} belongs to {view.issuer}")

    def _signature(
        self,
        view: CredentialView,
        key_check: Check,
        structure: Check,
        resolve: KeyResolver,
        deadline: Deadline,
    ) -> Check:
        if key_check.ok is None:
            return Check(
                "signature", None, "cannot be checked: the issuer key is unknown now", UNAVAILABLE
            )
        if key_check.ok is not True:
            return Check("signature", False, "not verified: the issuer key is not established")
        if view.jws is not None:
            result = jose.verify_jwt(view.jws, resolve)
            problems = result.problems + view.signature_problems  # SD-JWT: disclosures
            if problems:
                return Check("signature", False, "; ".join(problems))
            if view.kind == "dc+sd-jwt":
                return Check(
                    "signature",
                    True,
                    f"ES256 signature by {view.key_id}; every disclosure matches a signed digest",
                )
            return Check("signature", True, f"ES256 signature by {view.key_id}")
        assert view.jsonld is not None
        di = data_integrity.verify(
            view.jsonld,
            resolve,
            strict_terms=not _terms_proven(view, structure),
            before_each_proof=deadline.check,
        )
        if not di.ok:
            return Check("signature", False, "; ".join(di.problems))
        suites = ", ".join(sorted({p.get("cryptosuite", "?") for p in view.proofs}))
        return Check("signature", True, f"Data Integrity proof ({suites}) by {view.key_id}")

    def _holder_binding(self, view: CredentialView) -> Check:
        if view.holder_binding is None:
            return Check("holder_binding", None, _NOT_YET["holder_binding"])
        ok, detail = view.holder_binding
        return Check("holder_binding", ok, detail)

    def _membership(self, view: CredentialView, at: int | None) -> Check:
        if self._trust is None:
            return Check("membership", None, _NOT_YET["membership"], UNAVAILABLE)
        try:
            ok, detail = self._trust.membership(view.issuer, at)
        except TrustUnavailable as exc:
            return Check("membership", None, f"cannot be checked now: {exc}", UNAVAILABLE)
        return Check("membership", ok, detail)

    def _anchor(self, facts: AnchorFactsLike | None) -> Check:
        if facts is None:
            return Check("anchor", None, _NOT_YET["anchor"], UNAVAILABLE)
        ok = _ANCHOR_OK.get(facts.state, False)
        return Check("anchor", ok, facts.detail, facts.state if ok is None else None)

    def _status(self, view: CredentialView, when: datetime | None) -> Check:
        if self._trust is None:
            return Check("status", None, _NOT_YET["status"], UNAVAILABLE)
        raw = view.credential.get("credentialStatus", [])
        entries = [raw] if isinstance(raw, Mapping) else raw if isinstance(raw, list) else []
        if any(not isinstance(entry, Mapping) for entry in entries):
            return Check("status", False, "malformed credentialStatus")
        timestamp = int(when.timestamp()) if when is not None else None
        try:
            ok, detail, pending = self._trust.status(entries, view.issuer, timestamp)
        except TrustUnavailable as exc:
            return Check("status", None, f"cannot be checked now: {exc}", UNAVAILABLE)
        if pending and ok is not False:
            return Check("status", ok, detail, PENDING)
        return Check("status", ok, detail, UNAVAILABLE if ok is None else None)

    def _validity(self, view: CredentialView, when: datetime | None = None) -> Check:
        now = when or self._clock()
        if view.valid_from is None:
            return Check("validity", False, "no validFrom / nbf date")
        if view.valid_from - CLOCK_SKEW > now:
            return Check("validity", False, f"not valid before {view.valid_from.isoformat()}")
        if view.valid_until is not None and view.valid_until + CLOCK_SKEW < now:
            return Check("validity", False, f"expired at {view.valid_until.isoformat()}")
        until = f" until {view.valid_until.isoformat()}" if view.valid_until else ""
        return Check("validity", True, f"valid from {view.valid_from.isoformat()}{until}")


def _terms_proven(view: CredentialView, structure: Check) -> bool:
    """True when the structure check already proved what ``data_integrity.verify``'s
    ``strict_terms`` re-checks for eddsa-jcs-2022 (by a full RDFC-1.0 canonicalisation).

    That check expands the document without its proofs under the proof's ``@context``; when
    that ``@context`` is the document's own, it is the expansion of a subset of the
    document the structure check expanded (proofs included) without undefined terms. A
    proof chain (``previousProof``) adds proofs back; those keep the check. eddsa-rdfc-2022
    always rejects undefined terms while canonicalising, whatever ``strict_terms`` says.
    """
    if structure.ok is not True or view.jsonld is None:
        return False
    context = view.jsonld.get("@context")
    return all(
        "previousProof" not in proof
        and (proof.get("cryptosuite") != data_integrity.JCS or proof.get("@context") == context)
        for proof in view.proofs
    )
