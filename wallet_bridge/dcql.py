"""DCQL, the Digital Credentials Query Language (OpenID4VP 1.0 §6, §7): parse, validate, match.

A query names the credentials a verifier wants (``credentials[]``: ``id``, ``format``,
``meta``, ``claims``, ``claim_sets``, ``multiple``) and, optionally, which combinations
satisfy it (``credential_sets[]``). Formats here: ``ldp_vc`` and ``jwt_vc_json`` (``meta``:
``type_values``, Appendix B.1.1) and ``dc+sd-jwt`` (``meta``: ``vct_values``, B.3.5).

Matching (§6.4): the response's ``vp_token`` is keyed by credential query id; each
presented credential must have the query's format, one of its type sets / vct values, and
every claim of one claim set (all claims when there are no claim sets). A claim path
(§7) is resolved against the credential: a string selects an object member, ``null`` every
element of an array, a non-negative integer one element.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wallet_bridge.errors import InvalidRequest

__all__ = [
    "FORMATS",
    "W3C_FORMATS",
    "ClaimQuery",
    "CredentialQuery",
    "CredentialSetQuery",
    "DcqlQuery",
    "InvalidDcqlQuery",
    "PathElement",
    "Presented",
    "credential_problems",
    "parse_dcql",
    "requested_claims",
    "response_problems",
    "select_path",
]

FORMATS = ("ldp_vc", "jwt_vc_json", "dc+sd-jwt")
W3C_FORMATS = ("ldp_vc", "jwt_vc_json")
_ID = re.compile(r"^[A-Za-z0-9_-]+$")
PathElement = str | int | None


class InvalidDcqlQuery(InvalidRequest):
    """The DCQL query is malformed (answered as ``invalid_request``)."""


@dataclass(frozen=True)
class ClaimQuery:
    path: tuple[PathElement, ...]
    id: str | None = None
    values: tuple[str | int | bool, ...] | None = None

    def label(self) -> str:
        return ".".join("*" if p is None else str(p) for p in self.path)


@dataclass(frozen=True)
class CredentialQuery:
    id: str
    format: str
    type_values: tuple[tuple[str, ...], ...] = ()
    vct_values: tuple[str, ...] = ()
    claims: tuple[ClaimQuery, ...] = ()
    claim_sets: tuple[tuple[str, ...], ...] = ()
    multiple: bool = False
    require_cryptographic_holder_binding: bool = True


@dataclass(frozen=True)
class CredentialSetQuery:
    options: tuple[tuple[str, ...], ...]
    required: bool = True


@dataclass(frozen=True)
class DcqlQuery:
    credentials: tuple[CredentialQuery, ...]
    credential_sets: tuple[CredentialSetQuery, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def credential(self, query_id: str) -> CredentialQuery | None:
        return next((c for c in self.credentials if c.id == query_id), None)


def _fail(where: str, reason: str) -> InvalidDcqlQuery:
    return InvalidDcqlQuery(f"dcql_query: {where}: {reason}")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise _fail(where, "must be a non-empty array of strings")
    return tuple(value)


def _path(value: Any, where: str) -> tuple[PathElement, ...]:
    if not isinstance(value, list) or not value:
        raise _fail(where, "path must be a non-empty array")
    for element in value:
        if element is None or isinstance(element, str):
            continue
        if isinstance(element, int) and not isinstance(element, bool) and element >= 0:
            continue
        raise _fail(where, "path elements are strings, null or non-negative integers")
    return tuple(value)


def _claim(value: Any, where: str) -> ClaimQuery:
    if not isinstance(value, Mapping):
        raise _fail(where, "a claims query is an object")
    claim_id = value.get("id")
    if claim_id is not None and (not isinstance(claim_id, str) or not _ID.fullmatch(claim_id)):
        raise _fail(where, "id must be a non-empty string of letters, digits, '_' and '-'")
    values = value.get("values")
    if values is not None:
        if not isinstance(values, list) or not values:
            raise _fail(where, "values must be a non-empty array")
        if not all(isinstance(v, str | int | bool) for v in values):
            raise _fail(where, "values are strings, integers or booleans")
        values = tuple(values)
    return ClaimQuery(_path(value.get("path"), where), claim_id, values)


def _meta(fmt: str, meta: Any, where: str) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    if not isinstance(meta, Mapping):
        raise _fail(where, "meta is required and is an object")
    if fmt in W3C_FORMATS:
        raw = meta.get("type_values")
        if not isinstance(raw, list) or not raw:
            raise _fail(where, "meta.type_values must be a non-empty array of string arrays")
        return tuple(_strings(t, f"{where}.meta.type_values") for t in raw), ()
    return (), _strings(meta.get("vct_values"), f"{where}.meta.vct_values")


def _credential(value: Any, index: int) -> CredentialQuery:
    where = f"credentials[{index}]"
    if not isinstance(value, Mapping):
        raise _fail(where, "a credential query is an object")
    query_id = value.get("id")
    if not isinstance(query_id, str) or not _ID.fullmatch(query_id):
        raise _fail(where, "id must be a non-empty string of letters, digits, '_' and '-'")
    fmt = value.get("format")
    if fmt not in FORMATS:
        raise _fail(where, f"format {fmt!r} is not supported; supported: {', '.join(FORMATS)}")
    type_values, vct_values = _meta(str(fmt), value.get("meta"), where)
    raw_claims = value.get("claims")
    claims: tuple[ClaimQuery, ...] = ()
    if raw_claims is not None:
        if not isinstance(raw_claims, list) or not raw_claims:
            raise _fail(where, "claims must be a non-empty array")
        claims = tuple(_claim(c, f"{where}.claims[{i}]") for i, c in enumerate(raw_claims))
    claim_ids = [c.id for c in claims if c.id is not None]
    if len(set(claim_ids)) != len(claim_ids):
        raise _fail(where, "claim ids must be unique")
    raw_sets = value.get("claim_sets")
    claim_sets: tuple[tuple[str, ...], ...] = ()
    if raw_sets is not None:
        if not claims or len(claim_ids) != len(claims):
            raise _fail(where, "claim_sets need claims, each with an id")
        if not isinstance(raw_sets, list) or not raw_sets:
            raise _fail(where, "claim_sets must be a non-empty array")
        claim_sets = tuple(_strings(s, f"{where}.claim_sets") for s in raw_sets)
        unknown = {i for s in claim_sets for i in s} - set(claim_ids)
        if unknown:
            raise _fail(where, f"claim_sets name unknown claims: {', '.join(sorted(unknown))}")
    flags = {}
    for name, default in (("multiple", False), ("require_cryptographic_holder_binding", True)):
        flag = value.get(name, default)
        if not isinstance(flag, bool):
            raise _fail(where, f"{name} must be a boolean")
        flags[name] = flag
    return CredentialQuery(
        id=query_id,
        format=str(fmt),
        type_values=type_values,
        vct_values=vct_values,
        claims=claims,
        claim_sets=claim_sets,
        **flags,
    )


def parse_dcql(value: Any) -> DcqlQuery:
    """Parse and validate a DCQL query; raise :class:`InvalidDcqlQuery` naming the problem."""
    if not isinstance(value, Mapping):
        raise _fail("query", "must be a JSON object")
    raw_credentials = value.get("credentials")
    if not isinstance(raw_credentials, list) or not raw_credentials:
        raise _fail("credentials", "must be a non-empty array")
    credentials = tuple(_credential(c, i) for i, c in enumerate(raw_credentials))
    ids = [c.id for c in credentials]
    if len(set(ids)) != len(ids):
        raise _fail("credentials", "credential query ids must be unique")
    raw_sets = value.get("credential_sets")
    sets: list[CredentialSetQuery] = []
    if raw_sets is not None:
        if not isinstance(raw_sets, list) or not raw_sets:
            raise _fail("credential_sets", "must be a non-empty array")
        for index, entry in enumerate(raw_sets):
            where = f"credential_sets[{index}]"
            if not isinstance(entry, Mapping):
                raise _fail(where, "a credential set query is an object")
            options = entry.get("options")
            if not isinstance(options, list) or not options:
                raise _fail(where, "options must be a non-empty array")
            parsed = tuple(_strings(o, f"{where}.options") for o in options)
            unknown = {i for o in parsed for i in o} - set(ids)
            if unknown:
                raise _fail(
                    where, f"options name unknown credentials: {', '.join(sorted(unknown))}"
                )
            required = entry.get("required", True)
            if not isinstance(required, bool):
                raise _fail(where, "required must be a boolean")
            sets.append(CredentialSetQuery(parsed, required))
    unknown_members = set(value) - {"credentials", "credential_sets"}
    if unknown_members:
        raise _fail("query", f"unknown members: {', '.join(sorted(unknown_members))}")
    return DcqlQuery(credentials, tuple(sets), raw=dict(value))


# ---- matching ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Presented:
    """What a presented credential shows: its format, types (W3C) or ``vct`` (SD-JWT VC),
    and the claims document claim paths are resolved against (for SD-JWT: the disclosed
    claims only)."""

    format: str
    types: tuple[str, ...] = ()
    vct: str | None = None
    claims: Mapping[str, Any] = field(default_factory=dict)


def _has(node: Any, element: str | int) -> bool:
    if isinstance(element, str):
        return isinstance(node, Mapping) and element in node
    return isinstance(node, list) and element < len(node)


def select_path(document: Any, path: Sequence[PathElement]) -> list[Any]:
    """§7.2: the values a claims path pointer selects (empty when nothing matches)."""
    selected = [document]
    for element in path:
        following: list[Any] = []
        for node in selected:
            if element is None:
                following.extend(node if isinstance(node, list) else [])
            elif _has(node, element):
                following.append(node[element])
        selected = following
    return selected


def _claim_matches(claim: ClaimQuery, claims: Mapping[str, Any]) -> bool:
    selected = select_path(claims, claim.path)
    if not selected:
        return False
    return claim.values is None or any(v in claim.values for v in selected)


def credential_problems(query: CredentialQuery, presented: Presented) -> list[str]:
    """Why ``presented`` does not answer ``query`` (empty: it does)."""
    if presented.format != query.format:
        return [f"format {presented.format} is not the requested {query.format}"]
    problems = []
    if query.type_values and not any(
        set(types) <= set(presented.types) for types in query.type_values
    ):
        wanted = " or ".join("[" + ", ".join(t) + "]" for t in query.type_values)
        problems.append(f"the credential's types are not {wanted}")
    if query.vct_values and presented.vct not in query.vct_values:
        problems.append(f"vct {presented.vct!r} is not one of {', '.join(query.vct_values)}")
    if query.claims:
        by_id = {c.id: c for c in query.claims}
        options = (
            [[by_id[i] for i in claim_set] for claim_set in query.claim_sets]
            if query.claim_sets
            else [list(query.claims)]
        )
        if not any(all(_claim_matches(c, presented.claims) for c in o) for o in options):
            missing = [c.label() for c in options[0] if not _claim_matches(c, presented.claims)]
            problems.append("requested claims missing or not matching: " + ", ".join(missing))
    return problems


def requested_claims(query: CredentialQuery, presented: Presented) -> dict[str, Any]:
    """The values of the claims the verifier asked for (what the relying party may keep)."""
    out: dict[str, Any] = {}
    for claim in query.claims:
        selected = select_path(presented.claims, claim.path)
        if selected:
            out[claim.label()] = selected[0] if len(selected) == 1 else selected
    return out


def response_problems(query: DcqlQuery, answered: Mapping[str, int]) -> list[str]:
    """§6.4.2 / §8.1: ``answered`` counts the presentations per credential query id. Unknown
    ids, several presentations for a query without ``multiple``, and unmet credential sets
    (or, without credential sets, any unanswered query) are problems."""
    problems = []
    for query_id, count in answered.items():
        credential = query.credential(query_id)
        if credential is None:
            problems.append(f"{query_id!r} is not a credential query of this request")
        elif count > 1 and not credential.multiple:
            problems.append(f"{query_id!r} allows one presentation, got {count}")
    present = {k for k, v in answered.items() if v > 0}
    if query.credential_sets:
        for index, entry in enumerate(query.credential_sets):
            if entry.required and not any(set(o) <= present for o in entry.options):
                problems.append(f"credential_sets[{index}] is not satisfied")
    else:
        missing = [c.id for c in query.credentials if c.id not in present]
        if missing:
            problems.append("no presentation for " + ", ".join(missing))
    return problems
