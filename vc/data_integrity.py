"""W3C Data Integrity proofs with the EdDSA cryptosuites v1.0 (``eddsa-rdfc-2022``,
``eddsa-jcs-2022``), including proof sets and proof chains.

References: VC Data Integrity 1.0 (DI) §4.1 Add Proof, §4.2 Add Proof Set/Chain, §4.3
Verify Proof, §4.4 Verify Proof Sets and Chains; VC DI EdDSA 1.0 (EDDSA) §3.2
(eddsa-rdfc-2022) and §3.3 (eddsa-jcs-2022).

Only input that is not a JSON object (or a proof that is not an object) raises
:class:`MalformedError`; every verification failure is reported in :class:`VerifyResult`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal

import pyoxigraph
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from vc import jcs
from vc.errors import KeyResolutionError, MalformedError, VCError
from vc.jsonld import canonize, current_runner, expand_strict
from vc.multikey import multibase_decode, multibase_encode
from vc.signer import KeyResolver, Signer

__all__ = [
    "CREDENTIALS_V2",
    "CRYPTOSUITES",
    "DATA_INTEGRITY_V2",
    "JCS",
    "PROOF_TYPE",
    "RDFC",
    "Cryptosuite",
    "VerifyResult",
    "canonize_proof_config",
    "canonize_rdfc",
    "sign",
    "sign_with_digest",
    "verify",
    "with_proof_context",
]

Cryptosuite = Literal["eddsa-rdfc-2022", "eddsa-jcs-2022"]
RDFC: Cryptosuite = "eddsa-rdfc-2022"
JCS: Cryptosuite = "eddsa-jcs-2022"
CRYPTOSUITES: tuple[str, ...] = (RDFC, JCS)
PROOF_TYPE = "DataIntegrityProof"

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"

# XML Schema 1.1 dateTime (DI §2.1 `created`/`expires`); the timezone is optional in XSD.
_XSD_DATETIME = re.compile(
    r"-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d"
    r"(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))?"
)


# --- RDFC-1.0 canonicalization (EDDSA §3.2.2) ------------------------------------------
#
# pyld is the reference (jsonld.canonize). The fast path runs expand_strict (needed anyway to
# reject undefined terms) and hands the *expanded* document, which has no contexts left, to
# pyoxigraph (Rust) for JSON-LD → RDF and RDFC-1.0; the result is sorted in code point order
# (RDF-CANON §4.5 step 5; pyoxigraph does not sort). Where the two are known to differ the
# reference path is taken: control characters other than \t \n \r (pyoxigraph writes
# \uXXXX, \b, \f; pyld and rdf-canonize write them raw), non-integer or very large numbers
# (xsd:double / xsd:integer lexical forms), language tags and @direction, and anything
# pyoxigraph refuses. tests/unit/test_vc_canonical.py checks byte equality with pyld.

_RISKY_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_SAFE_INT = 2**53


def _needs_reference(node: Any) -> bool:
    """True if the expanded document holds a value the fast path may render differently."""
    if isinstance(node, str):
        return _RISKY_CHARACTERS.search(node) is not None
    if isinstance(node, bool) or node is None:
        return False
    if isinstance(node, int):
        return abs(node) >= _SAFE_INT
    if isinstance(node, list):
        return any(_needs_reference(item) for item in node)
    if isinstance(node, dict):
        if "@language" in node or "@direction" in node:
            return True
        return any(_needs_reference(k) or _needs_reference(v) for k, v in node.items())
    return True  # floats and anything unexpected


def _has_twins(quads: list[Any]) -> bool:
    """True when two blank nodes have the same first-degree hash (RDFC-1.0 §4.6): only then
    does canonicalisation need Hash N-Degree Quads, the step whose cost is exponential.

    The first-degree hash of a blank node is the hash of its quads with itself written
    ``_:a`` and every other blank node ``_:z``; equal hashes are equal sorted quad lists.
    """
    mentions: dict[str, list[tuple[Any, ...]]] = {}
    for quad in quads:
        terms = (quad.subject, quad.predicate, quad.object, quad.graph_name)
        for term in terms:
            if isinstance(term, pyoxigraph.BlankNode):
                mentions.setdefault(term.value, []).append(terms)
    seen: set[tuple[str, ...]] = set()
    for node, quad_terms in mentions.items():
        signature = tuple(
            sorted(
                " ".join(
                    ("_:a" if t.value == node else "_:z")
                    if isinstance(t, pyoxigraph.BlankNode)
                    else str(t)
                    for t in terms
                )
                for terms in quad_terms
            )
        )
        if signature in seen:
            return True
        seen.add(signature)
    return False


def canonize_rdfc(document: Mapping[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads of ``document``, byte-identical to :func:`canonize`.

    Raises :class:`UndefinedTermError` / :class:`UnknownContextError` like expand_strict,
    :class:`LimitExceeded` for a document too costly to canonicalise. Runs in the thread's
    runner when it has one (vc.jsonld.running_in).
    """
    run = current_runner()
    if run is not None:
        canonical: str = run("canonize_rdfc", dict(document))
        return canonical
    expanded = expand_strict(dict(document))
    if _needs_reference(expanded):
        return canonize(dict(document))
    try:
        quads = list(
            pyoxigraph.parse(
                json.dumps(expanded, ensure_ascii=False), format=pyoxigraph.RdfFormat.JSON_LD
            )
        )
        if _has_twins(quads):  # pyoxigraph's deep iterations are unbounded: the bounded path
            return canonize(dict(document))
        dataset = pyoxigraph.Dataset(quads)
        dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
        serialized = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS)
    except (SyntaxError, ValueError):
        return canonize(dict(document))
    assert serialized is not None
    lines = serialized.decode("utf-8").split("\n")[:-1]
    return "".join(line + "\n" for line in sorted(lines))


