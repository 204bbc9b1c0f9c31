"""The offer page the institution mails (``/offer/{offer_id}?code=…``): the credential's
title, the QR code and the ``openid-credential-offer://`` link, and whether a PIN is needed.

Nothing new is stored: the pre-authorized code in the page's URL is checked against the
offer's stored hash, and the offer (the same bytes as in the mail) is rebuilt from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from node.db.models import CredentialRecord, WalletOffer
from node.errors import NotFound
from node.learners.accounts import view_of
from node.wallet.authorization import offer_with_grants
from wallet_bridge.offer import TxCode, same_secret, secret_hash

PIN_DESCRIPTION = "The PIN sent to you by e-mail"


@dataclass(frozen=True)
class OfferPage:
    title: str
    issuer: str
    uri: str
    needs_pin: bool
    expires_at: datetime
    state: str  # open | used | expired


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
        tx = TxCode(pin_length, PIN_DESCRIPTION) if offer.tx_code_hash is not None else None
        uri = offer_with_grants(
            session, credential_issuer, offer.id, offer.record_id, offer.configuration_ids, code, tx
        ).uri()
        state = "open"
        if offer.redeemed_at is not None:
            state = "used"
        elif offer.expires_at <= datetime.now(UTC):
            state = "expired"
        view = view_of(record, lang)
        return OfferPage(view.title, view.issuer, uri, tx is not None, offer.expires_at, state)
