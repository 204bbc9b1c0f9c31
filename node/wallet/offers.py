"""Credential offers (admin, learner portal): a pre-authorized code, its PIN, the offer by
value and by reference, the mailed offer page; the page and the by-reference offer rebuilt
from the code in their URL (node/wallet/offer_page.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from node.db.models import WalletOffer
from node.errors import InvalidInput, Problem
from node.issuance.records import CredentialRecords
from node.mail import messages
from node.mail.outbox import Outbox
from node.wallet.authorization import offer_with_grants
from node.wallet.issuer import FORMATS, WalletIssuer
from node.wallet.offer_page import (
    OFFER_PAGE_PATH,
    OfferPage,
    offer_by_reference,
    offer_by_reference_url,
    offer_page,
)
from node.wallet.qr import qr_images
from wallet_bridge.offer import (
    new_secret,
    new_tx_code,
    offer_uri_by_reference,
    secret_hash,
    tx_code_hash,
)


@dataclass(frozen=True)
class OfferCreated:
    offer_id: str
    record_id: str
    uri: str  # openid-credential-offer://?credential_offer=… (by value)
    by_reference: str  # openid-credential-offer://?credential_offer_uri=… (OpenID4VCI §4.1.3)
    page_url: str  # the offer page (node/wallet/offer_page.py)
    tx_code: str | None  # the PIN: shown to whoever made the offer, never mailed
    expires_at: datetime
    deferred: bool
    qr_png: bytes  # of the by-reference URI: small enough to scan from a screen
    qr_svg: str
    outbox_id: int | None  # the mail to the learner, when an address was given


class WalletOffers:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        issuer: WalletIssuer,
        records: CredentialRecords,
        outbox: Outbox,
    ) -> None:
        self._sessions = sessions
        self._issuer = issuer
        self._records = records
        self._outbox = outbox

    def create_offer(
        self,
        record_id: str,
        configuration_ids: Sequence[str] | None,
        *,
        email: str | None,
        with_tx_code: bool,
        expires_in: timedelta | None,
        token_id: int | None,
        lang: str = "en",
    ) -> OfferCreated:
        """``lang``: the language of the mail (the learner's; the page it links to has its
        own language switch)."""
        settings = self._issuer.settings
        credential_issuer = self._issuer.endpoints.credential_issuer
        ids = list(configuration_ids or FORMATS)
        unknown = [i for i in ids if i not in FORMATS]
        if unknown or not ids:
            raise InvalidInput(
                "unknown credential configuration",
                [Problem("configuration_ids", f"known: {', '.join(FORMATS)}")],
            )
        ttl = expires_in or settings.offer_ttl
        if ttl <= timedelta(0) or ttl > settings.max_offer_ttl:
            raise InvalidInput(
                "offer lifetime out of range",
                [Problem("expires_in", f"1 s … {int(settings.max_offer_ttl.total_seconds())} s")],
            )
        code = new_secret()
        offer_id = str(uuid.uuid4())
        pin = new_tx_code(settings.tx_code_length) if with_tx_code else None
        pin_length = settings.tx_code_length if pin is not None else None
        expires_at = datetime.now(UTC) + ttl
        page_url = self.offer_page_url(offer_id, code)
        by_reference = offer_uri_by_reference(offer_by_reference_url(credential_issuer, code))
        with self._sessions() as session:
            record = self._records.get(session, record_id)  # VC API status records: not ours
            uri = offer_with_grants(
                session, credential_issuer, offer_id, record_id, ids, code, pin_length
            ).uri()
            session.add(
                WalletOffer(
                    id=offer_id,
                    record_id=record_id,
                    configuration_ids=ids,
                    code_hash=secret_hash(code),
                    tx_code_hash=tx_code_hash(offer_id, pin) if pin is not None else None,
                    expires_at=expires_at,
                    created_by=token_id,
                )
            )
            session.flush()  # the outbox row refers to the offer (PostgreSQL checks at once)
            mail = None
            if email:
                # The PIN is not in the mail: whoever holds the mailbox would hold both
                # factors. The learner gets it from the staff member or their portal.
                subject, body = messages.wallet_offer(
                    lang, page_url, by_reference, pin is not None, expires_at
                )
                mail = self._outbox.add(
                    session,
                    email,
                    subject,
                    body,
                    expires_at=expires_at,
                    offer_id=offer_id,
                )
            session.commit()
            deferred = not self._issuer.deliverable(record)
            outbox_id = mail.id if mail is not None else None
        png, svg = qr_images(by_reference)
        return OfferCreated(
            offer_id,
            record_id,
            uri,
            by_reference,
            page_url,
            pin,
            expires_at,
            deferred,
            png,
            svg,
            outbox_id,
        )

    def offer_page_url(self, offer_id: str, code: str) -> str:
        """The page the institution mails: title, QR code, wallet link (node/wallet/offer_page)."""
        credential_issuer = self._issuer.endpoints.credential_issuer
        return f"{credential_issuer}{OFFER_PAGE_PATH}/{offer_id}?code={code}"

    def offer_page(self, offer_id: str, code: str, lang: str) -> OfferPage:
        return offer_page(
            self._sessions,
            self._issuer.endpoints.credential_issuer,
            offer_id,
            code,
            pin_length=self._issuer.settings.tx_code_length,
            lang=lang,
        )

    def offer_by_reference(self, code: str) -> dict[str, Any]:
        """The Credential Offer a ``credential_offer_uri`` points at (OpenID4VCI §4.1.3)."""
        return offer_by_reference(
            self._sessions,
            self._issuer.endpoints.credential_issuer,
            code,
            pin_length=self._issuer.settings.tx_code_length,
        )
