"""VCDM 2.0 structure rules for generic credentials and presentations.

The rules are those the ``w3c/vc-data-model-2.0-test-suite`` exercises (VCDM 2.0 §4.3
Contexts, §4.4 Identifiers, §4.5 Types, §4.6 Names and Descriptions, §4.7 Issuer, §4.8
Credential Subject, §4.9 Validity Period, §4.10 Status, §4.11 Data Schemas, §4.12 Securing
Mechanisms, §4.13 Verifiable Presentations, §5.4 Refreshing, §5.5 Terms of Use, §5.6
Evidence) plus "every term must be defined" (§4.3: JSON-LD processing must not drop terms).
Each rule returns :class:`~node.errors.Problem` entries; nothing here raises on bad input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from node.errors import Problem
from vc.errors import MalformedError, UndefinedTermError, UnknownContextError
from vc.jsonld import expand_strict

CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"

# RFC 3986 §3.1: a scheme, a colon, and no characters an IRI may not hold (RFC 3987 §2.2).
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*")
# XML Schema 1.1 dateTimeStamp (VCDM 2.0 §4.9): a dateTime whose timezone is mandatory.
_DATE_TIME_STAMP = re.compile(
    r"-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d"
    r"(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))"
)
# VCDM 1.1 §4.6/§4.7: issuanceDate / expirationDate are XSD dateTime (timezone optional).
_DATE_TIME = re.compile(_DATE_TIME_STAMP.pattern + "?")
_LANGUAGE_VALUE_KEYS = frozenset({"@value", "@language", "@direction"})
# VCDM 2.0 §4.10-§4.11, §5.4-§5.6: these objects must say what they are (`type`).
_TYPED_PROPERTIES = ("credentialStatus", "refreshService", "termsOfUse", "evidence")
# VCDM 2.0 §5.3 Integrity of Related Resources: the digests the W3C publishes for the base
# context (the values the W3C test suite accepts). Other resources cannot be fetched offline,
# so their digests are only checked for shape.
_KNOWN_DIGESTS: dict[str, frozenset[str]] = {
    CREDENTIALS_V2: frozenset(
        {
            "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg",
            "uJKGMkOmFbVJhEfKTduMC2XCyvRAYLjOVmZWwIH1wQ7k",
        }
    )
}


def is_url(value: Any) -> bool:
    return isinstance(value, str) and _URL.fullmatch(value) is not None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def parse_timestamp(value: Any, *, require_timezone: bool = True) -> datetime | None:
    """A dateTimeStamp (or, when allowed, a dateTime taken as UTC) as an aware datetime."""
    pattern = _DATE_TIME_STAMP if require_timezone else _DATE_TIME
    if not isinstance(value, str) or not pattern.fullmatch(value):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:  # e.g. year 0 or more than four digits: valid XSD, not for Python
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def is_vcdm11(document: Any) -> bool:
    """True for a VCDM 1.1 document (first context credentials/v1)."""
    return isinstance(document, Mapping) and as_list(document.get("@context"))[:1] == [
        CREDENTIALS_V1
    ]


def _context_problems(
    document: Mapping[str, Any], label: str, first: tuple[str, ...] = (CREDENTIALS_V2,)
) -> list[Problem]:
    contexts = as_list(document.get("@context"))
    if not contexts or contexts[0] not in first:
        return [Problem("@context", f"the first {label} context must be {' or '.join(first)}")]
    problems = []
    for index, context in enumerate(contexts):
        if isinstance(context, str):
            if not is_url(context):
                problems.append(Problem(f"@context[{index}]", "a context must be a URL"))
        elif not isinstance(context, Mapping):
            problems.append(Problem(f"@context[{index}]", "a context is a URL or an object"))
    return problems


def _type_problems(document: Mapping[str, Any], required: str) -> list[Problem]:
    types = document.get("type")
    if not all(isinstance(t, str) and t for t in as_list(types)):
        return [Problem("type", "every type must be a non-empty string")]
    if required not in as_list(types):
        return [Problem("type", f"type must include {required}")]
    return []


def _id_problems(value: Any, element: str) -> list[Problem]:
    if not is_url(value):
        return [Problem(element, "an id must be a single URL")]
    return []


def _language_problems(document: Mapping[str, Any], prefix: str) -> list[Problem]:
    """§4.6 and §11.1 Language and Base Direction: a string or language value objects."""
    problems = []
    for name in ("name", "description"):
        if name not in document:
            continue
        for value in as_list(document[name]) or [None]:
            if isinstance(value, str):
                continue
            ok = (
                isinstance(value, Mapping)
                and isinstance(value.get("@value"), str)
                and set(value) <= _LANGUAGE_VALUE_KEYS
                and all(isinstance(value[k], str) for k in value)
            )
            if not ok:
                problems.append(
                    Problem(prefix + name, "must be a string or a language value object")
                )
                break
    return problems


def _issuer_problems(issuer: Any) -> list[Problem]:
    if isinstance(issuer, str):
        return _id_problems(issuer, "issuer")
    if isinstance(issuer, Mapping):
        return _id_problems(issuer.get("id"), "issuer.id") + _language_problems(issuer, "issuer.")
    return [Problem("issuer", "issuer must be a URL or an object with a URL id")]


def _subject_problems(subjects: Any) -> list[Problem]:
    items = as_list(subjects)
    if not items:
        return [Problem("credentialSubject", "credentialSubject is missing")]
    problems = []
    for index, subject in enumerate(items):
        element = "credentialSubject" + (f"[{index}]" if isinstance(subjects, list) else "")
        if not isinstance(subject, Mapping) or not subject:
            problems.append(Problem(element, "a subject must be an object with claims"))
        elif "id" in subject:
            problems.extend(_id_problems(subject["id"], f"{element}.id"))
    return problems


def _typed_problems(document: Mapping[str, Any]) -> list[Problem]:
    problems = []
    for name in (*_TYPED_PROPERTIES, "credentialSchema", "proof"):
        for value in as_list(document.get(name)):
            if not isinstance(value, Mapping):
                problems.append(Problem(name, "must be an object (or a list of objects)"))
                continue
            types = value.get("type")
            if not as_list(types) or not all(isinstance(t, str) and t for t in as_list(types)):
                problems.append(Problem(f"{name}.type", "a non-empty string type is required"))
            if name == "credentialSchema" or "id" in value:
                problems.extend(_id_problems(value.get("id"), f"{name}.id"))
    return problems


def _related_resource_problems(document: Mapping[str, Any]) -> list[Problem]:
    """VCDM 2.0 §5.3: objects with a unique URL ``id`` and a digestSRI or digestMultibase."""
    if "relatedResource" not in document:
        return []
    problems = []
    seen: set[str] = set()
    for value in as_list(document["relatedResource"]) or [None]:
        if not isinstance(value, Mapping):
            return [Problem("relatedResource", "must be one or more objects")]
        resource = value.get("id")
        problems += _id_problems(resource, "relatedResource.id")
        if isinstance(resource, str):
            if resource in seen:
                problems.append(Problem("relatedResource.id", f"{resource} is listed twice"))
            seen.add(resource)
        digests = [value[k] for k in ("digestSRI", "digestMultibase") if k in value]
        if not digests or not all(isinstance(d, str) and d for d in digests):
            problems.append(
                Problem("relatedResource", "each needs a digestSRI or digestMultibase string")
            )
        known = _KNOWN_DIGESTS.get(resource) if isinstance(resource, str) else None
        if known is not None and any(d not in known for d in digests):
            problems.append(Problem("relatedResource", f"the digest of {resource} is wrong"))
    return problems


def _validity_problems(
    document: Mapping[str, Any], names: tuple[str, str] = ("validFrom", "validUntil")
) -> list[Problem]:
    problems = []
    dates: dict[str, datetime] = {}
    stamp = names[0] == "validFrom"  # VCDM 2.0 needs the timezone, 1.1 does not
    for name in names:
        if name in document:
            parsed = parse_timestamp(document[name], require_timezone=stamp)
            if parsed is None:
                problems.append(Problem(name, "must be an XML Schema dateTime(Stamp)"))
            else:
                dates[name] = parsed
    if len(dates) == 2 and dates[names[1]] < dates[names[0]]:
        problems.append(Problem(names[1], f"{names[1]} is before {names[0]}"))
    return problems


def _iri_problems(node: Any, problems: list[str]) -> None:
    """Expanded properties and types must be absolute IRIs (expand_strict only checks that
    they expand; a mapping such as ``"https ://x#T"`` expands to something not an IRI)."""
    if isinstance(node, list):
        for item in node:
            _iri_problems(item, problems)
    elif isinstance(node, Mapping):
        for key, value in node.items():
            if key == "@type" and "@value" not in node:
                problems.extend(f"type '{t}'" for t in as_list(value) if not is_url(t))
            elif not key.startswith("@"):
                if not is_url(key):
                    problems.append(f"property '{key}'")
                _iri_problems(value, problems)
            elif key != "@value":
                _iri_problems(value, problems)


def term_problems(document: Mapping[str, Any]) -> list[Problem]:
    """JSON-LD: every term defined, every context bundled, every expanded IRI absolute."""
    try:
        expanded = expand_strict(dict(document))
    except (UndefinedTermError, UnknownContextError, MalformedError) as exc:
        return [Problem("@context", str(exc))]
    except (TypeError, ValueError, KeyError) as exc:  # pyld on input it does not expect
        return [Problem("@context", f"invalid JSON-LD: {exc}")]
    bad: list[str] = []
    _iri_problems(expanded, bad)
    if bad:
        return [Problem("@context", "terms that are not absolute IRIs: " + ", ".join(bad))]
    return []


def credential_problems(credential: Any) -> list[Problem]:
    """Every VCDM 2.0 rule a credential (secured or not) breaks; [] when it is well-formed.

    A credential whose first context is credentials/v1 is held to the VCDM 1.1 rules instead
    (the eddsa test suite still issues and verifies 1.1 credentials with Data Integrity).
    """
    if not isinstance(credential, Mapping):
        return [Problem("credential", "a credential must be a JSON object")]
    v11 = is_vcdm11(credential)
    problems = _context_problems(credential, "credential", (CREDENTIALS_V2, CREDENTIALS_V1))
    problems += _type_problems(credential, "VerifiableCredential")
    if "id" in credential:
        problems += _id_problems(credential["id"], "id")
    if "issuer" not in credential:
        problems.append(Problem("issuer", "issuer is missing"))
    else:
        problems += _issuer_problems(credential["issuer"])
    problems += _subject_problems(credential.get("credentialSubject"))
    problems += _language_problems(credential, "")
    if v11:  # VCDM 1.1 §4.6: issuanceDate is required
        if "issuanceDate" not in credential:
            problems.append(Problem("issuanceDate", "a VCDM 1.1 credential needs issuanceDate"))
        problems += _validity_problems(credential, ("issuanceDate", "expirationDate"))
    else:
        problems += _validity_problems(credential)
    problems += _typed_problems(credential)
    problems += _related_resource_problems(credential)
    if not problems:  # expansion of a broken document only repeats the problems above
        problems += term_problems(credential)
    return problems


def issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def presentation_problems(presentation: Any) -> list[Problem]:
    """VCDM 2.0 §4.13 rules for a presentation (its credentials are checked one by one)."""
    if not isinstance(presentation, Mapping):
        return [Problem("verifiablePresentation", "a presentation must be a JSON object")]
    problems = _context_problems(presentation, "presentation")
    problems += _type_problems(presentation, "VerifiablePresentation")
    if "id" in presentation:
        problems += _id_problems(presentation["id"], "id")
    if "holder" in presentation:
        holder = presentation["holder"]
        if isinstance(holder, Mapping):
            problems += _id_problems(holder.get("id"), "holder.id")
        else:
            problems += _id_problems(holder, "holder")
    for index, credential in enumerate(as_list(presentation.get("verifiableCredential"))):
        if not isinstance(credential, Mapping):
            problems.append(
                Problem(f"verifiableCredential[{index}]", "a credential must be an object")
            )
    problems += _typed_problems({"proof": presentation.get("proof")})
    if not problems:
        problems += term_problems(presentation)
    return problems
