"""OpenID4VCI authorization code flow state (``wallet_authorization``): a wallet's request
waits for the learner to sign in and approve one of their credentials, then becomes a
single-use code (5 minutes) that the token endpoint exchanges, with the PKCE verifier, for
an access token bound to that record.

Protocol checks are in :mod:`wallet_bridge.authorization`; here: storage, ownership, single
use by conditional UPDATE, and the offers that carry the ``authorization_code`` grant.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import (
    CredentialRecord,
    LearnerCredential,
    RecordState,
    WalletAccessToken,
    WalletAuthorization,
    WalletNonce,
    WalletOffer,
)
from node.errors import NotFound
from node.issuance.views import LearnerCredentialView, view_of
from wallet_bridge.authorization import (
    AccessDenied,
    AuthorizationCodeOffer,
    RedirectError,
    error_redirect,
    parse_authorization_code_token_request,
    parse_authorization_request,
    success_redirect,
    token_authorization_details,
    verify_pkce,
)
from wallet_bridge.errors import InvalidGrant, InvalidRequest
from wallet_bridge.metadata import CredentialConfiguration, IssuerEndpoints
from wallet_bridge.offer import CredentialOffer, TxCode, new_secret, secret_hash
from wallet_bridge.requests import token_response

# A learner chooses among these; revoked and suspended records are not handed out.
OFFERABLE = (RecordState.PREPARED, RecordState.APPROVED, RecordState.ISSUED)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AuthorizationSettings:
    request_ttl: timedelta = timedelta(minutes=15)  # time to sign in and decide
    code_ttl: timedelta = timedelta(minutes=5)
    access_token_ttl: timedelta = timedelta(minutes=10)
    nonce_ttl: timedelta = timedelta(minutes=5)


class AuthorizationExpired(NotFound):
    """The request is unknown, decided or expired: the learner starts again in the wallet."""

    code = "authorization_expired"


@dataclass(frozen=True)
class Pending:
    """What the consent page shows."""

    id: str
    client_id: str
    wallet_host: str
    redirect_origin: str  # for the page's CSP form-action: the approval redirects there
    configuration_ids: tuple[str, ...]
    choices: tuple[LearnerCredentialView, ...]


# What a wallet shows when it asks for the PIN (OpenID4VCI §4.1.1 ``tx_code.description``):
# the PIN never travels with the offer (node/wallet/offers.py).
PIN_DESCRIPTION = (
    "The PIN that came with this offer: from your institution's staff, or on your learner "
    "account's page that made it"
)


def offer_with_grants(
    session: Session,
    credential_issuer: str,
    offer_id: str,
    record_id: str,
    configuration_ids: Sequence[str],
    code: str,
    pin_length: int | None,
) -> CredentialOffer:
    """The offer for a record (``pin_length``: the offer needs a PIN of that many digits);
    when the record belongs to a learner account it carries the ``authorization_code``
    grant too, with ``issuer_state`` = the offer id."""
    tx_code = TxCode(pin_length, PIN_DESCRIPTION) if pin_length is not None else None
    owned = session.scalar(
        select(LearnerCredential.account_id).where(LearnerCredential.record_id == record_id)
    )
    if owned is None:
        return CredentialOffer(credential_issuer, configuration_ids, code, tx_code)
    return AuthorizationCodeOffer(
        credential_issuer, configuration_ids, code, tx_code, issuer_state=offer_id
    )


def granted_configurations(session: Session, token: WalletAccessToken) -> list[str]:
    """The configurations an access token may ask for: its offer's or its authorization's."""
    if token.offer_id is not None:
        offer = session.get(WalletOffer, token.offer_id)
        return list(offer.configuration_ids) if offer is not None else []
    authorization = session.get(WalletAuthorization, token.authorization_id)
    return list(authorization.configuration_ids) if authorization is not None else []


class AuthorizationService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        endpoints: IssuerEndpoints,
        configurations: Sequence[CredentialConfiguration],
        settings: AuthorizationSettings | None = None,
    ) -> None:
        self._sessions = sessions
        self._endpoints = endpoints
        self._configurations = configurations
        self.settings = settings or AuthorizationSettings()

    @property
    def issuer(self) -> str:
        return self._endpoints.credential_issuer

    # -- authorization endpoint ------------------------------------------------------------

    def start(self, params: Mapping[str, str]) -> str:
        """Check the request and keep it pending; returns its id. Raises ``OAuthError``
        (bad client_id / redirect_uri: never redirected) or ``RedirectError``."""
        request = parse_authorization_request(params, self._configurations)
        now = _now()
        with self._sessions() as session:
            offer_id = None
            if request.issuer_state is not None:
                offer = session.get(WalletOffer, request.issuer_state)
                if offer is None or offer.expires_at <= now:
                    raise RedirectError(
                        InvalidRequest("issuer_state names no current offer"),
                        request.redirect_uri,
                        request.state,
                    )
                if not set(request.configuration_ids) <= set(offer.configuration_ids):
                    raise RedirectError(
                        InvalidRequest("the requested credential is not in this offer"),
                        request.redirect_uri,
                        request.state,
                    )
                offer_id = offer.id
            authorization = WalletAuthorization(
                id=str(uuid.uuid4()),
                client_id=request.client_id,
                redirect_uri=request.redirect_uri,
                state=request.state,
                code_challenge=request.code_challenge,
                configuration_ids=list(request.configuration_ids),
                authorization_details=(
                    list(request.authorization_details)
                    if request.authorization_details is not None
                    else None
                ),
                offer_id=offer_id,
                expires_at=now + self.settings.request_ttl,
            )
            session.add(authorization)
            session.commit()
            return authorization.id

    def error_redirect(self, error: RedirectError) -> str:
        return error_redirect(error, self.issuer)

    def _open(self, session: Session, authorization_id: str, now: datetime) -> WalletAuthorization:
        found = session.get(WalletAuthorization, authorization_id)
        if found is None or found.approved_at is not None or found.expires_at <= now:
            raise AuthorizationExpired(
                "this request from your wallet has expired or was already answered; "
                "start again in your wallet"
            )
        return found

    def _choices(
        self, session: Session, found: WalletAuthorization, account_id: str, lang: str
    ) -> list[LearnerCredentialView]:
        query = (
            select(CredentialRecord)
            .join(LearnerCredential, LearnerCredential.record_id == CredentialRecord.id)
            .where(
                LearnerCredential.account_id == account_id,
                CredentialRecord.state.in_([s.value for s in OFFERABLE]),
            )
            .order_by(LearnerCredential.created_at, CredentialRecord.id)
        )
        if found.offer_id is not None:
            offer = session.get(WalletOffer, found.offer_id)
            record_id = offer.record_id if offer is not None else ""
            query = query.where(CredentialRecord.id == record_id)
        return [view_of(record, lang) for record in session.scalars(query)]

    def pending(self, authorization_id: str, account_id: str, lang: str) -> Pending:
        with self._sessions() as session:
            found = self._open(session, authorization_id, _now())
            choices = self._choices(session, found, account_id, lang)
            target = urlsplit(found.redirect_uri)
            origin = f"{target.scheme}://{target.netloc}" if target.netloc else f"{target.scheme}:"
            return Pending(
                id=found.id,
                client_id=found.client_id,
                wallet_host=target.netloc or found.redirect_uri,
                redirect_origin=origin,
                configuration_ids=tuple(found.configuration_ids),
                choices=tuple(choices),
            )

    def approve(self, authorization_id: str, account_id: str, record_id: str) -> str:
        """The learner hands ``record_id`` to the wallet: the redirect with the code."""
        now = _now()
        code = new_secret()
        with self._sessions() as session:
            found = self._open(session, authorization_id, now)
            if record_id not in {
                c.record_id for c in self._choices(session, found, account_id, "en")
            }:
                raise NotFound("no such credential to hand to this wallet")
            decided = session.execute(
                update(WalletAuthorization)
                .where(
                    WalletAuthorization.id == found.id,
                    WalletAuthorization.approved_at.is_(None),
                    WalletAuthorization.expires_at > now,
                )
                .values(
                    account_id=account_id,
                    record_id=record_id,
                    code_hash=secret_hash(code),
                    approved_at=now,
                    expires_at=now + self.settings.code_ttl,
                )
            )
            if decided.rowcount != 1:  # type: ignore[attr-defined]
                raise AuthorizationExpired("this request was already answered")
            session.commit()
            return success_redirect(found.redirect_uri, code, found.state, self.issuer)

    def deny(self, authorization_id: str, account_id: str) -> str:
        now = _now()
        with self._sessions() as session:
            found = self._open(session, authorization_id, now)
            session.execute(
                update(WalletAuthorization)
                .where(
                    WalletAuthorization.id == found.id, WalletAuthorization.approved_at.is_(None)
                )
                .values(account_id=account_id, expires_at=now)
            )
            session.commit()
            error = RedirectError(
                AccessDenied("the learner declined"), found.redirect_uri, found.state
            )
            return error_redirect(error, self.issuer)

    # -- token endpoint --------------------------------------------------------------------

    def token(self, form: Mapping[str, str]) -> dict[str, Any]:
        request = parse_authorization_code_token_request(form)
        now = _now()
        with self._sessions() as session:
            found = session.scalar(
                select(WalletAuthorization).where(
                    WalletAuthorization.code_hash == secret_hash(request.code)
                )
            )
            if found is None or found.record_id is None:
                raise InvalidGrant("the authorization code is invalid, expired or already used")
            if found.redeemed_at is not None:
                # A replayed code: withdraw what it gave (RFC 6749 §4.1.2).
                session.execute(
                    update(WalletAccessToken)
                    .where(WalletAccessToken.authorization_id == found.id)
                    .values(expires_at=now)
                )
                session.commit()
                raise InvalidGrant("the authorization code is invalid, expired or already used")
            if found.expires_at <= now:
                raise InvalidGrant("the authorization code is invalid, expired or already used")
            if found.client_id != request.client_id:
                raise InvalidGrant("the authorization code was issued to another client")
            if found.redirect_uri != request.redirect_uri:
                raise InvalidGrant("redirect_uri differs from the authorization request")
            verify_pkce(request.code_verifier, found.code_challenge)
            redeemed = session.execute(
                update(WalletAuthorization)
                .where(
                    WalletAuthorization.id == found.id, WalletAuthorization.redeemed_at.is_(None)
                )
                .values(redeemed_at=now)
            )
            if redeemed.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                raise InvalidGrant("the authorization code is invalid, expired or already used")
            access_token, c_nonce = new_secret(), new_secret()
            session.add(
                WalletAccessToken(
                    authorization_id=found.id,
                    record_id=found.record_id,
                    token_hash=secret_hash(access_token),
                    expires_at=now + self.settings.access_token_ttl,
                )
            )
            session.add(
                WalletNonce(
                    nonce_hash=secret_hash(c_nonce), expires_at=now + self.settings.nonce_ttl
                )
            )
            session.commit()
            details = found.authorization_details
        body = token_response(
            access_token,
            int(self.settings.access_token_ttl.total_seconds()),
            c_nonce,
            int(self.settings.nonce_ttl.total_seconds()),
        )
        if details is not None:
            body["authorization_details"] = token_authorization_details(details)
        return body