@lru_cache(maxsize=1024)
def _canonize_config_json(config_json: str) -> str:
    return canonize_rdfc(json.loads(config_json))


_PLACEHOLDER = "2000-01-01T00:00:00Z"
_DATETIME_LITERAL = '"{}"^^<http://www.w3.org/2001/XMLSchema#dateTime>'
_BLANK_NODE = re.compile(r"_:c14n\d+")


def canonize_proof_config(config: Mapping[str, Any]) -> str:
    """RDFC-1.0 of a proof configuration (EDDSA §3.2.5), memoised.

    Proof configurations differ mostly by ``created``. When the canonical form has a single
    blank node (always ``_:c14n0``: RDF-CANON §4.4 labels do not depend on literals then) and
    ``created`` appears exactly once as an xsd:dateTime literal, the form computed with a
    placeholder date is reused with the real date substituted and the lines re-sorted.
    """
    created = config.get("created")
    if isinstance(created, str) and _XSD_DATETIME.fullmatch(created):
        template = _canonize_config_json(
            jcs.dumps({**config, "created": _PLACEHOLDER}).decode("utf-8")
        )
        placeholder = _DATETIME_LITERAL.format(_PLACEHOLDER)
        if template.count(placeholder) == 1 and set(_BLANK_NODE.findall(template)) == {"_:c14n0"}:
            lines = template.replace(placeholder, _DATETIME_LITERAL.format(created))
            return "".join(line + "\n" for line in sorted(lines.split("\n")[:-1]))
    return _canonize_config_json(jcs.dumps(dict(config)).decode("utf-8"))


# --- Proofs -------------------------------------------------------------------------------


@dataclass
class VerifyResult:
    """Outcome of :func:`verify`. ``key_ids``/``controllers`` list the verification methods
    whose proofs verified, so the caller can check them against the issuer (VCDM 2.0 §7.1).
    """

    ok: bool
    problems: list[str] = field(default_factory=list)
    key_ids: list[str] = field(default_factory=list)
    controllers: list[str] = field(default_factory=list)


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _contexts(document: Mapping[str, Any]) -> list[Any]:
    return _as_list(document.get("@context"))


