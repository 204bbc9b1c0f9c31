"""An agreement's document as both parties sign it, and the checks anyone can run on it.

The document is the :class:`~node.agreements.terms.AgreementTerms` JSON with a ``proof``
set (W3C Data Integrity §2.1.1): one ``DataIntegrityProof`` with ``eddsa-jcs-2022`` per
party, each over the same terms, each by a key the network registry lists for that party.
Its digest — SHA-256 of the signed document's RFC 8785 (JCS) form — is anchored on chain
as a one-leaf Merkle root by a party.

:func:`check_document` is the verdict a node gives on any agreement document: every check
ran and passed (``valid``), one failed (``invalid``), or one could not run — the chain
cannot be read, the anchor is still to come — and the verdict says so (``unchecked``,
``pending``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final

import rfc8785
from pydantic import ValidationError

from anchoring.errors import ChainError
from anchoring.registries import MemberInfo, MemberStatus, RootInfo
from node.agreements.terms import (
    LEARNING_TYPE,
    AgreementTerms,
    LearningAgreementTerms,
    Terms,
)
from node.credentials.profile import problems_from_validation_error
from node.errors import InvalidInput, Problem
from node.ledger.single_root import single_root
from node.network.governance import ChainDown
from node.trust import Trust, TrustUnavailable
from vc import data_integrity
from vc.errors import MalformedError
from vc.signer import Signer, VerificationKey

CRYPTOSUITE: Final = data_integrity.JCS


def digest_of(document: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the document's RFC 8785 canonical JSON; InvalidInput when it has
    none (a number JSON cannot carry exactly: infinity, NaN, an integer past 2^53)."""
    try:
        return hashlib.sha256(rfc8785.dumps(dict(document))).hexdigest()
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        problem = Problem("agreement", f"no JCS form: {exc}")
        raise InvalidInput("agreement refused", [problem]) from None


def parsed_terms(document: Mapping[str, Any]) -> Terms:
    """The document's terms (without ``proof``), validated against the published schema of
    its type (a recognition agreement, or a learning agreement); InvalidInput names each
    element refused."""
    terms = {k: v for k, v in document.items() if k != "proof"}
    model: type[Terms] = (
        LearningAgreementTerms if terms.get("type") == LEARNING_TYPE else AgreementTerms
    )
    try:
        return model.model_validate(terms)
    except ValidationError as exc:
        raise InvalidInput("agreement refused", problems_from_validation_error(exc)) from None


def recognition_terms(document: Mapping[str, Any]) -> AgreementTerms:
    """:func:`parsed_terms` of a recognition agreement (InvalidInput for another type)."""
    terms = parsed_terms(document)
    if not isinstance(terms, AgreementTerms):
        raise InvalidInput("refused", [Problem("agreement", "not a recognition agreement")])
    return terms


def signed(terms: Mapping[str, Any], proofs: list[dict[str, Any]]) -> dict[str, Any]:
    """The document: the terms with their proof set."""
    return {**terms, "proof": list(proofs)}


def add_proof(document: Mapping[str, Any], signer: Signer) -> dict[str, Any]:
    """The document with one more proof (a proof set: each signs the terms alone)."""
    secured = data_integrity.sign(document, signer, cryptosuite=CRYPTOSUITE)
    proofs = secured["proof"]
    return {**secured, "proof": proofs if isinstance(proofs, list) else [proofs]}


def proofs_of(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    proofs = document.get("proof")
    if isinstance(proofs, dict):
        return [proofs]
    if isinstance(proofs, list) and all(isinstance(p, dict) for p in proofs):
        return list(proofs)
    return []


class Signatures:
    """Who signed a document, by keys the chain lists (``trust.key``)."""

    def __init__(self, trust: Trust) -> None:
        self._trust = trust

    def signers(self, document: Mapping[str, Any], at: int | None = None) -> list[str]:
        """The DIDs whose proofs verify, in order; InvalidInput naming the first that does
        not (a key the chain does not list for its DID included). TrustUnavailable when the
        chain cannot answer."""

        def resolve(vm_id: str) -> VerificationKey:
            return self._trust.key(vm_id, at)

        try:
            result = data_integrity.verify(document, resolve)
        except MalformedError as exc:
            raise InvalidInput("agreement refused", [Problem("proof", str(exc))]) from None
        if not result.ok:
            raise InvalidInput("agreement refused", [Problem("proof", result.problems[0])])
        return list(result.controllers)


@dataclass(frozen=True)
class Check:
    name: str  # terms | validity | anchor | parties | signatures | modules
    ok: bool | None  # None: could not be checked now
    detail: str


@dataclass(frozen=True)
class AgreementReport:
    verdict: str  # valid | invalid | pending | unchecked
    checks: list[Check] = field(default_factory=list)
    digest: str | None = None
    network: str | None = None  # which network vouches, how many members

    def as_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "digest": self.digest,
            "network": self.network,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }


def _verdict(checks: list[Check]) -> str:
    if any(c.ok is False for c in checks):
        return "invalid"
    if any(c.ok is None and c.name == "anchor" and "not anchored" in c.detail for c in checks):
        return "pending"
    return "unchecked" if any(c.ok is None for c in checks) else "valid"


