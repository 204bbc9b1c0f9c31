"""Creating the institution (``credreg init``), and correcting its details later.

The details are validated like a credential's awarding body (the EU vocabularies of
:mod:`node.credentials.vocab`): a country is an ISO 3166-1 alpha-2 code, a legal status one of
its codes. Name, country and legal status may be corrected later; the origin may not: the
institution's ``did:web`` DID is derived from it and names every credential it issued.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Final
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from pydantic.alias_generators import to_camel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from node.credentials.model import CountryCode, Legal
from node.credentials.profile import problems_from_validation_error
from node.db.models import Institution
from node.errors import Conflict, InvalidInput, NotInitialised, Problem
from node.identity import (
    ANCHORING_KEY_NAME,
    ED25519_KEY_NAME,
    P256_KEY_NAME,
    VCAPI_ED25519_KEY_NAME,
    VCAPI_P256_KEY_NAME,
    did_web_for_origin,
)
from node.keys.keystore import KeyKind, KeyStore

FIXED: Final = frozenset({"origin", "did"})
FIXED_REASON: Final = (
    "cannot be changed: the institution's did:web DID is derived from the origin and names "
    "every credential it issued (a new origin is a new institution: credreg init elsewhere)"
)


class InstitutionDetails(BaseModel):
    """What a person may set at ``credreg init`` and correct afterwards."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, validate_by_name=True
    )

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    country: CountryCode
    legal_status: Legal


class Registration(BaseModel):
    """What ``credreg init`` sets once: the origin (→ DID) and the accreditation facts that
    go on chain with the membership (changed there by governance, not here)."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel)

    origin: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    qa_type: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    deqar_id: Annotated[str, StringConstraints(pattern=r"^(DEQARINST\d{4,})?$")]


def _validated(model: type[BaseModel], data: Mapping[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation_error(exc)
        summary = "; ".join(f"{p.element}: {p.reason}" for p in problems)
        raise InvalidInput(f"invalid institution details ({summary})", problems) from None


def _origin_problems(origin: str) -> list[Problem]:
    parts = urlsplit(origin)
    if parts.query or parts.fragment or parts.username or parts.password:
        return [Problem("origin", "an origin has no query, fragment or user name")]
    try:
        did_web_for_origin(origin)
    except ValueError as exc:
        return [Problem("origin", str(exc))]
    return []


def check_institution(
    *, name: str, country: str, legal_status: str, origin: str, qa_type: str, deqar_id: str
) -> tuple[InstitutionDetails, Registration]:
    """The details of a new institution, validated (:class:`InvalidInput` naming each)."""
    details: InstitutionDetails = _validated(
        InstitutionDetails, {"name": name, "country": country, "legalStatus": legal_status}
    )
    registration: Registration = _validated(
        Registration, {"origin": origin.rstrip("/"), "qaType": qa_type, "deqarId": deqar_id}
    )
    problems = _origin_problems(registration.origin)
    if problems:
        raise InvalidInput(f"invalid origin {origin!r}: {problems[0].reason}", problems)
    return details, registration


def create_institution(
    sessions: sessionmaker[Session],
    keystore: KeyStore,
    *,
    name: str,
    country: str,
    legal_status: str,
    origin: str,
    qa_type: str = "institutional",
    deqar_id: str = "",
) -> Institution:
    """Create the institution row and its keys; refuse if one exists or a detail is invalid."""
    details, registration = check_institution(
        name=name,
        country=country,
        legal_status=legal_status,
        origin=origin,
        qa_type=qa_type,
        deqar_id=deqar_id,
    )
    with sessions() as session:
        if session.scalar(select(Institution)) is not None:
            raise Conflict("this node already has an institution")
        for key_name, kind in (
            (ED25519_KEY_NAME, KeyKind.ED25519),
            (P256_KEY_NAME, KeyKind.P256),
            (VCAPI_ED25519_KEY_NAME, KeyKind.ED25519),
            (VCAPI_P256_KEY_NAME, KeyKind.P256),
            (ANCHORING_KEY_NAME, KeyKind.SECP256K1),
        ):
            if not keystore.exists(key_name):
                keystore.create(key_name, kind)
            else:
                keystore.public_key(key_name)  # proves the passphrase opens the existing key
        institution = Institution(
            name=details.name,
            country=details.country,
            legal_status=details.legal_status.value,
            origin=registration.origin,
            did=did_web_for_origin(registration.origin),
            qa_type=registration.qa_type,
            deqar_id=registration.deqar_id,
        )
        session.add(institution)
        session.commit()
        return institution


def current_institution(sessions: sessionmaker[Session]) -> Institution:
    """The institution's row (:class:`NotInitialised` before ``credreg init``)."""
    with sessions() as session:
        row: Institution | None = session.scalar(select(Institution))
    if row is None:
        raise NotInitialised("no institution yet: run `credreg init` first")
    return row


def update_institution(sessions: sessionmaker[Session], changes: Mapping[str, str]) -> Institution:
    """Correct name, country or legal status (JSON names); every other detail stays."""
    fixed = sorted(FIXED & changes.keys())
    if fixed:
        problems = [Problem(name, FIXED_REASON) for name in fixed]
        raise InvalidInput(f"{', '.join(fixed)} {FIXED_REASON}", problems)
    with sessions() as session:
        row = session.scalar(select(Institution).with_for_update())
        if row is None:
            raise NotInitialised("no institution yet: run `credreg init` first")
        current = {"name": row.name, "country": row.country, "legalStatus": row.legal_status}
        details: InstitutionDetails = _validated(InstitutionDetails, {**current, **changes})
        row.name = details.name
        row.country = details.country
        row.legal_status = details.legal_status.value
        session.commit()
        return row