def with_proof_context(document: dict[str, Any]) -> dict[str, Any]:
    """DI §2.1: a JSON-LD document secured with DataIntegrityProof must bring the terms —
    through credentials v2 or data-integrity v2. Add the latter if neither is present."""
    contexts = _contexts(document)
    if "@context" not in document or CREDENTIALS_V2 in contexts or DATA_INTEGRITY_V2 in contexts:
        return document
    return {**document, "@context": [*contexts, DATA_INTEGRITY_V2]}


# The RDFC-1.0 form of each document one verify() call canonicalises: every proof of a set
# signs the same document, which is canonicalised once (an error, too, is kept and re-raised).
# A document is known by its members — names and the very value objects, alive for the whole
# call: each proof's document is a shallow copy of the same unsecured document, and one
# whose "proof" (a chain) or "@context" (jcs) differs holds another object there.
_Canonical = dict[tuple[tuple[str, int], ...], "str | VCError"]


def _canonical(document: Mapping[str, Any], memo: _Canonical | None) -> str:
    if memo is None:
        return canonize_rdfc(dict(document))
    key = tuple((name, id(value)) for name, value in document.items())
    if key not in memo:
        try:
            memo[key] = canonize_rdfc(dict(document))
        except VCError as exc:
            memo[key] = exc
    found = memo[key]
    if isinstance(found, VCError):
        raise found
    return found


def _hash_data(
    unsecured: Mapping[str, Any],
    options: Mapping[str, Any],
    *,
    strict_terms: bool,
    halves: list[bytes] | None = None,
    memo: _Canonical | None = None,
) -> bytes:
    """EDDSA §3.2.3/§3.3.3 Hashing: sha256(canonical proof config) || sha256(transformed doc).

    ``unsecured`` already carries the matching previous proofs of a chain (DI §4.2 step 5);
    ``options`` is the proof without ``proofValue`` (and, for jcs, with its ``@context``).
    For jcs, a ``halves`` list receives :func:`_jcs_halves` of ``unsecured`` around "proof".
    ``memo``: canonical forms already computed by this verification.
    """
    suite = options.get("cryptosuite")
    if suite == RDFC:
        # EDDSA §3.2.5 Proof Configuration: the proof options under the document's @context.
        config = {k: v for k, v in options.items() if k != "@context"}
        if "@context" in unsecured:
            config["@context"] = unsecured["@context"]
        try:
            canonical_config = canonize_proof_config(config)
        except (jcs.CanonicalizationError, TypeError) as exc:
            raise MalformedError(f"proof options not representable in JCS: {exc}") from exc
        # EDDSA §3.2.2 Transformation: RDFC-1.0 of the document (undefined terms rejected).
        canonical_document = _canonical(unsecured, memo)
        config_bytes = canonical_config.encode("utf-8")
        document_bytes = canonical_document.encode("utf-8")
    elif suite == JCS:
        # EDDSA §3.3.5 Proof Configuration and §3.3.2 Transformation: RFC 8785.
        if strict_terms and "@context" in unsecured:
            _canonical(unsecured, memo)  # reject undefined terms like the rdfc suite does
        try:
            config_bytes = jcs.dumps(dict(options))
            if halves is None:
                document_bytes = jcs.dumps(dict(unsecured))
            else:
                halves.extend(_jcs_halves(unsecured, "proof"))
                document_bytes = _join_jcs(*halves)
        except (jcs.CanonicalizationError, TypeError) as exc:
            # RFC 8785 §3.2.2.3: integers beyond 2^53 and non-finite numbers have no JCS form.
            raise MalformedError(f"not representable in JCS (RFC 8785): {exc}") from exc
    else:
        raise MalformedError(f"unsupported cryptosuite: {suite!r}")
    return hashlib.sha256(config_bytes).digest() + hashlib.sha256(document_bytes).digest()


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _jcs_halves(document: Mapping[str, Any], key: str) -> tuple[bytes, bytes]:
    """JCS of the members of ``document`` that sort before ``key`` and of those after it.

    RFC 8785 §3.2.3 orders members by the UTF-16 code units of their names, so the JCS of
    ``document`` is the two halves joined (:func:`_join_jcs`), and that of ``document`` with
    a member ``key`` added is the halves with that member between them.
    """
    pivot = _utf16_key(key)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in document.items():
        if not isinstance(name, str):
            raise jcs.CanonicalizationError("object keys must be strings")
        ascii_only = name.isascii() and key.isascii()
        first = name < key if ascii_only else _utf16_key(name) < pivot
        (before if first else after)[name] = value
    return jcs.dumps(before), jcs.dumps(after)