@dataclass(frozen=True)
class ChainView:
    """What the checks read from the chain."""

    trust: Trust
    members: Callable[[], tuple[MemberInfo, ...]]
    root_info: Callable[[bytes], RootInfo | None]


def check_document(
    document: object, chain: ChainView | None, today: date | None = None
) -> AgreementReport:
    """Every check of an agreement document (see the module's docstring)."""
    if not isinstance(document, Mapping):
        check = Check("terms", False, "the agreement is not a JSON object")
        return AgreementReport("invalid", [check])
    try:
        terms = parsed_terms(document)
    except InvalidInput as exc:
        first = exc.problems[0] if exc.problems else Problem("agreement", "refused")
        check = Check("terms", False, f"{first.element}: {first.reason}")
        return AgreementReport("invalid", [check])
    try:
        digest = digest_of(document)
    except InvalidInput as exc:
        return AgreementReport("invalid", [Check("terms", False, exc.problems[0].reason)])
    checks = [Check("terms", True, "valid against the agreement schema (v1)")]
    checks.append(_validity(terms, today or datetime.now(UTC).date()))
    if chain is None:
        checks += [
            Check(name, None, "this node has no chain to check it against")
            for name in ("anchor", "parties", "signatures", "modules")
        ]
        return AgreementReport(_verdict(checks), checks, digest)
    try:
        network = chain.trust.network()
        members = {m.did: m for m in chain.members()}
        info = chain.root_info(bytes.fromhex(single_root(digest)))
    except (ChainError, TrustUnavailable, ChainDown) as exc:
        checks += [
            Check(name, None, f"cannot be checked now: {exc}")
            for name in ("anchor", "parties", "signatures", "modules")
        ]
        return AgreementReport(_verdict(checks), checks, digest)
    checks.append(_anchored(terms, members, info))
    checks.append(_parties(terms, members))
    checks.append(_signatures(document, terms, chain.trust, info))
    checks.append(_modules(terms, members, chain.root_info))
    label = f"{network.name or f'chain {network.chain_id}'} ({network.members} active members)"
    return AgreementReport(_verdict(checks), checks, digest, label)


def _validity(terms: Terms, today: date) -> Check:
    span = f"{terms.valid_from.isoformat()} to {terms.valid_until.isoformat()}"
    if terms.ended:
        return Check("validity", False, f"this version ends the agreement (was valid {span})")
    if today < terms.valid_from:
        return Check("validity", False, f"not in force yet: valid {span}")
    if today > terms.valid_until:
        return Check("validity", False, f"expired: valid {span}")
    return Check("validity", True, f"in force: valid {span}")


def _anchored(terms: Terms, members: dict[str, MemberInfo], info: RootInfo | None) -> Check:
    if info is None:
        return Check("anchor", None, "its digest is not anchored on chain (yet)")
    parties = {members[did].id: did for did in terms.dids if did in members}
    if info.member not in parties:
        return Check("anchor", False, f"anchored by member {info.member}, not by a party")
    when = datetime.fromtimestamp(info.timestamp, UTC).isoformat(timespec="seconds")
    return Check(
        "anchor", True, f"anchored by {parties[info.member]} in block {info.block_number} ({when})"
    )


def _modules(
    terms: Terms,
    members: dict[str, MemberInfo],
    root_info: Callable[[bytes], RootInfo | None],
) -> Check:
    """Each module's catalogue version (its digest) anchored by the party offering it."""
    for module in terms.modules:
        try:
            info = root_info(bytes.fromhex(single_root(module.digest)))
        except ChainError as exc:
            return Check("modules", None, f"cannot be checked now: {exc}")
        if info is None:
            return Check("modules", None, f"{module.entry}: its digest is not anchored (yet)")
        offering = members.get(module.offered_by)
        if offering is None or info.member != offering.id:
            return Check("modules", False, f"{module.entry}: not anchored by {module.offered_by}")
    return Check("modules", True, "each module's description is anchored by its party")


def _parties(terms: Terms, members: dict[str, MemberInfo]) -> Check:
    for did in terms.dids:
        member = members.get(did)
        if member is None:
            return Check("parties", False, f"{did} is not a member of the network")
        if member.status is not MemberStatus.ACTIVE:
            return Check("parties", False, f"{did} is {member.status.name.lower()}")
    return Check("parties", True, "both parties are active members")


def _signatures(
    document: Mapping[str, Any], terms: Terms, trust: Trust, info: RootInfo | None
) -> Check:
    try:
        signers = Signatures(trust).signers(document, info.timestamp if info else None)
    except InvalidInput as exc:
        return Check("signatures", False, exc.problems[0].reason)
    except TrustUnavailable as exc:
        return Check("signatures", None, f"cannot be checked now: {exc}")
    missing = [did for did in terms.dids if did not in signers]
    if missing:
        return Check("signatures", False, f"not signed by {missing[0]}")
    if len(signers) != 2:
        return Check("signatures", False, f"{len(signers)} proofs: one per party expected")
    return Check("signatures", True, "signed by both parties with keys the network lists")
