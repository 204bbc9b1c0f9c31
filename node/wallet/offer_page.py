"""What an offer's code opens, rebuilt from the code: the offer page the institution mails
(``/offer/{offer_id}?code=…``: the credential's title, the QR code, the wallet link, whether
a PIN is needed) and the offer by reference (``/oid4vci/offers/{code}``, OpenID4VCI 1.0
§4.1.3: the Credential Offer object a wallet fetches from a ``credential_offer_uri``).

Nothing new is stored: the pre-authorized code is checked against the offer's stored hash,
and the offer (the same bytes as by value) is rebuilt from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import CredentialRecord, WalletOffer
from node.errors import NotFound
from node.issuance.views import view_of
from node.wallet.authorization import offer_with_grants
from wallet_bridge.offer import CredentialOffer, offer_uri_by_reference, same_secret, secret_hash

OFFER_PAGE_PATH = "/offer"
BY_REFERENCE_PATH = "/oid4vci/offers"


def offer_by_reference_url(credential_issuer: str, code: str) -> str:
    """Where a wallet fetches the offer (the code is the reference: nothing else to keep)."""
    return f"{credential_issuer}{BY_REFERENCE_PATH}/{code}"


@dataclass(frozen=True)
class OfferPage:
    title: str
    issuer: str
    uri: str  # by value: the on-device wallet link
    by_reference: str  # the QR code's content (small)
    needs_pin: bool
    expires_at: datetime
    state: str  # open | used | expired


def _state(offer: WalletOffer) -> str:
    if offer.redeemed_at is not None:
        return "used"
    if offer.expires_at <= datetime.now(UTC):
        return "expired"
    return "open"


def _rebuilt(
    session: Session, credential_issuer: str, offer: WalletOffer, code: str, pin_length: int
) -> CredentialOffer:
    return offer_with_grants(
        session,
        credential_issuer,
        offer.id,
        offer.record_id,
        offer.configuration_ids,
        code,
        pin_length if offer.tx_code_hash is not None else None,
    )


def offer_page(
    sessions: sessionmaker[Session],
    credential_issuer: str,
    offer_id: str,
    code: str,
    *,
    pin_length: int,
    lang: str,
) -> OfferPage:
    with sessions() as session:
        offer = session.get(WalletOffer, offer_id) if len(offer_id) <= 36 else None
        if offer is None or not code or not same_secret(secret_hash(code), offer.code_hash):
            raise NotFound("no such offer")  # the same for a wrong code: nothing to probe
        record = session.get(CredentialRecord, offer.record_id)
        assert record is not None
        uri = _rebuilt(session, credential_issuer, offer, code, pin_length).uri()
        view = view_of(record, lang)
        return OfferPage(
            view.title,
            view.issuer,
            uri,
            offer_uri_by_reference(offer_by_reference_url(credential_issuer, code)),
            offer.tx_code_hash is not None,
            offer.expires_at,
            _state(offer),
        )


def offer_by_reference(
    sessions: sessionmaker[Session], credential_issuer: str, code: str, *, pin_length: int
) -> dict[str, Any]:
    """The Credential Offer object of an open offer; an unknown, used or expired code is
    "not found" (the wallet then tells its user to ask for a new offer)."""
    with sessions() as session:
        offer = (
            session.scalar(select(WalletOffer).where(WalletOffer.code_hash == secret_hash(code)))
            if 0 < len(code) <= 100
            else None
        )
        if offer is None or _state(offer) != "open":
            raise NotFound("no such offer, or it was used or has expired")
        return _rebuilt(session, credential_issuer, offer, code, pin_length).as_json()