def _join_jcs(*objects: bytes) -> bytes:
    """The JCS of an object from the JCS of its parts, given in member order."""
    members = [part[1:-1] for part in objects if part != b"{}"]
    return b"{" + b",".join(members) + b"}"


def _existing_proofs(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    proofs = _as_list(document.get("proof"))
    for proof in proofs:
        if not isinstance(proof, dict):
            raise MalformedError("every proof must be a JSON object")
    return proofs


def _matching_proofs(
    all_proofs: list[dict[str, Any]], previous: str | list[str]
) -> list[dict[str, Any]]:
    """DI §4.2 step 4 / §4.4 step 4.2: the proofs a chained proof names in ``previousProof``."""
    matching = []
    for proof_id in _as_list(previous):
        found = [p for p in all_proofs if isinstance(proof_id, str) and p.get("id") == proof_id]
        if not found:
            raise MalformedError(f"previousProof {proof_id!r} is not in the proof set")
        matching.append(found[0])
    return matching


def sign(
    document: Mapping[str, Any],
    signer: Signer,
    *,
    cryptosuite: Cryptosuite,
    created: str | None = None,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | list[str] | None = None,
    previous_proof: str | list[str] | None = None,
    proof_id: str | None = None,
    strict_terms: bool = True,
) -> dict[str, Any]:
    """Return a copy of ``document`` with one more Data Integrity proof (DI §4.1/§4.2).

    Existing proofs are kept (a proof set); ``previous_proof`` names the ids of the proofs
    this one chains to. ``created`` defaults to now (UTC, seconds). For ``eddsa-rdfc-2022``
    undefined JSON-LD terms always raise :class:`UndefinedTermError`; for ``eddsa-jcs-2022``
    only when ``strict_terms`` (the default) and the document has an ``@context``.
    """
    return _sign(
        document,
        signer,
        cryptosuite=cryptosuite,
        created=created,
        proof_purpose=proof_purpose,
        challenge=challenge,
        domain=domain,
        previous_proof=previous_proof,
        proof_id=proof_id,
        strict_terms=strict_terms,
    )[0]


def _sign(
    document: Mapping[str, Any],
    signer: Signer,
    *,
    cryptosuite: Cryptosuite,
    created: str | None = None,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | list[str] | None = None,
    previous_proof: str | list[str] | None = None,
    proof_id: str | None = None,
    strict_terms: bool = True,
) -> tuple[dict[str, Any], list[bytes] | None]:
    """:func:`sign`; also the JCS halves of the signed document around "proof" (jcs only)."""
    if not isinstance(document, Mapping):
        raise MalformedError("the document to sign must be a JSON object")
    if cryptosuite not in CRYPTOSUITES:
        raise ValueError(f"unsupported cryptosuite: {cryptosuite!r}")
    if signer.algorithm != "Ed25519":
        raise ValueError(f"{cryptosuite} needs an Ed25519 signer, got {signer.algorithm}")
    if created is not None and not _XSD_DATETIME.fullmatch(created):
        raise MalformedError(f"'created' is not an XML Schema dateTime: {created!r}")
    all_proofs = _existing_proofs(document)
    unsecured = with_proof_context({k: v for k, v in document.items() if k != "proof"})

    proof: dict[str, Any] = {"type": PROOF_TYPE}
    if proof_id is not None:
        proof["id"] = proof_id
    proof["cryptosuite"] = cryptosuite
    proof["created"] = created or _utc_now()
    proof["verificationMethod"] = signer.key_id
    proof["proofPurpose"] = proof_purpose
    if previous_proof is not None:
        proof["previousProof"] = previous_proof
    if challenge is not None:
        proof["challenge"] = challenge
    if domain is not None:
        proof["domain"] = domain
    # EDDSA §3.3.1 step 2: the jcs proof carries the document's @context.
    if cryptosuite == JCS and "@context" in unsecured:
        proof["@context"] = copy.deepcopy(unsecured["@context"])  # no aliasing with the doc

    to_sign = dict(unsecured)
    if previous_proof is not None:
        to_sign["proof"] = _matching_proofs(all_proofs, previous_proof)  # DI §4.2 step 5
    # jcs without a chain: the document's JCS is kept in two halves around "proof", so the
    # JCS of the secured document (its leaf digest) only needs the proof serialised.
    halves: list[bytes] | None = [] if cryptosuite == JCS and previous_proof is None else None
    hash_data = _hash_data(to_sign, proof, strict_terms=strict_terms, halves=halves)
    # EDDSA §3.x.6 Proof Serialization: Ed25519 over hashData, multibase base58btc.
    proof["proofValue"] = multibase_encode(signer.sign(hash_data))

    secured = dict(unsecured)
    secured["proof"] = [*all_proofs, proof] if all_proofs else proof
    return secured, halves


def sign_with_digest(
    document: Mapping[str, Any], signer: Signer, **options: Any
) -> tuple[dict[str, Any], bytes]:
    """:func:`sign` (same arguments), and the SHA-256 of the JCS (RFC 8785) of the secured
    document — ``vc.digest.data_integrity_digest`` of it — for eddsa-jcs-2022 without a
    chain made from the document's JCS already computed for signing."""
    secured, halves = _sign(document, signer, **options)
    if halves is None:
        from vc.digest import data_integrity_digest

        return secured, data_integrity_digest(secured)
    try:
        proof_member = jcs.dumps({"proof": secured["proof"]})
    except (jcs.CanonicalizationError, TypeError, ValueError) as exc:
        raise MalformedError(f"credential cannot be canonicalised (RFC 8785): {exc}") from exc
    return secured, hashlib.sha256(_join_jcs(halves[0], proof_member, halves[1])).digest()


def _named(value: Any) -> str:
    """A value for a message: quoted, or "(none)" — never a Python ``None``."""
    return "(none)" if value is None else repr(value)


def _proof_problems(
    proof: Mapping[str, Any],
    *,
    expected_purpose: str,
    challenge: str | None,
    domain: str | None,
    now: datetime,
) -> list[str]:
    """DI §4.3 steps 1-6 and EDDSA §3.x.1: checks that need no cryptography."""
    problems = []
    if proof.get("type") != PROOF_TYPE:
        problems.append(f"unsupported proof type {_named(proof.get('type'))}")
    if proof.get("cryptosuite") not in CRYPTOSUITES:
        problems.append(f"unsupported cryptosuite {_named(proof.get('cryptosuite'))}")
    for name in ("verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof.get(name), str):
            problems.append(f"missing or non-string '{name}'")
    if isinstance(proof.get("proofPurpose"), str) and proof["proofPurpose"] != expected_purpose:
        problems.append(f"proofPurpose {proof['proofPurpose']!r} is not {expected_purpose!r}")
    for name in ("created", "expires"):
        value = proof.get(name)
        if value is not None and not (isinstance(value, str) and _XSD_DATETIME.fullmatch(value)):
            problems.append(f"'{name}' is not an XML Schema dateTime")
    expires = proof.get("expires")
    if isinstance(expires, str) and _XSD_DATETIME.fullmatch(expires):
        try:
            if datetime.fromisoformat(expires.replace("Z", "+00:00")) < now:
                problems.append("proof has expired")
        except ValueError:
            problems.append("'expires' is not a usable dateTime")
    if challenge is not None and proof.get("challenge") != challenge:
        problems.append("challenge does not match")
    if domain is not None and domain not in _as_list(proof.get("domain")):
        problems.append("domain does not match")
    return problems


def _verify_one(
    unsecured: dict[str, Any],
    proof: dict[str, Any],
    all_proofs: list[dict[str, Any]],
    resolve: KeyResolver,
    expected_purpose: str,
    strict_terms: bool,
    memo: _Canonical | None,
) -> tuple[list[str], str | None, str | None]:
    """EDDSA §3.2.2/§3.3.2 Verify Proof for one proof of a set or chain (DI §4.4 step 4)."""
    try:
        signature = multibase_decode(proof["proofValue"])
    except MalformedError as exc:
        return [f"proofValue: {exc}"], None, None
    if len(signature) != 64:
        return ["proofValue is not a 64-byte Ed25519 signature"], None, None
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    document = dict(unsecured)
    if "previousProof" in proof:
        try:
            document["proof"] = _matching_proofs(all_proofs, proof["previousProof"])
        except MalformedError as exc:
            return [str(exc)], None, None
    if proof.get("cryptosuite") == JCS and "@context" in options:
        # EDDSA §3.3.2 step 4: the document's @context must start with the proof's.
        proof_contexts, doc_contexts = _as_list(options["@context"]), _contexts(document)
        if doc_contexts[: len(proof_contexts)] != proof_contexts:
            return ["document @context does not start with the proof @context"], None, None
        document["@context"] = options["@context"]
    try:
        hash_data = _hash_data(document, options, strict_terms=strict_terms, memo=memo)
    except VCError as exc:
        return [f"cannot transform the document: {exc}"], None, None
    try:
        key = resolve(proof["verificationMethod"])
    except KeyResolutionError as exc:
        return [f"verification method: {exc}"], None, None
    problems = []
    if key.purposes is not None and proof["proofPurpose"] not in key.purposes:
        problems.append(f"{key.id} is not authorized for {proof['proofPurpose']}")
    if not isinstance(key.public_key, Ed25519PublicKey):
        return [*problems, f"{key.id} is not an Ed25519 key"], None, None
    try:
        key.public_key.verify(signature, hash_data)
    except InvalidSignature:
        problems.append(f"signature of the proof by {key.id} does not verify")
    return problems, key.id, key.controller


def verify(
    document: Any,
    resolve: KeyResolver,
    *,
    expected_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    strict_terms: bool = True,
    now: datetime | None = None,
    before_each_proof: Callable[[], None] | None = None,
) -> VerifyResult:
    """Verify every proof of ``document`` (a proof set, possibly chained; DI §4.4).

    ``ok`` only if there is at least one proof and all of them verify. Raises
    :class:`MalformedError` only when ``document`` or one of its proofs is not an object.
    ``before_each_proof`` is called before each proof's (costly) check: a deadline, say,
    which may raise to stop the verification.
    """
    if not isinstance(document, Mapping):
        raise MalformedError("the document to verify must be a JSON object")
    all_proofs = _existing_proofs(document)
    if not all_proofs:
        return VerifyResult(ok=False, problems=["document has no proof"])
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    moment = now or datetime.now(UTC)
    result = VerifyResult(ok=True)
    memo: _Canonical | None = {} if len(all_proofs) > 1 else None
    for index, proof in enumerate(all_proofs):
        if before_each_proof is not None:
            before_each_proof()
        label = f"proof {index}" if len(all_proofs) > 1 else "proof"
        problems = _proof_problems(
            proof,
            expected_purpose=expected_purpose,
            challenge=challenge,
            domain=domain,
            now=moment,
        )
        key_id = controller = None
        if not problems:
            problems, key_id, controller = _verify_one(
                unsecured, proof, all_proofs, resolve, expected_purpose, strict_terms, memo
            )
        if problems:
            result.ok = False
            result.problems.extend(f"{label}: {problem}" for problem in problems)
        elif key_id is not None and controller is not None:
            result.key_ids.append(key_id)
            result.controllers.append(controller)
    return result
