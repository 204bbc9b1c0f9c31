"""Creating the institution (``credreg init``) and its tokens, outside any web request."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from node.credentials.vocab import LegalStatus
from node.db.models import Institution
from node.errors import Conflict
from node.identity import (
    ANCHORING_KEY_NAME,
    ED25519_KEY_NAME,
    P256_KEY_NAME,
    VCAPI_ED25519_KEY_NAME,
    VCAPI_P256_KEY_NAME,
    did_web_for_origin,
)
from node.keys.keystore import KeyKind, KeyStore


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
    """Create the institution row and its keys; refuse if one exists."""
    LegalStatus(legal_status)  # raises ValueError for a status outside the vocabulary
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
            name=name,
            country=country.upper(),
            legal_status=legal_status,
            origin=origin.rstrip("/"),
            did=did_web_for_origin(origin),
            qa_type=qa_type,
            deqar_id=deqar_id,
        )
        session.add(institution)
        session.commit()
        return institution
